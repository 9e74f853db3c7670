//! A test hook for the `session_receive` fuzz target, compiled only with the `fuzzing`
//! feature (off by default, never in a release build).
//!
//! A fuzzer cannot forge a packet that passes msg_key without the key, so every input it
//! makes would stop at the first check. [`Session::receive_for_fuzzing`] seals the fuzzed
//! body as a valid server packet with the session's own key, salt and session id and feeds
//! it through the ordinary [`Session::handle_input`]: the fuzzed bytes reach the msg_id
//! checks, the containers, gzip_packed and the service-message handlers.

use super::Session;
use super::envelope::{self, MessageHeader};
use crate::crypto::{SeededRandom, Side};

impl Session {
    /// Encrypts `body` (cut to a multiple of 4 bytes) as a server packet with `msg_id` and
    /// `seq_no`, addressed to this session with its key, and feeds it to
    /// [`Session::handle_input`] at `now`. Nothing else is changed.
    pub fn receive_for_fuzzing(&mut self, now: u64, msg_id: i64, seq_no: i32, body: &[u8]) {
        let body = body.get(..body.len() & !3).unwrap_or_default();
        let header = MessageHeader {
            salt: self.salt,
            session_id: self.session_id,
            msg_id,
            seq_no,
        };
        // Padding from its own seeded source: the session's random stream stays untouched.
        let mut rng = SeededRandom::new(msg_id as u64);
        let sealed = envelope::encrypt_message_with_id(
            &self.auth_key,
            self.auth_key_id,
            Side::Server,
            &header,
            body,
            self.config.max_padding,
            &mut rng,
        );
        if let Ok(packet) = sealed {
            self.handle_input(now, &packet);
        }
    }

    /// A server msg_id (odd, 1 mod 4 when `response`, else 3 mod 4) for the server time of
    /// `now` plus `delta_ms`, as the session's clock sees it: inside the receive window for
    /// small deltas.
    pub fn server_msg_id_for_fuzzing(&self, now: u64, delta_ms: i64, response: bool) -> i64 {
        let server_ms = self.ids.server_time_ms(now).saturating_add(delta_ms);
        let secs = server_ms.div_euclid(1000);
        let frac = (server_ms.rem_euclid(1000) << 32) / 1000;
        let id = (secs << 32) | (frac & !3);
        id | if response { 1 } else { 3 }
    }
}
