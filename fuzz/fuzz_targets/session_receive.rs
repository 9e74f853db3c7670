//! The session's receive path past msg_key: each fuzzed body is sealed as a valid server
//! packet with the session's own key (`Session::receive_for_fuzzing`, feature `fuzzing`),
//! so it reaches the msg_id checks, containers, gzip_packed, rpc_result and every
//! service-message handler. The input is a script of steps, run in order:
//!
//! - `0`/`1`: a packet: delta_ms (i16 LE, from the session's server time), seq_no (u8),
//!   body length (u16 LE), body. An 8-byte word `5EED5EED_xxxxxxxx` (little-endian, at a
//!   4-byte boundary) in the body becomes the msg_id of one of our sent messages, so
//!   rpc_result, acks and bad_msg_notification can name them; a word `5EED5EEE_0000dddd`
//!   becomes a fresh server msg_id `dddd` ms (i16) from now (for messages in containers).
//!   Op 1 uses a response id.
//! - `2`: time moves on (u16 LE * 16 ms) and the timers run;
//! - `3`: the app invokes a request (u8 selects the body) or pings;
//! - `4`: a raw, unauthenticated frame (u8 length, bytes);
//! - `5`: reconnect, or cancel a request (u8 selects it);
//! - `6`: like `0`, with the body built from a program (`fuzz/shared/tl_shapes.rs`):
//!   nested gzip_packed and containers, huge vector counts, deep objects.
//!
//! After every step: drain `poll_transmit` (read back with the server end to learn our
//! msg_ids) and `poll_event`. Never panics; every request resolves at most once.
#![no_main]
use std::collections::HashSet;

use libfuzzer_sys::fuzz_target;
use mtproto_wasm::crypto::{AuthKey, SeededRandom};
use mtproto_wasm::session::server::ServerSession;
use mtproto_wasm::session::{InvokeOptions, RequestId, Session, SessionConfig, SessionEvent};

#[path = "../shared/tl_shapes.rs"]
mod tl_shapes;

const T0: u64 = 1_700_000_000_000;
const SALT: u64 = 0x1111_2222_3333_4444;
const SENT_ID: u32 = 0x5EED_5EED;
const SERVER_ID: u32 = 0x5EED_5EEE;

fn key() -> AuthKey {
    let bytes: Vec<u8> = (0..256u32).map(|i| (i * 31 + 7) as u8).collect();
    AuthKey::from_bytes(&bytes).expect("256 bytes")
}

struct Run {
    now: u64,
    session: Session,
    server: ServerSession,
    sent: Vec<i64>,
    requests: Vec<RequestId>,
    resolved: HashSet<RequestId>,
}

impl Run {
    fn drain(&mut self) {
        while let Some(p) = self.session.poll_transmit(self.now) {
            self.server.session_id = None;
            if let Ok(packet) = self.server.decrypt(&p) {
                if packet.container {
                    self.sent.push(packet.header.msg_id);
                }
                self.sent.extend(packet.messages.iter().map(|m| m.msg_id));
            }
        }
        if self.sent.len() > 256 {
            self.sent.drain(..128);
        }
        while let Some(ev) = self.session.poll_event() {
            let request = match ev {
                SessionEvent::RpcResult { request, .. }
                | SessionEvent::RpcError { request, .. }
                | SessionEvent::RequestFailed { request, .. } => request,
                _ => continue,
            };
            assert!(self.resolved.insert(request), "a request resolved twice");
        }
        assert!(self.session.pending_requests() <= self.requests.len());
    }

    /// The msg_id a placeholder word stands for, if it is one.
    fn resolve(&self, word: u64) -> Option<i64> {
        match (word >> 32) as u32 {
            SENT_ID if !self.sent.is_empty() => {
                Some(self.sent[(word as u32 as usize) % self.sent.len()])
            }
            SERVER_ID => {
                let delta = i64::from(word as u16 as i16);
                Some(self.session.server_msg_id_for_fuzzing(self.now, delta, false))
            }
            _ => None,
        }
    }

    /// Replaces placeholder words by msg_ids we sent.
    fn patch(&self, body: &mut [u8]) {
        let mut i = 0;
        while i + 8 <= body.len() {
            let word = u64::from_le_bytes(body[i..i + 8].try_into().expect("8 bytes"));
            match self.resolve(word) {
                Some(id) => {
                    body[i..i + 8].copy_from_slice(&id.to_le_bytes());
                    i += 8;
                }
                None => i += 4,
            }
        }
    }
}

fn take<'a>(data: &mut &'a [u8], n: usize) -> Option<&'a [u8]> {
    let (head, tail) = data.split_at_checked(n)?;
    *data = tail;
    Some(head)
}

fuzz_target!(|data: &[u8]| {
    let mut config = SessionConfig::new(key(), SALT);
    config.session_id = Some(0x5555_6666_7777_8888);
    config.time_offset_ms = Some(0);
    config.ping_interval_ms = 60_000;
    let Ok(session) = Session::new(config, Box::new(SeededRandom::new(11))) else { return };
    let server = ServerSession::new(key(), SALT, 0, Box::new(SeededRandom::new(22)));
    let mut run = Run {
        now: T0,
        session,
        server,
        sent: Vec::new(),
        requests: Vec::new(),
        resolved: HashSet::new(),
    };
    // Two requests in flight before the script starts, so answers have something to name.
    for n in 0..2u32 {
        let body = [0x1234_5678u32.to_le_bytes(), n.to_le_bytes()].concat();
        if let Ok(r) = run.session.invoke(body, InvokeOptions::default()) {
            run.requests.push(r);
        }
    }
    run.drain();

    let mut data = data;
    for _ in 0..64 {
        let Some(&[op]) = take(&mut data, 1) else { break };
        match op % 7 {
            0 | 1 | 6 => {
                let Some(h) = take(&mut data, 5) else { break };
                let delta = i64::from(i16::from_le_bytes([h[0], h[1]]));
                let seq_no = i32::from(h[2]);
                let len = usize::from(u16::from_le_bytes([h[3], h[4]])).min(data.len());
                let Some(body) = take(&mut data, len) else { break };
                let body = match op % 7 {
                    6 => tl_shapes::build_with(body, tl_shapes::FUZZ_WORK, &mut |w| run.resolve(w).map_or(w, |id| id as u64)),
                    _ => {
                        let mut body = body.to_vec();
                        run.patch(&mut body);
                        body
                    }
                };
                let msg_id = run.session.server_msg_id_for_fuzzing(run.now, delta, op % 7 == 1);
                run.session.receive_for_fuzzing(run.now, msg_id, seq_no, &body);
            }
            2 => {
                let Some(h) = take(&mut data, 2) else { break };
                run.now += u64::from(u16::from_le_bytes([h[0], h[1]])) * 16;
                run.session.handle_timeout(run.now);
            }
            3 => {
                let Some(&[n]) = take(&mut data, 1) else { break };
                if n == 0xff {
                    run.session.ping();
                } else {
                    let body = [0x1234_5678u32.to_le_bytes(), u32::from(n).to_le_bytes()].concat();
                    if let Ok(r) = run.session.invoke(body, InvokeOptions::default()) {
                        run.requests.push(r);
                    }
                }
            }
            4 => {
                let Some(&[n]) = take(&mut data, 1) else { break };
                let n = usize::from(n).min(data.len());
                let Some(frame) = take(&mut data, n) else { break };
                run.session.handle_input(run.now, frame);
            }
            _ => {
                let Some(&[n]) = take(&mut data, 1) else { break };
                match run.requests.get(usize::from(n)) {
                    Some(&r) if n & 1 == 0 => {
                        let _ = run.session.cancel(r);
                    }
                    _ => run.session.on_reconnect(run.now),
                }
            }
        }
        run.drain();
    }
});
