// mtproto-wasm: JavaScript the wasm imports (wasm-bindgen copies this file into the package's
// snippets/ directory; src/js/session.rs declares the imports). Building a result object
// here takes one call from the wasm; setting its properties one by one from Rust took a
// call per property, a key lookup each and about 2 µs per decryptMessage (issue #9).

/** The result of `decryptMessage`: the checked header and the body. */
export function decryptedMessage(salt, sessionId, msgId, seqNo, body) {
  return { salt, sessionId, msgId, seqNo, body };
}
