// Two Node clients (pkg-node) in a secret chat through the real test DC over WebSocket:
// the shared scenario of secret-flow.mjs. Run with `node --experimental-websocket` (Node 20)
// and PORT set; exits non-zero on failure. Driven by tests/js/e2e-secret.test.mjs.
import { createRequire } from 'node:module';
import { secretFlow } from './secret-flow.mjs';

const require = createRequire(import.meta.url);
const { Client, webSocketTransport, memorySecretStorage } = require('../../../pkg-node/client.cjs');

const result = await secretFlow({ Client, webSocketTransport, memorySecretStorage, origin: `http://127.0.0.1:${process.env.PORT}` });
console.log(JSON.stringify(result));
