//! Receive checks on server msg_ids: parity, the time window and a bounded set of recent ids.
//!
//! Spec: <https://core.telegram.org/mtproto/security_guidelines> (checking msg_id) and
//! <https://core.telegram.org/mtproto/description#message-identifier-msg-id>: a server
//! msg_id is odd; once the time is synchronized, an id more than 30 s ahead of or 300 s
//! behind the server time is ignored; ids already received are duplicates. The set of
//! recent ids is bounded: when full, the smallest id is forgotten and every id at or below
//! it is refused from then on (it cannot be told apart from a replay).

use std::collections::BTreeSet;

use super::error::SessionError;
use super::msg_id::msg_id_time_ms;

/// How far ahead of the server time a msg_id may be: 30 s.
pub const MAX_AHEAD_MS: i64 = 30_000;
/// How far behind the server time a msg_id may be: 300 s.
pub const MAX_BEHIND_MS: i64 = 300_000;
/// Default number of recent ids kept.
pub const DEFAULT_RECENT_IDS: usize = 4096;

/// The answer to "what do you know of this msg_id" (`msgs_state_info`), low bits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdState {
    /// 1: nothing is known (the id is below what we remember).
    Unknown,
    /// 2: not received (within the remembered range).
    NotReceived,
    /// 3: not received, the id is too high (ahead of the window).
    TooHigh,
    /// 4: received.
    Received,
}

/// Remembers recent server msg_ids and checks new ones.
#[derive(Debug, Clone)]
pub struct RecentIds {
    ids: BTreeSet<i64>,
    capacity: usize,
    /// Every id at or below this one is refused (forgotten or below the first one seen).
    floor: i64,
}

impl RecentIds {
    /// A set remembering up to `capacity` ids (at least 16).
    pub fn new(capacity: usize) -> Self {
        Self {
            ids: BTreeSet::new(),
            capacity: capacity.max(16),
            floor: 0,
        }
    }

    /// Checks `msg_id` (odd, within the window when `server_now_ms` is known, not seen)
    /// without recording it.
    pub fn check(&self, msg_id: i64, server_now_ms: Option<i64>) -> Result<(), SessionError> {
        if msg_id & 1 == 0 {
            return Err(SessionError::EvenServerMsgId { msg_id });
        }
        if let Some(now) = server_now_ms {
            let t = msg_id_time_ms(msg_id);
            if t > now.saturating_add(MAX_AHEAD_MS) || t < now.saturating_sub(MAX_BEHIND_MS) {
                return Err(SessionError::MsgIdOutOfWindow { msg_id });
            }
        }
        if msg_id <= self.floor || self.ids.contains(&msg_id) {
            return Err(SessionError::DuplicateMsgId { msg_id });
        }
        Ok(())
    }

    /// Records an accepted id.
    pub fn record(&mut self, msg_id: i64) {
        self.ids.insert(msg_id);
        while self.ids.len() > self.capacity {
            if let Some(oldest) = self.ids.pop_first() {
                self.floor = self.floor.max(oldest);
            }
        }
    }

    /// Checks and records.
    pub fn accept(&mut self, msg_id: i64, server_now_ms: Option<i64>) -> Result<(), SessionError> {
        self.check(msg_id, server_now_ms)?;
        self.record(msg_id);
        Ok(())
    }

    /// Whether `msg_id` was received (and is still remembered).
    pub fn contains(&self, msg_id: i64) -> bool {
        self.ids.contains(&msg_id)
    }

    /// What we know of `msg_id` for `msgs_state_info`.
    pub fn state_of(&self, msg_id: i64, server_now_ms: i64) -> IdState {
        if self.ids.contains(&msg_id) {
            IdState::Received
        } else if msg_id <= self.floor {
            IdState::Unknown
        } else if msg_id_time_ms(msg_id) > server_now_ms.saturating_add(MAX_AHEAD_MS) {
            IdState::TooHigh
        } else {
            IdState::NotReceived
        }
    }

    /// Forgets everything (a new session).
    pub fn clear(&mut self) {
        self.ids.clear();
        self.floor = 0;
    }

    /// How many ids are remembered.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// Whether no id is remembered.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_700_000_000_000;

    fn id_at(ms: i64) -> i64 {
        (((ms / 1000) << 32) | (((ms % 1000) << 32) / 1000)) & !3 | 1
    }

    #[test]
    fn parity_window_duplicates() {
        let mut r = RecentIds::new(16);
        let id = id_at(NOW);
        assert!(r.accept(id, Some(NOW)).is_ok());
        assert_eq!(
            r.accept(id, Some(NOW)),
            Err(SessionError::DuplicateMsgId { msg_id: id })
        );
        assert!(matches!(
            r.check(id + 1, Some(NOW)),
            Err(SessionError::EvenServerMsgId { .. })
        ));
        assert!(matches!(
            r.check(id_at(NOW + 31_000), Some(NOW)),
            Err(SessionError::MsgIdOutOfWindow { .. })
        ));
        assert!(matches!(
            r.check(id_at(NOW - 301_000), Some(NOW)),
            Err(SessionError::MsgIdOutOfWindow { .. })
        ));
        assert!(r.check(id_at(NOW - 301_000), None).is_ok());
        assert!(r.check(id_at(NOW + 29_000), Some(NOW)).is_ok());
    }

    #[test]
    fn bounded_with_a_floor() {
        let mut r = RecentIds::new(16);
        for i in 0..40 {
            r.accept(id_at(NOW + i * 10), None).unwrap();
        }
        assert_eq!(r.len(), 16);
        assert!(matches!(
            r.check(id_at(NOW), None),
            Err(SessionError::DuplicateMsgId { .. })
        ));
        assert_eq!(r.state_of(id_at(NOW), NOW), IdState::Unknown);
        assert_eq!(r.state_of(id_at(NOW + 390), NOW), IdState::Received);
        assert_eq!(r.state_of(id_at(NOW + 1000), NOW), IdState::NotReceived);
        assert_eq!(r.state_of(id_at(NOW + 60_000), NOW), IdState::TooHigh);
    }
}
