// Starts the real test DC binary (built by `cargo build -p mtproto-testdc`) on a free port
// and stops it: shared by the end-to-end tests.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../..', import.meta.url));

export function testdcBinary() {
  const bin = `${root}/target/debug/testdc`;
  if (!existsSync(bin)) {
    const r = spawnSync('cargo', ['build', '-q', '-p', 'mtproto-testdc'], { cwd: root, stdio: 'inherit' });
    if (r.status !== 0) throw new Error('cannot build the test DC');
  }
  return bin;
}

// Resolves { port, url, stop() } once the DC prints its port.
export function startTestDc(args = []) {
  const child = spawn(testdcBinary(), ['--port', '0', '--fixed-key', '--quiet', ...args], {
    cwd: root, stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`test DC did not start: ${out}`)); }, 30_000);
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`test DC exited (${code}): ${out}`)); });
    child.stdout.on('data', (d) => {
      out += d;
      const m = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        const port = Number(m[1]);
        resolve({
          port,
          url: `http://127.0.0.1:${port}`,
          stop: () => new Promise((res) => {
            if (child.exitCode !== null) return res();
            child.removeAllListeners('exit');
            child.on('exit', () => res());
            child.kill('SIGTERM');
          }),
        });
      }
    });
  });
}
