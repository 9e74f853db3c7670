//! Structure-aware TL for the fuzz targets (`tl_decode`, `tl_typed`, `session_receive`,
//! `client_core`) and the seeds of `tests/fuzz_seeds.rs`: the fuzz bytes are a program for
//! a small stack machine whose ops build what byte soup almost never reaches: gzip_packed
//! (0x3072cfa1) around real deflate data, gzip_packed inside gzip_packed, msg_container
//! (0x73f1f8dc) inside msg_container, vectors (0x1cb5c415) claiming 2^31 elements, objects
//! nested thousands deep (textBold, jsonArray), bytes with lying lengths.
//!
//! Program: ops in order, each an op byte (`op % 11`) and its arguments:
//!
//! | op | arguments | effect |
//! |----|-----------|--------|
//! | [`OP_LEAF`] | k: u8 | push a small real message (pong, textEmpty, rpc_error, ...) |
//! | [`OP_RAW`] | n: u8, n bytes | push the bytes |
//! | [`OP_WRAP`] | w: u8 | wrap the top item once (`w % 7`, the `WRAP_*` below) |
//! | [`OP_REPEAT`] | n: u16 LE, w: u8 | wrap the top item n times |
//! | [`OP_CONTAINER`] | k: u8 | pop `k % 16 + 1` items, push a msg_container of them |
//! | [`OP_VECTOR`] | count: u32 LE, k: u8 | pop `k % 8` items, push a vector claiming `count` |
//! | [`OP_CONCAT`] | | pop b, a; push a ‖ b |
//! | [`OP_DUP`] | | push a copy of the top item |
//! | [`OP_TRUNCATE`] | n: u16 LE | cut the top item to n bytes |
//! | [`OP_FLIP`] | i: u16 LE, x: u8 | XOR byte `i % len` of the top item with x |
//! | [`OP_LYING_BYTES`] | n: u32 LE | wrap the top item as TL bytes whose length says `n % 2^24` |
//!
//! The result is the stack's items concatenated, bottom first. Ops with too few items
//! first push leaf 0. Bounded: [`MAX_LEN`] bytes per item and in the result, [`MAX_STACK`]
//! items, and a budget of work (bytes copied, checksummed or compressed) for the whole
//! program: [`FUZZ_WORK`] in the fuzz targets, so that one execution stays within
//! milliseconds (stored gzip_packed then nests about 60 deep, textBold 16,000), [`SEED_WORK`] for the seeds
//! run natively (2,000 levels fit). An op past a bound is skipped, so every program builds
//! something.
//!
//! msg_ids (pong, msgs_ack, new_session_created, rpc_result, container messages) are the
//! targets' placeholders, [`SENT_0`] (the first message the client sent) and [`server_id`]
//! (a fresh server msg_id); [`build_with`] hands each to the target, which returns the real
//! id, before anything is gzipped.
#![allow(dead_code)] // each target uses part of it

use mtproto_wasm::crypto::crc32::crc32;
use mtproto_wasm::tl::gzip::gzip;

pub const OP_LEAF: u8 = 0;
pub const OP_RAW: u8 = 1;
pub const OP_WRAP: u8 = 2;
pub const OP_REPEAT: u8 = 3;
pub const OP_CONTAINER: u8 = 4;
pub const OP_VECTOR: u8 = 5;
pub const OP_CONCAT: u8 = 6;
pub const OP_DUP: u8 = 7;
pub const OP_TRUNCATE: u8 = 8;
pub const OP_FLIP: u8 = 9;
pub const OP_LYING_BYTES: u8 = 10;
const OPS: u8 = 11;

/// gzip_packed around deflate (miniz_oxide, level 6).
pub const WRAP_GZIP: u8 = 0;
/// gzip_packed around stored deflate blocks (cheap to nest thousands deep).
pub const WRAP_GZIP_STORED: u8 = 1;
/// A msg_container of one message.
pub const WRAP_CONTAINER: u8 = 2;
/// rpc_result naming the first message the client sent.
pub const WRAP_RPC_RESULT: u8 = 3;
/// textBold#6724abc4 text:RichText (API schema).
pub const WRAP_TEXT_BOLD: u8 = 4;
/// jsonArray#f7444763 value:Vector<JSONValue> of one (API schema).
pub const WRAP_JSON_ARRAY: u8 = 5;
/// A bare `vector` of one, as an object (what `Object` fields and untyped readers meet).
pub const WRAP_VECTOR: u8 = 6;
const WRAPS: u8 = 7;

pub const GZIP_PACKED: u32 = 0x3072_cfa1;
pub const MSG_CONTAINER: u32 = 0x73f1_f8dc;
pub const VECTOR: u32 = 0x1cb5_c415;
const RPC_RESULT: u32 = 0xf35c_6d01;
const RPC_ERROR: u32 = 0x2144_ca19;
const PONG: u32 = 0x3477_73c5;
const MSGS_ACK: u32 = 0x62d6_b459;
const NEW_SESSION_CREATED: u32 = 0x9ec2_0908;
const BOOL_TRUE: u32 = 0x9972_75b5;
const TEXT_EMPTY: u32 = 0xdc3d_824f;
const TEXT_BOLD: u32 = 0x6724_abc4;
const JSON_NULL: u32 = 0x3f6d_7b68;
const JSON_ARRAY: u32 = 0xf744_4763;

/// Bytes in one item and in the result.
pub const MAX_LEN: usize = 1 << 20;
/// Items on the stack.
pub const MAX_STACK: usize = 64;
/// Work (bytes copied or checksummed; deflate counts [`DEFLATE_COST`] per byte) one
/// program may spend in a fuzz target.
pub const FUZZ_WORK: usize = 64 << 10;
/// Work one seed program may spend when run natively (`tests/fuzz_seeds.rs`).
pub const SEED_WORK: usize = 128 << 20;
/// What deflating one byte costs, in copied bytes.
const DEFLATE_COST: usize = 16;

/// The placeholder of the first message the client sent.
pub const SENT_0: u64 = 0x5EED_5EED << 32;

/// The placeholder of a fresh server msg_id (`i` ms from now, for `session_receive`).
pub fn server_id(i: usize) -> u64 {
    (0x5EED_5EEE << 32) | (i as u64 & 0xffff)
}

/// Builds the TL bytes `program` describes (see the module documentation) within
/// [`FUZZ_WORK`], msg_ids left as placeholders.
pub fn build(program: &[u8]) -> Vec<u8> {
    build_with(program, FUZZ_WORK, &mut |id| id)
}

/// Like [`build`], within `work`, with each msg_id placeholder replaced by
/// `ids(placeholder)`. Server msg_id placeholders are numbered 1, 2, ... in the order
/// they are used.
pub fn build_with(program: &[u8], work: usize, ids: &mut dyn FnMut(u64) -> u64) -> Vec<u8> {
    let mut serial = 0;
    let mut numbered = |placeholder: u64| {
        if placeholder >> 32 == server_id(0) >> 32 {
            serial += 1;
            ids(server_id(serial))
        } else {
            ids(placeholder)
        }
    };
    let mut m = Machine {
        stack: Vec::new(),
        work,
        ids: &mut numbered,
    };
    let mut p = program;
    while let Some((&op, rest)) = p.split_first() {
        p = rest;
        if m.op(op % OPS, &mut p).is_none() {
            break; // the program ran out mid-op
        }
    }
    let mut out = Vec::new();
    for item in &m.stack {
        if out.len() + item.len() > MAX_LEN {
            break;
        }
        out.extend_from_slice(item);
    }
    out
}

struct Machine<'a> {
    stack: Vec<Vec<u8>>,
    work: usize,
    ids: &'a mut dyn FnMut(u64) -> u64,
}

fn take<'a>(p: &mut &'a [u8], n: usize) -> Option<&'a [u8]> {
    let (head, tail) = p.split_at_checked(n)?;
    *p = tail;
    Some(head)
}

fn u8_arg(p: &mut &[u8]) -> Option<u8> {
    take(p, 1).map(|b| b[0])
}

fn u16_arg(p: &mut &[u8]) -> Option<usize> {
    take(p, 2).map(|b| usize::from(u16::from_le_bytes([b[0], b[1]])))
}

fn u32_arg(p: &mut &[u8]) -> Option<u32> {
    take(p, 4).map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

fn int(out: &mut Vec<u8>, x: u32) {
    out.extend_from_slice(&x.to_le_bytes());
}

fn long(out: &mut Vec<u8>, x: u64) {
    out.extend_from_slice(&x.to_le_bytes());
}

/// TL `bytes`/`string`: a length that says `claimed`, then `data`, padded to 4.
fn tl_bytes(out: &mut Vec<u8>, claimed: usize, data: &[u8]) {
    let start = out.len();
    if claimed < 254 {
        out.push(claimed as u8);
    } else {
        out.push(254);
        out.extend_from_slice(&(claimed as u32).to_le_bytes()[..3]);
    }
    out.extend_from_slice(data);
    let padding = (4 - (out.len() - start) % 4) % 4;
    out.resize(out.len() + padding, 0);
}

/// gzip (RFC 1952) of `data` in stored deflate blocks.
fn gzip_stored(data: &[u8]) -> Vec<u8> {
    let mut out = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];
    let mut chunks = data.chunks(0xffff).peekable();
    if data.is_empty() {
        out.extend_from_slice(&[1, 0, 0, 0xff, 0xff]);
    }
    while let Some(c) = chunks.next() {
        out.push(u8::from(chunks.peek().is_none()));
        let n = c.len() as u16;
        out.extend_from_slice(&n.to_le_bytes());
        out.extend_from_slice(&(!n).to_le_bytes());
        out.extend_from_slice(c);
    }
    int(&mut out, crc32(data));
    int(&mut out, data.len() as u32);
    out
}

fn leaf(k: u8, ids: &mut dyn FnMut(u64) -> u64) -> Vec<u8> {
    let mut v = Vec::new();
    match k % 8 {
        0 => {
            int(&mut v, PONG);
            long(&mut v, ids(SENT_0));
            long(&mut v, 7);
        }
        1 => int(&mut v, TEXT_EMPTY),
        2 => int(&mut v, JSON_NULL),
        3 => int(&mut v, BOOL_TRUE),
        4 => {
            int(&mut v, RPC_ERROR);
            int(&mut v, 420);
            tl_bytes(&mut v, 12, b"FLOOD_WAIT_3");
        }
        5 => {
            int(&mut v, MSGS_ACK);
            int(&mut v, VECTOR);
            int(&mut v, 1);
            long(&mut v, ids(SENT_0));
        }
        6 => {
            int(&mut v, NEW_SESSION_CREATED);
            long(&mut v, ids(SENT_0));
            long(&mut v, 1);
            long(&mut v, 2);
        }
        _ => int(&mut v, 0xdead_beef),
    }
    v
}

/// A msg_container of `bodies`, msg_ids from the placeholders.
fn container(bodies: &[Vec<u8>], ids: &mut dyn FnMut(u64) -> u64) -> Vec<u8> {
    let mut v = Vec::new();
    int(&mut v, MSG_CONTAINER);
    int(&mut v, bodies.len() as u32);
    for (i, b) in bodies.iter().enumerate() {
        long(&mut v, ids(server_id(i + 1)));
        int(&mut v, 2 * i as u32 + 1);
        int(&mut v, b.len() as u32);
        v.extend_from_slice(b);
    }
    v
}

/// Appends to `out` what `w` puts before the item (`inner_len` bytes) it wraps: always
/// [`prefix_len`] bytes. Not for gzip, which rewrites the item.
fn prefix(out: &mut Vec<u8>, w: u8, inner_len: usize, ids: &mut dyn FnMut(u64) -> u64) {
    match w % WRAPS {
        WRAP_CONTAINER => {
            int(out, MSG_CONTAINER);
            int(out, 1);
            long(out, ids(server_id(1)));
            int(out, 1);
            int(out, inner_len as u32);
        }
        WRAP_RPC_RESULT => {
            int(out, RPC_RESULT);
            long(out, ids(SENT_0));
        }
        WRAP_TEXT_BOLD => int(out, TEXT_BOLD),
        WRAP_JSON_ARRAY => {
            int(out, JSON_ARRAY);
            int(out, VECTOR);
            int(out, 1);
        }
        _ => {
            int(out, VECTOR);
            int(out, 1);
        }
    }
}

/// The length of `w`'s prefix; `None` for gzip.
fn prefix_len(w: u8) -> Option<usize> {
    match w % WRAPS {
        WRAP_GZIP | WRAP_GZIP_STORED => None,
        WRAP_CONTAINER => Some(24),
        WRAP_RPC_RESULT | WRAP_JSON_ARRAY => Some(12),
        WRAP_TEXT_BOLD => Some(4),
        _ => Some(8),
    }
}

/// gzip_packed of `x` (real deflate, or stored blocks).
fn gzip_packed(w: u8, x: &[u8]) -> Vec<u8> {
    let packed = if w % WRAPS == WRAP_GZIP {
        gzip(x)
    } else {
        gzip_stored(x)
    };
    let mut v = Vec::with_capacity(packed.len() + 8);
    int(&mut v, GZIP_PACKED);
    tl_bytes(&mut v, packed.len(), &packed);
    v
}

impl Machine<'_> {
    /// Spends `n` bytes of work; false (and nothing spent) when the budget is short.
    fn spend(&mut self, n: usize) -> bool {
        match self.work.checked_sub(n) {
            Some(left) => {
                self.work = left;
                true
            }
            None => false,
        }
    }

    fn push(&mut self, item: Vec<u8>) {
        if self.stack.len() < MAX_STACK && item.len() <= MAX_LEN {
            self.stack.push(item);
        }
    }

    /// The top item, pushing leaf 0 first on an empty stack.
    fn top(&mut self) -> &mut Vec<u8> {
        if self.stack.is_empty() {
            let l = leaf(0, self.ids);
            self.stack.push(l);
        }
        let last = self.stack.len() - 1;
        &mut self.stack[last]
    }

    fn pop(&mut self) -> Vec<u8> {
        match self.stack.pop() {
            Some(item) => item,
            None => leaf(0, self.ids),
        }
    }

    /// Wraps the top item `n` times, as far as the bounds allow. Wraps that only add a
    /// prefix cost the bytes they add (so 60,000 levels are cheap); gzip rewrites the item
    /// at each level.
    fn wrap_top(&mut self, w: u8, n: usize) {
        let Some(rec) = prefix_len(w) else {
            for _ in 0..n {
                let len = self.top().len();
                let cost = if w % WRAPS == WRAP_GZIP {
                    DEFLATE_COST * len
                } else {
                    len
                };
                if len + 64 > MAX_LEN || !self.spend(cost) {
                    return;
                }
                let wrapped = gzip_packed(w, self.top());
                *self.top() = wrapped;
            }
            return;
        };
        // As many levels as the bounds allow (the item is copied once more at the end).
        let inner = self.top().len();
        let room = MAX_LEN
            .saturating_sub(inner)
            .min(self.work.saturating_sub(inner));
        let levels = n.min(room / rec);
        if levels == 0 || !self.spend(levels * rec + inner) {
            return;
        }
        // The prefixes innermost first, then written outermost first.
        let mut prefixes = Vec::with_capacity(levels * rec);
        for i in 0..levels {
            prefix(&mut prefixes, w, inner + i * rec, self.ids);
        }
        debug_assert_eq!(prefixes.len(), levels * rec);
        let mut out = Vec::with_capacity(prefixes.len() + inner);
        for p in prefixes.chunks_exact(rec).rev() {
            out.extend_from_slice(p);
        }
        out.extend_from_slice(self.top());
        *self.top() = out;
    }

    /// Runs one op; `None` when the program ends inside its arguments.
    fn op(&mut self, op: u8, p: &mut &[u8]) -> Option<()> {
        match op {
            OP_LEAF => {
                let k = u8_arg(p)?;
                let l = leaf(k, self.ids);
                self.push(l);
            }
            OP_RAW => {
                let n = usize::from(u8_arg(p)?);
                let bytes = take(p, n.min(p.len()))?;
                self.push(bytes.to_vec());
            }
            OP_WRAP => {
                let w = u8_arg(p)?;
                self.wrap_top(w, 1);
            }
            OP_REPEAT => {
                let (n, w) = (u16_arg(p)?, u8_arg(p)?);
                self.wrap_top(w, n);
            }
            OP_CONTAINER => {
                let k = usize::from(u8_arg(p)? % 16) + 1;
                let mut items: Vec<Vec<u8>> = (0..k.min(self.stack.len().max(1)))
                    .map(|_| self.pop())
                    .collect();
                items.reverse();
                let len: usize = items.iter().map(|i| i.len() + 16).sum();
                if self.spend(len) {
                    let c = container(&items, self.ids);
                    self.push(c);
                }
            }
            OP_VECTOR => {
                let (count, k) = (u32_arg(p)?, usize::from(u8_arg(p)? % 8));
                let mut items: Vec<Vec<u8>> =
                    (0..k.min(self.stack.len())).map(|_| self.pop()).collect();
                items.reverse();
                let mut v = Vec::new();
                int(&mut v, VECTOR);
                int(&mut v, count);
                for i in &items {
                    v.extend_from_slice(i);
                }
                if self.spend(v.len()) {
                    self.push(v);
                }
            }
            OP_CONCAT => {
                let (b, mut a) = (self.pop(), self.pop());
                if self.spend(a.len() + b.len()) {
                    a.extend_from_slice(&b);
                }
                self.push(a);
            }
            OP_DUP => {
                let copy = self.top().clone();
                if self.spend(copy.len()) {
                    self.push(copy);
                }
            }
            OP_TRUNCATE => {
                let n = u16_arg(p)?;
                self.top().truncate(n);
            }
            OP_FLIP => {
                let (i, x) = (u16_arg(p)?, u8_arg(p)?);
                let top = self.top();
                if !top.is_empty() {
                    let i = i % top.len();
                    top[i] ^= x;
                }
            }
            _ => {
                let claimed = (u32_arg(p)? & 0x00ff_ffff) as usize;
                let x = self.pop();
                if self.spend(x.len()) {
                    let mut v = Vec::with_capacity(x.len() + 8);
                    tl_bytes(&mut v, claimed, &x);
                    self.push(v);
                }
            }
        }
        Some(())
    }
}

/// Program helpers for seeds: `levels` wraps `w` around leaf `k`.
pub fn nested(k: u8, w: u8, levels: u16) -> Vec<u8> {
    let [lo, hi] = levels.to_le_bytes();
    vec![OP_LEAF, k, OP_REPEAT, lo, hi, w]
}
