//! Fault injection: switches that make the test DC misbehave the way networks and servers
//! do, to drive the client's reliability tests.
//!
//! Set at start with `--fault NAME=VALUE` (repeatable) or at run time with
//! `GET /__faults/NAME/VALUE` (answers the current switches as JSON). Counters are shared by
//! every connection and count down as they fire.
//!
//! | name | effect |
//! |---|---|
//! | `drop_after_frames` N | the next connection to send N more frames is closed after them |
//! | `drop_at_request` N | the Nth encrypted packet received from now closes its connection, unanswered |
//! | `delay_ms` N | every frame the server sends waits N ms (0 turns it off) |
//! | `duplicate` N | the next N encrypted packets are sent twice |
//! | `reorder` N | the next N encrypted packets are each held back and sent after the one that follows |
//! | `corrupt` N | the next N encrypted packets get one bit flipped in their encrypted part |
//! | `bad_salt` 1 | every key's salts are replaced now: the next message gets bad_server_salt |
//! | `clock_offset` S | the server's clock runs S seconds ahead (negative: behind) |
//! | `forget_sessions` 1 | every session is forgotten now: the next message gets new_session_created |
//! | `restart` 1 | every open connection is closed now (state kept) |
//! | `wipe_keys` 1 | every auth key is forgotten and connections closed (clients get -404) |
//! | `drop_encrypted_messages` N | the next N secret-chat messages are swallowed (the sender gets its answer) |
//! | `duplicate_encrypted_messages` N | the next N secret-chat messages are delivered twice (each copy with its own qts) |
//! | `corrupt_encrypted_messages` N | the next N secret-chat messages get one bit flipped in transit |
//! | `refuse_binds` N | the next N auth.bindTempAuthKey get rpc_error 400 TEMP_AUTH_KEY_ALREADY_BOUND |
//! | `status` any | changes nothing: reads the switches and the counters |
//!
//! The JSON answer also carries two DC-wide counters: `refuse_binds` (refusals left) and
//! `auth_keys_made` (handshakes completed since start, permanent and temporary).

use std::sync::Mutex;

/// The switches.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Faults {
    /// See the module table.
    pub drop_after_frames: u32,
    /// See the module table.
    pub drop_at_request: u32,
    /// See the module table.
    pub delay_ms: u32,
    /// See the module table.
    pub duplicate: u32,
    /// See the module table.
    pub reorder: u32,
    /// See the module table.
    pub corrupt: u32,
    /// See the module table.
    pub clock_offset: i64,
}

impl Faults {
    /// The switches as JSON.
    pub fn to_json(&self) -> String {
        format!(
            "{{\"drop_after_frames\":{},\"drop_at_request\":{},\"delay_ms\":{},\"duplicate\":{},\"reorder\":{},\"corrupt\":{},\"clock_offset\":{}}}",
            self.drop_after_frames,
            self.drop_at_request,
            self.delay_ms,
            self.duplicate,
            self.reorder,
            self.corrupt,
            self.clock_offset
        )
    }
}

/// A one-shot action a switch asks of the DC (done by the factory, which owns the state).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Nothing more than setting the switch.
    None,
    /// Replace every salt.
    BadSalt,
    /// Forget every session.
    ForgetSessions,
    /// Close every connection.
    Restart,
    /// Forget every key and close every connection.
    WipeKeys,
    /// Swallow N secret messages.
    DropEncrypted(u32),
    /// Deliver N secret messages twice.
    DuplicateEncrypted(u32),
    /// Flip a bit in N secret messages.
    CorruptEncrypted(u32),
    /// Refuse the next N binds (replaces the count left).
    RefuseBinds(u32),
}

/// Applies `name=value` to `faults`; the action the DC must take, or an error for an
/// unknown name or a bad value.
pub fn apply(faults: &Mutex<Faults>, name: &str, value: &str) -> Result<Action, String> {
    let n = || {
        value
            .parse::<u32>()
            .map_err(|_| format!("{name}: {value:?} is not a count"))
    };
    let mut f = faults.lock().unwrap_or_else(|e| e.into_inner());
    match name {
        "drop_after_frames" => f.drop_after_frames = n()?,
        "drop_at_request" => f.drop_at_request = n()?,
        "delay_ms" => f.delay_ms = n()?.min(60_000),
        "duplicate" => f.duplicate = n()?,
        "reorder" => f.reorder = n()?,
        "corrupt" => f.corrupt = n()?,
        "clock_offset" => {
            f.clock_offset = value
                .parse::<i64>()
                .ok()
                .filter(|s| s.abs() <= 86_400 * 365)
                .ok_or_else(|| format!("clock_offset: {value:?} is not a number of seconds"))?
        }
        "bad_salt" => return Ok(Action::BadSalt),
        "forget_sessions" => return Ok(Action::ForgetSessions),
        "restart" => return Ok(Action::Restart),
        "wipe_keys" => return Ok(Action::WipeKeys),
        "drop_encrypted_messages" => return Ok(Action::DropEncrypted(n()?)),
        "duplicate_encrypted_messages" => return Ok(Action::DuplicateEncrypted(n()?)),
        "corrupt_encrypted_messages" => return Ok(Action::CorruptEncrypted(n()?)),
        "refuse_binds" => return Ok(Action::RefuseBinds(n()?)),
        "status" => {}
        _ => return Err(format!("unknown fault {name:?}")),
    }
    Ok(Action::None)
}

/// Takes one from a counter if it is set.
pub fn take(counter: &mut u32) -> bool {
    if *counter > 0 {
        *counter -= 1;
        true
    } else {
        false
    }
}

/// Flips one bit in the encrypted part of a packet (after auth_key_id and msg_key).
pub fn flip_bit(packet: &mut [u8]) {
    let at = 24 + (packet.len().saturating_sub(24)) / 2;
    if let Some(b) = packet.get_mut(at) {
        *b ^= 0x10;
    }
}
