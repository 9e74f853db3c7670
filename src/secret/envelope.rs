//! One encrypted secret-chat message: MTProto 2.0 with the chat key.
//!
//! ```text
//!   payload   = key_fingerprint (8) ++ msg_key (16) ++ AES-256-IGE(plaintext)
//!   plaintext = length (4, LE) ++ decryptedMessageLayer (length bytes) ++ padding
//!   padding   : 12..1024 random bytes, plaintext length a multiple of 16
//!   msg_key   = SHA256(key[88+x .. 120+x] ++ plaintext)[8..24]
//!   x         = 0 for messages from the chat's creator, 8 from the other side
//! ```
//! Spec: <https://core.telegram.org/api/end-to-end#sending-encrypted-messages>,
//! <https://core.telegram.org/api/end-to-end#receiving-encrypted-messages>.
//!
//! Only MTProto 2.0 is accepted: "Clients must not accept messages encrypted with MTProto 1.0
//! once layer 73 has been negotiated"; this implementation never negotiates below 73, so a
//! message that only decrypts as MTProto 1.0 always fails with
//! [`SecretError::MsgKeyMismatch`].

use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use super::SecretError;
use crate::crypto::{
    AuthKey, RandomSource, Side, aes_ige_decrypt, aes_ige_encrypt, derive_aes_key_iv, msg_key_for,
};

/// Fewest padding bytes.
pub const MIN_PADDING: usize = 12;
/// Most padding bytes.
pub const MAX_PADDING: usize = 1024;
/// fingerprint + msg_key.
const HEADER: usize = 24;

/// Encrypts one serialized decryptedMessageLayer from `side` with `key`.
///
/// The padding length is random in 12..=1024 (a multiple of 16 in total), so lengths of
/// short messages are hidden.
pub fn encrypt(
    key: &AuthKey,
    fingerprint: i64,
    side: Side,
    layer_bytes: &[u8],
    rng: &mut dyn RandomSource,
) -> Result<Vec<u8>, SecretError> {
    let len = u32::try_from(layer_bytes.len()).map_err(|_| SecretError::BadLength)?;
    let body = layer_bytes
        .len()
        .checked_add(4)
        .ok_or(SecretError::BadLength)?;
    // (-(body + 12)) mod 16, exact in wrapping arithmetic: min_pad is 12..=27, pad at most
    // 1024, so the saturating operations below never saturate.
    let align = body.wrapping_add(MIN_PADDING).wrapping_neg() & 15;
    let min_pad = MIN_PADDING.saturating_add(align);
    // Up to (1024 - min_pad) / 16 extra blocks, chosen at random.
    let extra_blocks = (MAX_PADDING.saturating_sub(min_pad) / 16).saturating_add(1);
    let mut r = [0u8; 2];
    rng.fill(&mut r)?;
    let blocks = usize::from(u16::from_le_bytes(r))
        .checked_rem(extra_blocks)
        .unwrap_or(0);
    let pad = min_pad.saturating_add(blocks.saturating_mul(16));

    let mut plain = Zeroizing::new(Vec::with_capacity(body.saturating_add(pad)));
    plain.extend_from_slice(&len.to_le_bytes());
    plain.extend_from_slice(layer_bytes);
    let start = plain.len();
    plain.resize(start.saturating_add(pad), 0);
    rng.fill(plain.get_mut(start..).ok_or(SecretError::BadLength)?)?;

    let msg_key = msg_key_for(key, side, &plain);
    let keys = derive_aes_key_iv(key, &msg_key, side);
    let mut out = Vec::with_capacity(plain.len().saturating_add(HEADER));
    out.extend_from_slice(&fingerprint.to_le_bytes());
    out.extend_from_slice(&msg_key);
    let at = out.len();
    out.extend_from_slice(&plain);
    aes_ige_encrypt(
        out.get_mut(at..).ok_or(SecretError::BadLength)?,
        &keys.key,
        &keys.iv,
    )?;
    Ok(out)
}

/// The longest payload that can hold a decryptedMessageLayer of `layer_len` bytes: header,
/// length field, the layer and the most padding.
pub const fn max_payload_len(layer_len: usize) -> usize {
    layer_len.saturating_add(HEADER + 4 + MAX_PADDING)
}

/// The key_fingerprint at the start of an encrypted payload, after checking the payload's
/// shape (header plus a non-empty multiple of 16 bytes).
pub fn fingerprint_of(payload: &[u8]) -> Result<i64, SecretError> {
    let enc = payload.len().saturating_sub(HEADER);
    if payload.len() <= HEADER || enc % 16 != 0 {
        return Err(SecretError::PacketTooShort(payload.len()));
    }
    let fp: [u8; 8] = payload
        .get(..8)
        .and_then(|s| s.try_into().ok())
        .ok_or(SecretError::PacketTooShort(payload.len()))?;
    Ok(i64::from_le_bytes(fp))
}

/// Decrypts a payload sent by `sender` with `key`, and returns the serialized
/// decryptedMessageLayer. Every check runs, in the spec's order; the caller has already
/// picked `key` by the payload's fingerprint.
pub fn decrypt(
    key: &AuthKey,
    sender: Side,
    payload: &[u8],
) -> Result<Zeroizing<Vec<u8>>, SecretError> {
    let too_short = SecretError::PacketTooShort(payload.len());
    let enc = payload.get(HEADER..).ok_or(too_short.clone())?;
    if enc.is_empty() || enc.len() % 16 != 0 {
        return Err(too_short);
    }
    let msg_key: [u8; 16] = payload
        .get(8..HEADER)
        .and_then(|s| s.try_into().ok())
        .ok_or(too_short)?;
    let keys = derive_aes_key_iv(key, &msg_key, sender);
    let mut plain = Zeroizing::new(enc.to_vec());
    aes_ige_decrypt(&mut plain, &keys.key, &keys.iv)?;

    // "Clients are required to check that msg_key is equal to the SHA256 of the decrypted
    // plaintext" (the middle 128 bits, with x of the sender), in constant time and before
    // looking at any decrypted field.
    let expect = msg_key_for(key, sender, &plain);
    if !bool::from(expect.ct_eq(&msg_key)) {
        return Err(SecretError::MsgKeyMismatch);
    }

    // "the length of the message must be a multiple of 4 ... the padding must be 12 to
    // 1024 bytes".
    let len_bytes: [u8; 4] = plain
        .get(..4)
        .and_then(|s| s.try_into().ok())
        .ok_or(SecretError::BadLength)?;
    let len = usize::try_from(u32::from_le_bytes(len_bytes)).map_err(|_| SecretError::BadLength)?;
    let pad = plain
        .len()
        .checked_sub(4)
        .and_then(|n| n.checked_sub(len))
        .ok_or(SecretError::BadLength)?;
    if len % 4 != 0 || !(MIN_PADDING..=MAX_PADDING).contains(&pad) {
        return Err(SecretError::BadLength);
    }
    let body = plain
        .get(4..)
        .and_then(|b| b.get(..len))
        .ok_or(SecretError::BadLength)?;
    Ok(Zeroizing::new(body.to_vec()))
}
