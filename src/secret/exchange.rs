//! The first key exchange of a secret chat (Diffie-Hellman through the server).
//!
//! ```text
//!   A: messages.getDhConfig -> p, g, random     (p and g checked: DhParams::verify)
//!   A: a = local random XOR server random;  g_a = pow(g, a) mod p
//!   A: messages.requestEncryption(user, random_id, g_a)        -> encryptedChatWaiting
//!   B: updateEncryption(encryptedChatRequested with g_a)
//!   B: b likewise; g_b = pow(g, b) mod p; key = pow(g_a, b) mod p
//!   B: messages.acceptEncryption(peer, g_b, key_fingerprint)    -> encryptedChat
//!   A: updateEncryption(encryptedChat with g_b, key_fingerprint): key = pow(g_b, a) mod p,
//!      and the fingerprint must match.
//! ```
//! Spec: <https://core.telegram.org/api/end-to-end#key-generation>.

use zeroize::Zeroizing;

use super::SecretError;
use super::chat::{ChatInfo, SecretChat};
use super::keys::key_fingerprint;
use crate::crypto::{DhParams, RandomSource};

/// Attempts at drawing an exponent whose public value passes the range check.
const EXPONENT_ATTEMPTS: usize = 8;

/// A secret exponent and its public value.
pub struct DhHalf {
    exponent: Zeroizing<Vec<u8>>,
    public: Vec<u8>,
}

// The exponent is a `Zeroizing` buffer, wiped when the half is dropped; the public value
// is no secret.
impl zeroize::ZeroizeOnDrop for DhHalf {}

impl core::fmt::Debug for DhHalf {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("DhHalf { .. }")
    }
}

impl DhHalf {
    /// Draws a 2048-bit exponent: "the client must mix the server's random with its own
    /// random bytes" (XOR), then computes g^x mod p and checks it is in range, drawing again
    /// if it is not (the peer checks it too).
    pub fn generate(
        dh: &DhParams,
        server_random: &[u8],
        rng: &mut dyn RandomSource,
    ) -> Result<Self, SecretError> {
        for _ in 0..EXPONENT_ATTEMPTS {
            let mut exponent = Zeroizing::new(vec![0u8; 256]);
            rng.fill(&mut exponent)?;
            for (x, r) in exponent.iter_mut().zip(server_random) {
                *x ^= r;
            }
            let public = dh.public_value(&exponent);
            if dh.check_public(&public).is_ok() {
                return Ok(Self { exponent, public });
            }
        }
        Err(SecretError::Crypto(
            crate::crypto::CryptoError::DhValueOutOfRange,
        ))
    }

    /// A half from a known exponent (snapshots).
    pub(crate) fn from_exponent(dh: &DhParams, exponent: &[u8]) -> Self {
        Self {
            exponent: Zeroizing::new(exponent.to_vec()),
            public: dh.public_value(exponent),
        }
    }

    /// The public value g^x mod p (256 bytes).
    pub fn public(&self) -> &[u8] {
        &self.public
    }

    /// The secret exponent (for snapshots).
    pub(crate) fn exponent(&self) -> &[u8] {
        &self.exponent
    }

    /// The shared key pow(other, x) mod p, after checking `other` is in range.
    pub fn shared_key(
        &self,
        dh: &DhParams,
        other: &[u8],
    ) -> Result<crate::crypto::AuthKey, SecretError> {
        // "g_a and g_b ... must be between 2^{2048-64} and dh_prime - 2^{2048-64}".
        Ok(dh.shared_key(other, &self.exponent)?)
    }
}

/// Our request to a user, waiting for them to accept.
#[derive(Debug)]
pub struct OutgoingRequest {
    half: DhHalf,
}

impl OutgoingRequest {
    /// Starts a request: the g_a to send with messages.requestEncryption is [`Self::g_a`].
    pub fn new(
        dh: &DhParams,
        server_random: &[u8],
        rng: &mut dyn RandomSource,
    ) -> Result<Self, SecretError> {
        Ok(Self {
            half: DhHalf::generate(dh, server_random, rng)?,
        })
    }

    /// g_a for messages.requestEncryption.
    pub fn g_a(&self) -> &[u8] {
        self.half.public()
    }

    /// The exponent, for snapshots of a waiting chat.
    pub fn exponent(&self) -> &[u8] {
        self.half.exponent()
    }

    /// A waiting request restored from its exponent.
    pub fn from_exponent(dh: &DhParams, exponent: &[u8]) -> Self {
        Self {
            half: DhHalf::from_exponent(dh, exponent),
        }
    }

    /// The peer accepted: `g_b` and `key_fingerprint` come from encryptedChat.
    ///
    /// "The client must check that the key fingerprint matches"; a mismatch is
    /// [`SecretError::KeyFingerprintMismatch`] and the chat must be discarded.
    pub fn complete(
        self,
        dh: &DhParams,
        info: ChatInfo,
        g_b: &[u8],
        fingerprint: i64,
        now: i64,
    ) -> Result<SecretChat, SecretError> {
        let key = self.half.shared_key(dh, g_b)?;
        if key_fingerprint(&key) != fingerprint {
            return Err(SecretError::KeyFingerprintMismatch);
        }
        Ok(SecretChat::new(info, key, now))
    }
}

/// Accepts a request (encryptedChatRequested with `g_a`): returns the ready chat, and the
/// g_b and key_fingerprint to send with messages.acceptEncryption.
pub fn accept_request(
    dh: &DhParams,
    info: ChatInfo,
    g_a: &[u8],
    server_random: &[u8],
    rng: &mut dyn RandomSource,
    now: i64,
) -> Result<(SecretChat, Vec<u8>, i64), SecretError> {
    dh.check_public(g_a)?;
    let half = DhHalf::generate(dh, server_random, rng)?;
    let key = half.shared_key(dh, g_a)?;
    let fp = key_fingerprint(&key);
    Ok((SecretChat::new(info, key, now), half.public().to_vec(), fp))
}
