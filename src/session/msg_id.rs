//! Message identifiers: `unixtime * 2^32` plus a sub-second fraction, strictly increasing.
//!
//! Spec: <https://core.telegram.org/mtproto/description#message-identifier-msg-id>.
//! Client ids are divisible by 4; server ids are odd: 1 mod 4 for responses, 3 mod 4 for
//! server-initiated messages. Time is milliseconds since the Unix epoch, passed in; the
//! server time is `now + offset`.

/// The server time, in ms since the epoch, encoded in `msg_id`.
pub fn msg_id_time_ms(msg_id: i64) -> i64 {
    let secs = msg_id >> 32;
    let frac = msg_id & 0xffff_ffff;
    secs.saturating_mul(1000)
        .saturating_add((frac.saturating_mul(1000)) >> 32)
}

fn raw_id(server_ms: i64) -> i64 {
    let secs = server_ms.div_euclid(1000);
    let ms = server_ms.rem_euclid(1000);
    (secs << 32) | ((ms << 32) / 1000)
}

/// What kind of message a generated id is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MsgIdKind {
    /// A client message: id % 4 == 0.
    Client,
    /// A server response: id % 4 == 1.
    ServerResponse,
    /// A server-initiated message: id % 4 == 3.
    ServerInitiated,
}

impl MsgIdKind {
    const fn residue(self) -> i64 {
        match self {
            Self::Client => 0,
            Self::ServerResponse => 1,
            Self::ServerInitiated => 3,
        }
    }
}

/// Generates strictly increasing msg_ids from the local clock and a server time offset.
#[derive(Debug, Clone)]
pub struct MsgIdGenerator {
    /// Server time minus local time, in ms.
    offset_ms: i64,
    last: i64,
}

impl MsgIdGenerator {
    /// A generator with a server time offset in ms (server minus local).
    pub fn new(offset_ms: i64) -> Self {
        Self { offset_ms, last: 0 }
    }

    /// The current offset (server minus local), in ms.
    pub fn offset_ms(&self) -> i64 {
        self.offset_ms
    }

    /// The server time at local time `now_ms`.
    pub fn server_time_ms(&self, now_ms: u64) -> i64 {
        (now_ms as i64).saturating_add(self.offset_ms)
    }

    /// The last id generated (0 before the first).
    pub fn last(&self) -> i64 {
        self.last
    }

    /// Forgets the last id (for a new session, where ids may start lower).
    pub fn reset(&mut self) {
        self.last = 0;
    }

    /// Sets the offset from a server msg_id received at `now_ms` (bad_msg_notification
    /// 16/17 and the first message after the handshake). Returns the new offset.
    pub fn sync_from_server_msg_id(&mut self, server_msg_id: i64, now_ms: u64) -> i64 {
        self.offset_ms = msg_id_time_ms(server_msg_id).saturating_sub(now_ms as i64);
        self.offset_ms
    }

    /// Sets the offset directly.
    pub fn set_offset_ms(&mut self, offset_ms: i64) {
        self.offset_ms = offset_ms;
    }

    /// The id the clock would give now, ignoring monotonicity.
    pub fn clock_id(&self, now_ms: u64, kind: MsgIdKind) -> i64 {
        (raw_id(self.server_time_ms(now_ms)) & !3) | kind.residue()
    }

    /// A new id: from the clock, and always above the previous one.
    pub fn next(&mut self, now_ms: u64, kind: MsgIdKind) -> i64 {
        let mut id = self.clock_id(now_ms, kind);
        if id <= self.last {
            id = (self.last & !3).saturating_add(4) | kind.residue();
        }
        self.last = id;
        id
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_follow_the_clock_and_increase() {
        let mut g = MsgIdGenerator::new(0);
        let now = 1_700_000_000_123u64;
        let a = g.next(now, MsgIdKind::Client);
        assert_eq!(a % 4, 0);
        assert_eq!(a >> 32, 1_700_000_000);
        assert!((msg_id_time_ms(a) - now as i64).abs() <= 1);
        let b = g.next(now, MsgIdKind::Client);
        assert!(b > a && b % 4 == 0);
        let c = g.next(now - 5000, MsgIdKind::Client); // clock went back
        assert!(c > b);
        let r = g.next(now, MsgIdKind::ServerResponse);
        assert!(r > c && r % 4 == 1);
        let s = g.next(now, MsgIdKind::ServerInitiated);
        assert!(s > r && s % 4 == 3);
    }

    #[test]
    fn offset_from_a_server_id() {
        let mut g = MsgIdGenerator::new(0);
        let server = MsgIdGenerator::new(0).clock_id(1_700_000_100_000, MsgIdKind::ServerResponse);
        let off = g.sync_from_server_msg_id(server, 1_700_000_000_000);
        assert!((off - 100_000).abs() <= 1);
        let id = g.next(1_700_000_000_000, MsgIdKind::Client);
        assert_eq!(id >> 32, 1_700_000_100);
    }
}
