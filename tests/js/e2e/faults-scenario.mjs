// One Node client (pkg-node) through the real test DC's faults: the shared scenario of
// faults-flow.mjs. Run with `node --experimental-websocket` (Node 20) and PORT set; exits
// non-zero on failure. Driven by tests/js/e2e-faults.test.mjs.
import { createRequire } from 'node:module';
import { faultsFlow } from './faults-flow.mjs';

const require = createRequire(import.meta.url);
const { Client, webSocketTransport } = require('../../../pkg-node/client.cjs');

const result = await faultsFlow({ Client, webSocketTransport, origin: `http://127.0.0.1:${process.env.PORT}` });
console.log(JSON.stringify(result));
