// A synchronous gzip (RFC 1952) for the TL cross-checks where node:zlib is not there (a
// browser page; CompressionStream is asynchronous): deflate "stored" blocks, no compression,
// with the CRC-32 and length trailer, so any inflater (the wasm's tlGunzip too) reads it.
// No Node imports.

const CRC_TABLE = Uint32Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c;
});

export function crc32(bytes) {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

const BLOCK = 0xffff; // the most a stored block holds

export function gzipStored(data) {
  const blocks = Math.max(1, Math.ceil(data.length / BLOCK));
  const out = new Uint8Array(10 + 5 * blocks + data.length + 8);
  out.set([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff]); // magic, deflate, no flags, no mtime, unknown OS
  let at = 10;
  for (let k = 0; k < blocks; k++) {
    const chunk = data.subarray(k * BLOCK, (k + 1) * BLOCK);
    const n = chunk.length;
    // BFINAL on the last block, BTYPE 00 (stored); then LEN and its complement, little-endian
    out.set([k === blocks - 1 ? 1 : 0, n & 0xff, n >>> 8, ~n & 0xff, (~n >>> 8) & 0xff], at);
    out.set(chunk, at + 5);
    at += 5 + n;
  }
  const view = new DataView(out.buffer);
  view.setUint32(at, crc32(data), true);
  view.setUint32(at + 4, data.length >>> 0, true);
  return out;
}
