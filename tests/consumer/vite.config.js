// Built by tests/js/consumer.test.mjs: `vite build` into dist/, served by the test DC.
export default {
  build: { target: 'es2022', outDir: 'dist', emptyOutDir: true },
  worker: { format: 'es' },
};
