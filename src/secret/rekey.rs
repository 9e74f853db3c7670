//! Perfect forward secrecy: the chat key is replaced after 100 messages or a week.
//!
//! ```text
//!   A: RequestKey(exchange_id, g_a)                      (old key)
//!   B: AcceptKey(exchange_id, g_b, fingerprint(new))     (old key)  B keeps the new key aside
//!   A: checks the fingerprint; CommitKey(exchange_id, fingerprint) (old key), then uses new
//!   B: on CommitKey (in order) switches to the new key and sends Noop (new key)
//!   AbortKey(exchange_id) cancels; both sides requesting at once: the larger exchange_id
//!   (as a signed int64) wins, equal ids abort both.
//! ```
//! The previous key stays until every message sent with it has been processed.
//! Spec: <https://core.telegram.org/api/end-to-end/pfs>.

use super::SecretError;
use super::chat::{ChatOutput, SecretChat, random_i64};
use super::exchange::DhHalf;
use super::keys::key_fingerprint;
use crate::crypto::{AuthKey, DhParams, RandomSource};
use crate::tl::secret::{enums, types};

/// Rotate after this many messages under one key (sent and received).
pub const REKEY_AFTER_MESSAGES: u32 = 100;
/// Rotate after a key has been in use this long, in seconds (one week).
pub const REKEY_AFTER_SECONDS: i64 = 7 * 24 * 3600;

/// Where a key rotation stands.
#[derive(Debug, Default)]
pub enum Rekey {
    /// No rotation under way.
    #[default]
    Idle,
    /// We sent RequestKey and wait for AcceptKey.
    Requested {
        /// Our exchange_id.
        exchange_id: i64,
        /// Our exponent and g_a.
        half: DhHalf,
    },
    /// We sent AcceptKey and wait for CommitKey; the new key decrypts early messages.
    Accepted {
        /// The peer's exchange_id.
        exchange_id: i64,
        /// The new key.
        key: Box<AuthKey>,
    },
}

impl Rekey {
    /// The key computed by an accepted, not yet committed rotation.
    pub fn pending_key(&self) -> Option<&AuthKey> {
        match self {
            Rekey::Accepted { key, .. } => Some(&**key),
            _ => None,
        }
    }
}

impl SecretChat {
    /// Whether a rotation is under way.
    pub fn rekey_in_progress(&self) -> bool {
        !matches!(self.rekey, Rekey::Idle)
    }

    /// Starts a rotation now (also done by itself when due).
    pub fn start_rekey(
        &mut self,
        dh: &DhParams,
        rng: &mut dyn RandomSource,
        out: &mut Vec<ChatOutput>,
    ) -> Result<(), SecretError> {
        if self.rekey_in_progress() || self.closed {
            return Ok(());
        }
        let half = DhHalf::generate(dh, &[], rng)?;
        let exchange_id = random_i64(rng)?;
        let g_a = half.public().to_vec();
        self.rekey = Rekey::Requested { exchange_id, half };
        self.send_action(
            types::DecryptedMessageActionRequestKey { exchange_id, g_a }.into(),
            rng,
            out,
        )
    }

    pub(crate) fn maybe_start_rekey(
        &mut self,
        dh: &DhParams,
        rng: &mut dyn RandomSource,
        now: i64,
        out: &mut Vec<ChatOutput>,
    ) -> Result<(), SecretError> {
        let due = self.key_uses >= REKEY_AFTER_MESSAGES
            || now.saturating_sub(self.key_since) >= REKEY_AFTER_SECONDS;
        // Only with no older key still in use, so at most two keys are alive.
        if due && self.old_key.is_none() {
            self.start_rekey(dh, rng, out)?;
        }
        Ok(())
    }

    pub(crate) fn on_rekey_action(
        &mut self,
        action: &enums::DecryptedMessageAction,
        dh: &DhParams,
        rng: &mut dyn RandomSource,
        now: i64,
        out: &mut Vec<ChatOutput>,
    ) -> Result<(), SecretError> {
        use enums::DecryptedMessageAction as A;
        match action {
            A::DecryptedMessageActionRequestKey(r) => {
                self.on_request(r.exchange_id, &r.g_a, dh, rng, out)
            }
            A::DecryptedMessageActionAcceptKey(a) => {
                self.on_accept(a.exchange_id, &a.g_b, a.key_fingerprint, dh, rng, now, out)
            }
            A::DecryptedMessageActionCommitKey(c) => {
                self.on_commit(c.exchange_id, c.key_fingerprint, rng, now, out)
            }
            A::DecryptedMessageActionAbortKey(a) => {
                let ours = match &self.rekey {
                    Rekey::Requested { exchange_id, .. } | Rekey::Accepted { exchange_id, .. } => {
                        *exchange_id == a.exchange_id
                    }
                    Rekey::Idle => false,
                };
                if ours {
                    self.rekey = Rekey::Idle;
                }
                Ok(())
            }
            _ => Ok(()), // Noop: only closes holes.
        }
    }

    fn on_request(
        &mut self,
        exchange_id: i64,
        g_a: &[u8],
        dh: &DhParams,
        rng: &mut dyn RandomSource,
        out: &mut Vec<ChatOutput>,
    ) -> Result<(), SecretError> {
        match &self.rekey {
            Rekey::Requested {
                exchange_id: mine, ..
            } => {
                // "If both clients request a key at once, the one with the larger exchange_id
                // (compared as signed int64) wins; with equal ids both are aborted."
                if *mine > exchange_id {
                    return Ok(());
                }
                if *mine == exchange_id {
                    self.rekey = Rekey::Idle;
                    return self.abort_key(exchange_id, rng, out);
                }
            }
            Rekey::Accepted { .. } => {
                return self.abort_key(exchange_id, rng, out);
            }
            Rekey::Idle => {}
        }
        // A g_a out of range is refused with AbortKey, not by ending the chat.
        let half = DhHalf::generate(dh, &[], rng)?;
        let key = match half.shared_key(dh, g_a) {
            Ok(k) => k,
            Err(_) => {
                self.rekey = Rekey::Idle;
                return self.abort_key(exchange_id, rng, out);
            }
        };
        let key_fingerprint = key_fingerprint(&key);
        let g_b = half.public().to_vec();
        self.rekey = Rekey::Accepted {
            exchange_id,
            key: Box::new(key),
        };
        let accept = types::DecryptedMessageActionAcceptKey {
            exchange_id,
            g_b,
            key_fingerprint,
        };
        self.send_action(accept.into(), rng, out)
    }

    #[allow(clippy::too_many_arguments)]
    fn on_accept(
        &mut self,
        exchange_id: i64,
        g_b: &[u8],
        fingerprint: i64,
        dh: &DhParams,
        rng: &mut dyn RandomSource,
        now: i64,
        out: &mut Vec<ChatOutput>,
    ) -> Result<(), SecretError> {
        let Rekey::Requested {
            exchange_id: mine,
            half,
        } = &self.rekey
        else {
            return Ok(());
        };
        if *mine != exchange_id {
            return Ok(());
        }
        let key = half.shared_key(dh, g_b);
        self.rekey = Rekey::Idle;
        // "If the fingerprint does not match, abort the exchange" (AbortKey).
        let key = match key {
            Ok(k) if key_fingerprint(&k) == fingerprint => k,
            _ => {
                return self.abort_key(exchange_id, rng, out);
            }
        };
        // CommitKey goes out under the old key; everything after it under the new one.
        let commit = types::DecryptedMessageActionCommitKey {
            exchange_id,
            key_fingerprint: fingerprint,
        };
        self.send_action(commit.into(), rng, out)?;
        self.switch_key(key, now, out);
        Ok(())
    }

    fn on_commit(
        &mut self,
        exchange_id: i64,
        fingerprint: i64,
        rng: &mut dyn RandomSource,
        now: i64,
        out: &mut Vec<ChatOutput>,
    ) -> Result<(), SecretError> {
        // Only the side that accepted receives CommitKey, and only for the exchange it
        // accepted: any other CommitKey (another exchange_id, or while we wait for our own
        // request's AcceptKey) concerns no exchange of ours and is ignored; it neither
        // cancels ours nor gets an AbortKey with its exchange_id.
        let fingerprint_ok = match &self.rekey {
            Rekey::Accepted {
                exchange_id: id,
                key,
            } if *id == exchange_id => key_fingerprint(key) == fingerprint,
            _ => return Ok(()),
        };
        if !fingerprint_ok {
            // Our exchange, but the keys differ: abort it (exchange_id is ours here).
            self.rekey = Rekey::Idle;
            return self.abort_key(exchange_id, rng, out);
        }
        if let Rekey::Accepted { key, .. } = std::mem::take(&mut self.rekey) {
            self.switch_key(*key, now, out);
        }
        // "Noop ... sent with the new key" tells the initiator the switch happened.
        self.send_action(types::DecryptedMessageActionNoop {}.into(), rng, out)
    }

    /// Sends decryptedMessageActionAbortKey for `exchange_id`.
    fn abort_key(
        &mut self,
        exchange_id: i64,
        rng: &mut dyn RandomSource,
        out: &mut Vec<ChatOutput>,
    ) -> Result<(), SecretError> {
        self.send_action(
            types::DecryptedMessageActionAbortKey { exchange_id }.into(),
            rng,
            out,
        )
    }

    fn switch_key(&mut self, key: AuthKey, now: i64, out: &mut Vec<ChatOutput>) {
        let old = std::mem::replace(&mut self.key, key);
        self.old_key = Some(old);
        self.fingerprint = key_fingerprint(&self.key);
        self.key_uses = 0;
        self.key_since = now;
        out.push(ChatOutput::KeyChanged {
            fingerprint: self.fingerprint,
        });
    }
}
