//! The session's timers: an enum indexing an array of optional deadlines (ms since epoch).

/// A session timer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Timer {
    /// Send the pending acks (if nothing else carried them).
    Ack = 0,
    /// Send a keep-alive `ping_delay_disconnect`.
    KeepAlive = 1,
    /// The keep-alive pong is overdue: the connection is dead.
    PongDeadline = 2,
    /// Switch to the next future salt, or fetch more.
    Salt = 3,
}

impl Timer {
    /// Every timer.
    pub const ALL: [Timer; 4] = [
        Timer::Ack,
        Timer::KeepAlive,
        Timer::PongDeadline,
        Timer::Salt,
    ];
}

/// Deadlines of the timers.
#[derive(Debug, Clone, Copy, Default)]
pub struct Timers([Option<u64>; 4]);

impl Timers {
    fn slot(&self, t: Timer) -> &Option<u64> {
        let [ack, keep_alive, pong, salt] = &self.0;
        match t {
            Timer::Ack => ack,
            Timer::KeepAlive => keep_alive,
            Timer::PongDeadline => pong,
            Timer::Salt => salt,
        }
    }

    fn slot_mut(&mut self, t: Timer) -> &mut Option<u64> {
        let [ack, keep_alive, pong, salt] = &mut self.0;
        match t {
            Timer::Ack => ack,
            Timer::KeepAlive => keep_alive,
            Timer::PongDeadline => pong,
            Timer::Salt => salt,
        }
    }

    /// Arms `t` at `at` (replacing its deadline).
    pub fn set(&mut self, t: Timer, at: u64) {
        *self.slot_mut(t) = Some(at);
    }

    /// Arms `t` at `at` unless it is armed earlier.
    pub fn set_min(&mut self, t: Timer, at: u64) {
        let slot = self.slot_mut(t);
        *slot = Some(slot.map_or(at, |old| old.min(at)));
    }

    /// Disarms `t`.
    pub fn stop(&mut self, t: Timer) {
        *self.slot_mut(t) = None;
    }

    /// The deadline of `t`.
    pub fn get(&self, t: Timer) -> Option<u64> {
        *self.slot(t)
    }

    /// Whether `t` is due at `now` (and disarms it if so).
    pub fn expire(&mut self, t: Timer, now: u64) -> bool {
        let slot = self.slot_mut(t);
        match *slot {
            Some(at) if at <= now => {
                *slot = None;
                true
            }
            _ => false,
        }
    }

    /// The earliest deadline.
    pub fn next(&self) -> Option<u64> {
        self.0.iter().flatten().min().copied()
    }
}
