//! MTProto 2.0 packet encryption and decryption with every receive check.
//!
//! Spec: <https://core.telegram.org/mtproto/description>,
//! <https://core.telegram.org/mtproto/security_guidelines>.
//!
//! ```text
//! packet    = auth_key_id (8) | msg_key (16) | AES-256-IGE(plaintext)
//! plaintext = salt (8) | session_id (8) | msg_id (8) | seq_no (4) | length (4)
//!           | body (length) | padding (12..=1024, total % 16 == 0)
//! msg_key   = SHA256(auth_key[88+x .. 120+x] | plaintext)[8..24]   (x = 0 client, 8 server)
//! ```
//!
//! [`decrypt_message`] takes the exact packet: trailing bytes make the encrypted part
//! unaligned, which is an error (the spec's `length % 16` check). A transport that can leave
//! padding after the packet (padded intermediate) must trim it first; [`super::Session`]
//! does that when [`super::SessionConfig::trim_transport_padding`] is set.
//!
//! The receive order of the security guidelines: auth_key_id, length % 16, decrypt, then
//! msg_key is recomputed and compared in constant time **always**, even when an earlier
//! check failed (the error reported is the first one found; the work done is the same), and
//! only then the length field and the padding. Session-level checks (session_id, msg_id)
//! live in [`super::incoming`].

use subtle::ConstantTimeEq;
use zeroize::Zeroize;

use super::error::SessionError;
use crate::crypto::{
    AuthKey, RandomSource, Side, aes_ige_decrypt, aes_ige_encrypt, derive_aes_key_iv, msg_key_for,
};

/// Bytes before the encrypted part: auth_key_id and msg_key.
pub const PACKET_HEADER_LEN: usize = 24;
/// Bytes of the plaintext header: salt, session_id, msg_id, seq_no, length.
pub const PLAINTEXT_HEADER_LEN: usize = 32;
/// The smallest padding allowed.
pub const MIN_PADDING: usize = 12;
/// The largest padding allowed.
pub const MAX_PADDING: usize = 1024;

/// The plaintext header of one encrypted message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MessageHeader {
    /// Server salt.
    pub salt: u64,
    /// Session id.
    pub session_id: u64,
    /// Message id.
    pub msg_id: i64,
    /// Sequence number.
    pub seq_no: i32,
}

/// A decrypted, checked message (length and padding checked; session checks not yet).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecryptedMessage {
    /// The header.
    pub header: MessageHeader,
    /// The message body (`length` bytes).
    pub body: Vec<u8>,
}

/// Builds the plaintext (without padding) for `header` and `body`.
pub fn plaintext(header: &MessageHeader, body: &[u8]) -> Result<Vec<u8>, SessionError> {
    plaintext_after(0, header, body)
}

/// The plaintext after `prefix` zero bytes (room for the packet header).
fn plaintext_after(
    prefix: usize,
    header: &MessageHeader,
    body: &[u8],
) -> Result<Vec<u8>, SessionError> {
    let len =
        i32::try_from(body.len()).map_err(|_| SessionError::MessageTooLarge { len: body.len() })?;
    if body.len() % 4 != 0 {
        return Err(SessionError::InvalidArgument(
            "message body length must be a multiple of 4",
        ));
    }
    // Room for the largest padding too: the buffer never grows, so no reallocation leaves
    // a copy of the plaintext behind.
    let mut out = Vec::with_capacity(
        prefix
            .saturating_add(PLAINTEXT_HEADER_LEN)
            .saturating_add(body.len())
            .saturating_add(PAD_ROOM),
    );
    out.resize(prefix, 0);
    out.extend_from_slice(&header.salt.to_le_bytes());
    out.extend_from_slice(&header.session_id.to_le_bytes());
    out.extend_from_slice(&header.msg_id.to_le_bytes());
    out.extend_from_slice(&header.seq_no.to_le_bytes());
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(body);
    Ok(out)
}

/// Encrypts one message: builds the plaintext and calls [`encrypt_plaintext`].
pub fn encrypt_message(
    auth_key: &AuthKey,
    side: Side,
    header: &MessageHeader,
    body: &[u8],
    max_padding: usize,
    rng: &mut dyn RandomSource,
) -> Result<Vec<u8>, SessionError> {
    encrypt_message_with_id(
        auth_key,
        auth_key.id(),
        side,
        header,
        body,
        max_padding,
        rng,
    )
}

/// [`encrypt_message`] with the auth_key_id precomputed (saves a SHA-1 per packet).
pub fn encrypt_message_with_id(
    auth_key: &AuthKey,
    auth_key_id: u64,
    side: Side,
    header: &MessageHeader,
    body: &[u8],
    max_padding: usize,
    rng: &mut dyn RandomSource,
) -> Result<Vec<u8>, SessionError> {
    let buf = plaintext_after(PACKET_HEADER_LEN, header, body)?;
    seal(auth_key, auth_key_id, side, buf, max_padding, rng)
}

/// Encrypts `plaintext` (header and body, without padding; its length must be a multiple
/// of 4 and at least 32): appends random padding of 12..=`max_padding` bytes (clamped to
/// 12..=1024, chosen at random in whole blocks, so the total is a multiple of 16), computes
/// msg_key with `side` and returns `auth_key_id | msg_key | ciphertext`.
pub fn encrypt_plaintext(
    auth_key: &AuthKey,
    side: Side,
    plaintext: Vec<u8>,
    max_padding: usize,
    rng: &mut dyn RandomSource,
) -> Result<Vec<u8>, SessionError> {
    encrypt_plaintext_with_id(auth_key, auth_key.id(), side, plaintext, max_padding, rng)
}

/// [`encrypt_plaintext`] with the auth_key_id precomputed.
pub fn encrypt_plaintext_with_id(
    auth_key: &AuthKey,
    auth_key_id: u64,
    side: Side,
    plaintext: Vec<u8>,
    max_padding: usize,
    rng: &mut dyn RandomSource,
) -> Result<Vec<u8>, SessionError> {
    if plaintext.len() < PLAINTEXT_HEADER_LEN || plaintext.len() % 4 != 0 {
        return Err(SessionError::InvalidArgument(
            "plaintext must be at least 32 bytes and a multiple of 4",
        ));
    }
    let mut plaintext = zeroize::Zeroizing::new(plaintext);
    let mut buf = Vec::with_capacity(
        PACKET_HEADER_LEN
            .saturating_add(plaintext.len())
            .saturating_add(PAD_ROOM),
    );
    buf.resize(PACKET_HEADER_LEN, 0);
    buf.extend_from_slice(&plaintext);
    plaintext.clear();
    seal(auth_key, auth_key_id, side, buf, max_padding, rng)
}

/// What [`seal`] may append: the largest padding and the two bytes of its pick.
const PAD_ROOM: usize = MAX_PADDING + 16 + 2;

/// Pads and encrypts `buf` = 24 reserved bytes | plaintext, in place, and fills the header.
fn seal(
    auth_key: &AuthKey,
    auth_key_id: u64,
    side: Side,
    mut plaintext: Vec<u8>,
    max_padding: usize,
    rng: &mut dyn RandomSource,
) -> Result<Vec<u8>, SessionError> {
    let pt_len = plaintext.len().saturating_sub(PACKET_HEADER_LEN);
    let max_padding = max_padding.clamp(MIN_PADDING, MAX_PADDING);
    // Smallest padding >= 12 that aligns the total, then whole extra blocks at random.
    // The alignment is (-(pt_len + 12)) mod 16, exact in wrapping arithmetic. The lengths
    // here are bounded (a body is at most i32::MAX bytes, padding at most 1024 + 16 + 2):
    // the saturating sums below never saturate.
    let align = pt_len.wrapping_add(MIN_PADDING).wrapping_neg() & 15;
    let min_pad = MIN_PADDING.saturating_add(align);
    let extra_blocks = max_padding.saturating_sub(min_pad) / 16;
    // One call to the random source for the minimal padding (and the pick, when there is
    // a choice), a second only when extra blocks were picked.
    let start = plaintext.len();
    let first = min_pad.saturating_add(if extra_blocks > 0 { 2 } else { 0 });
    plaintext.resize(start.saturating_add(first), 0);
    if let Some(tail) = plaintext.get_mut(start..) {
        rng.fill(tail).map_err(SessionError::Random)?;
    }
    if extra_blocks > 0 {
        let pick_at = start.saturating_add(min_pad);
        let pick = plaintext
            .get(pick_at..)
            .and_then(|b| b.try_into().ok())
            .map(u16::from_le_bytes)
            .unwrap_or(0);
        plaintext.truncate(pick_at);
        let blocks = usize::from(pick)
            .checked_rem(extra_blocks.saturating_add(1))
            .unwrap_or(0);
        if blocks > 0 {
            let from = plaintext.len();
            plaintext.resize(from.saturating_add(blocks.saturating_mul(16)), 0);
            if let Some(tail) = plaintext.get_mut(from..) {
                rng.fill(tail).map_err(SessionError::Random)?;
            }
        }
    }
    let split = PACKET_HEADER_LEN.min(plaintext.len());
    let (head, data) = plaintext.split_at_mut(split);
    let msg_key = msg_key_for(auth_key, side, data);
    let keys = derive_aes_key_iv(auth_key, &msg_key, side);
    aes_ige_encrypt(data, &keys.key, &keys.iv).map_err(SessionError::Random)?;
    let mut header = [0u8; PACKET_HEADER_LEN];
    header[..8].copy_from_slice(&auth_key_id.to_le_bytes());
    header[8..].copy_from_slice(&msg_key);
    if head.len() == PACKET_HEADER_LEN {
        head.copy_from_slice(&header);
    }
    Ok(plaintext)
}

/// Decrypts and checks a packet encrypted by `side` (a client decrypts with
/// [`Side::Server`]), returning the plaintext with its padding (still to be checked).
///
/// Use [`decrypt_message`] unless you need the raw plaintext.
fn decrypt_raw(
    auth_key: &AuthKey,
    auth_key_id: u64,
    side: Side,
    packet: &[u8],
) -> Result<Vec<u8>, SessionError> {
    let (Some(id), Some(msg_key), Some(encrypted)) = (
        packet.get(..8),
        packet.get(8..24),
        packet.get(PACKET_HEADER_LEN..),
    ) else {
        return Err(SessionError::PacketTooShort { len: packet.len() });
    };
    if encrypted.len() < 16 {
        return Err(SessionError::PacketTooShort { len: packet.len() });
    }
    let mut first_error = None;
    let got_id = u64::from_le_bytes(id.try_into().unwrap_or([0; 8]));
    if got_id != auth_key_id {
        first_error = Some(SessionError::WrongAuthKeyId { got: got_id });
    }
    let aligned = encrypted.len() & !15;
    if aligned != encrypted.len() && first_error.is_none() {
        first_error = Some(SessionError::CiphertextNotBlockAligned {
            len: encrypted.len(),
        });
    }
    let msg_key: [u8; 16] = msg_key.try_into().unwrap_or([0; 16]);
    let mut data = encrypted.get(..aligned).unwrap_or_default().to_vec();
    let keys = derive_aes_key_iv(auth_key, &msg_key, side);
    // Cannot fail: aligned is a multiple of 16 and the keys have their sizes.
    let _ = aes_ige_decrypt(&mut data, &keys.key, &keys.iv);
    let mut computed = msg_key_for(auth_key, side, &data);
    let same: bool = computed.ct_eq(&msg_key).into();
    computed.zeroize();
    if let Some(e) = first_error {
        data.zeroize();
        return Err(e);
    }
    if !same {
        data.zeroize();
        return Err(SessionError::MsgKeyMismatch);
    }
    Ok(data)
}

/// Decrypts `packet` (exactly one encrypted message, as framed) sent by `side`, with every
/// envelope check: auth_key_id, length % 16, msg_key (constant time, always computed), the
/// length field (non-negative, % 4 == 0, within the data) and padding 12..=1024.
///
/// `side` is the sender: a client decrypts server packets with [`Side::Server`].
pub fn decrypt_message(
    auth_key: &AuthKey,
    side: Side,
    packet: &[u8],
) -> Result<DecryptedMessage, SessionError> {
    decrypt_message_with_id(auth_key, auth_key.id(), side, packet)
}

/// [`decrypt_message`] with the auth_key_id precomputed (saves a SHA-1 per packet).
pub fn decrypt_message_with_id(
    auth_key: &AuthKey,
    auth_key_id: u64,
    side: Side,
    packet: &[u8],
) -> Result<DecryptedMessage, SessionError> {
    let mut data = decrypt_raw(auth_key, auth_key_id, side, packet)?;
    match check_plaintext(&data) {
        Ok((header, body_len)) => {
            // The body moves to the front of the buffer: no second allocation.
            data.truncate(PLAINTEXT_HEADER_LEN.saturating_add(body_len)); // <= data.len(), checked
            data.drain(..PLAINTEXT_HEADER_LEN);
            Ok(DecryptedMessage { header, body: data })
        }
        Err(e) => {
            data.zeroize();
            Err(e)
        }
    }
}

fn le_u64(data: &[u8], at: usize) -> u64 {
    data.get(at..)
        .and_then(|b| b.first_chunk::<8>())
        .map(|b| u64::from_le_bytes(*b))
        .unwrap_or(0)
}

fn le_i32(data: &[u8], at: usize) -> i32 {
    data.get(at..)
        .and_then(|b| b.first_chunk::<4>())
        .map(|b| i32::from_le_bytes(*b))
        .unwrap_or(0)
}

/// Checks the length field and the padding; returns the header and the body length.
fn check_plaintext(data: &[u8]) -> Result<(MessageHeader, usize), SessionError> {
    let length = le_i32(data, 28);
    let body_len = usize::try_from(length)
        .ok()
        .filter(|n| n % 4 == 0)
        .filter(|n| {
            PLAINTEXT_HEADER_LEN
                .checked_add(*n)
                .is_some_and(|end| end <= data.len())
        })
        .ok_or(SessionError::BadLengthField { length })?;
    // Cannot saturate: 32 + body_len <= data.len() was checked just above.
    let padding = data
        .len()
        .saturating_sub(PLAINTEXT_HEADER_LEN)
        .saturating_sub(body_len);
    if !(MIN_PADDING..=MAX_PADDING).contains(&padding) {
        return Err(SessionError::BadPadding { padding });
    }
    let header = MessageHeader {
        salt: le_u64(data, 0),
        session_id: le_u64(data, 8),
        msg_id: le_u64(data, 16) as i64,
        seq_no: le_i32(data, 24),
    };
    Ok((header, body_len))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::SeededRandom;

    fn key() -> AuthKey {
        let bytes: Vec<u8> = (0..=255u8).map(|b| b.wrapping_mul(7)).collect();
        AuthKey::from_bytes(&bytes).unwrap()
    }

    fn header() -> MessageHeader {
        MessageHeader {
            salt: 0x1122_3344_5566_7788,
            session_id: 0xdead_beef,
            msg_id: 0x6000_0000_0000_0001,
            seq_no: 3,
        }
    }

    #[test]
    fn round_trip_both_sides_and_padding_range() {
        let k = key();
        let mut rng = SeededRandom::new(1);
        for len in [0usize, 4, 8, 12, 200, 1000] {
            let body: Vec<u8> = (0..len).map(|i| i as u8).collect();
            for side in [Side::Client, Side::Server] {
                let p = encrypt_message(&k, side, &header(), &body, 1024, &mut rng).unwrap();
                assert_eq!((p.len() - 24) % 16, 0);
                let pad = p.len() - 24 - 32 - len;
                assert!((12..=1024).contains(&pad), "{pad}");
                let d = decrypt_message(&k, side, &p).unwrap();
                assert_eq!(d.header, header());
                assert_eq!(d.body, body);
                let other = if side == Side::Client {
                    Side::Server
                } else {
                    Side::Client
                };
                assert_eq!(
                    decrypt_message(&k, other, &p),
                    Err(SessionError::MsgKeyMismatch)
                );
            }
        }
    }

    #[test]
    fn minimal_padding_when_max_is_small() {
        let mut rng = SeededRandom::new(2);
        let p = encrypt_message(&key(), Side::Client, &header(), &[0; 8], 0, &mut rng).unwrap();
        assert_eq!(p.len() - 24, 32 + 8 + 24);
    }

    #[test]
    fn every_envelope_check() {
        let k = key();
        let mut rng = SeededRandom::new(3);
        let good = encrypt_message(&k, Side::Server, &header(), &[1; 16], 64, &mut rng).unwrap();
        let dec = |p: &[u8]| decrypt_message(&k, Side::Server, p);
        assert!(matches!(
            dec(&good[..39]),
            Err(SessionError::PacketTooShort { .. })
        ));
        let mut bad = good.clone();
        bad[0] ^= 1;
        assert!(matches!(
            dec(&bad),
            Err(SessionError::WrongAuthKeyId { .. })
        ));
        let mut bad = good.clone();
        bad.push(0);
        assert!(matches!(
            dec(&bad),
            Err(SessionError::CiphertextNotBlockAligned { len: _ })
        ));
        for at in [8, 30, good.len() - 1] {
            let mut bad = good.clone();
            bad[at] ^= 0x80;
            assert_eq!(dec(&bad), Err(SessionError::MsgKeyMismatch));
        }
        // Length field and padding checks: build raw plaintexts with a correct msg_key.
        let raw = |pt: Vec<u8>| {
            let msg_key = msg_key_for(&k, Side::Server, &pt);
            let keys = derive_aes_key_iv(&k, &msg_key, Side::Server);
            let mut ct = pt;
            aes_ige_encrypt(&mut ct, &keys.key, &keys.iv).unwrap();
            [&k.id().to_le_bytes()[..], &msg_key, &ct].concat()
        };
        let mut pt = plaintext(&header(), &[0; 16]).unwrap();
        pt.resize(pt.len() + 16, 0);
        assert!(dec(&raw(pt.clone())).is_ok());
        for length in [-4i32, 6, 1000] {
            let mut p = pt.clone();
            p[28..32].copy_from_slice(&length.to_le_bytes());
            assert_eq!(dec(&raw(p)), Err(SessionError::BadLengthField { length }));
        }
        let mut p = pt.clone();
        p[28..32].copy_from_slice(&24i32.to_le_bytes()); // padding 8
        assert_eq!(dec(&raw(p)), Err(SessionError::BadPadding { padding: 8 }));
        let mut p = plaintext(&header(), &[0; 16]).unwrap();
        p.resize(p.len() + 1040, 0); // padding 1040
        assert_eq!(
            dec(&raw(p)),
            Err(SessionError::BadPadding { padding: 1040 })
        );
    }

    #[test]
    fn bad_plaintext_arguments() {
        let mut rng = SeededRandom::new(4);
        assert!(encrypt_plaintext(&key(), Side::Client, vec![0; 30], 64, &mut rng).is_err());
        assert!(encrypt_message(&key(), Side::Client, &header(), &[0; 3], 64, &mut rng).is_err());
    }
}
