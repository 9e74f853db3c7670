//! Transport obfuscation: the 64-byte initialization header and the two AES-256-CTR streams.
//!
//! Spec: <https://core.telegram.org/mtproto/mtproto-transports#transport-obfuscation>.
//!
//! ```text
//!  0        4        8                                40               56     60   62   64
//! +--------+--------+--------------------------------+----------------+------+----+----+
//! | random (not a known tag/HTTP/TLS) | enc key (32)  | enc iv (16)    | tag  | dc | rnd|
//! +--------+--------+--------------------------------+----------------+------+----+----+
//!            bytes 4..8 != 0                                            ^ sent encrypted
//! reversed header: dec key = reversed[8..40], dec iv = reversed[40..56]
//! MTProxy: key = SHA256(key || secret16), for both directions; the iv is unchanged.
//! wire = header[0..56] || AES-CTR-enc(header)[56..64]; then every byte in both
//! directions goes through its stream, for the life of the connection.
//! ```
//!
//! The server (or MTProxy) reverses the roles: its decryptor is the client's encryptor
//! (already advanced over the 64 header bytes), its encryptor the client's decryptor.

use super::{Framing, TransportError};
use crate::crypto::{AesCtr256, CryptoError, RandomSource, sha256_concat};

/// The size of the initialization header.
pub(crate) const HEADER_LEN: usize = 64;

/// Gives up after this many forbidden candidates (a broken random source).
const MAX_ATTEMPTS: usize = 1000;

/// First ints that would be mistaken for another protocol, little-endian.
const FORBIDDEN_FIRST_INTS: [u32; 7] = [
    0x4441_4548, // "HEAD"
    0x5453_4f50, // "POST"
    0x2054_4547, // "GET "
    0x4954_504f, // "OPTI"
    0xdddd_dddd, // padded intermediate
    0xeeee_eeee, // intermediate
    0x0201_0316, // TLS handshake record (16 03 01 02)
];

/// The two cipher streams of an obfuscated connection.
#[derive(Debug)]
pub(crate) struct Obfuscation {
    enc: AesCtr256,
    dec: AesCtr256,
}

impl Obfuscation {
    /// Encrypts outgoing bytes in place.
    pub(crate) fn encrypt(&mut self, data: &mut [u8]) {
        self.enc.apply(data);
    }

    /// Decrypts incoming bytes in place.
    pub(crate) fn decrypt(&mut self, data: &mut [u8]) {
        self.dec.apply(data);
    }
}

/// Whether a candidate header would be mistaken for another protocol.
pub(crate) fn is_forbidden(h: &[u8; HEADER_LEN]) -> bool {
    let first = u32::from_le_bytes([h[0], h[1], h[2], h[3]]);
    let second = u32::from_le_bytes([h[4], h[5], h[6], h[7]]);
    h[0] == 0xef || FORBIDDEN_FIRST_INTS.contains(&first) || second == 0
}

/// The CTR stream keyed by bytes 8..56 of `src` (hashed with the MTProxy secret if any).
fn stream(src: &[u8; HEADER_LEN], secret: Option<&[u8; 16]>) -> Result<AesCtr256, TransportError> {
    let (key, iv) = (&src[8..40], &src[40..56]);
    let cipher = match secret {
        Some(s) => AesCtr256::new(&sha256_concat(&[key, s]), iv),
        None => AesCtr256::new(key, iv),
    };
    cipher.map_err(TransportError::Random)
}

fn reversed(h: &[u8; HEADER_LEN]) -> [u8; HEADER_LEN] {
    let mut r = *h;
    r.reverse();
    r
}

/// Client side: draws a header, returns the 64 bytes to send and the streams.
pub(crate) fn client_header(
    framing: Framing,
    dc_id: i16,
    secret: Option<&[u8; 16]>,
    rng: &mut dyn RandomSource,
) -> Result<([u8; HEADER_LEN], Obfuscation), TransportError> {
    let tag = framing.tag().ok_or(TransportError::BadConfig(
        "the full transport cannot be obfuscated",
    ))?;
    let mut header = [0u8; HEADER_LEN];
    let mut found = false;
    for _ in 0..MAX_ATTEMPTS {
        rng.fill(&mut header)?;
        if !is_forbidden(&header) {
            found = true;
            break;
        }
    }
    if !found {
        return Err(TransportError::Random(CryptoError::RandomUnavailable));
    }
    header[56..60].copy_from_slice(&tag);
    header[60..62].copy_from_slice(&dc_id.to_le_bytes());
    let mut obf = Obfuscation {
        enc: stream(&header, secret)?,
        dec: stream(&reversed(&header), secret)?,
    };
    let mut encrypted = header;
    obf.encrypt(&mut encrypted);
    header[56..64].copy_from_slice(&encrypted[56..64]);
    Ok((header, obf))
}

/// Server side: reads a client's header; returns its framing, DC id field and the streams
/// with the roles reversed. Fails if the decrypted tag names no framing (a wrong secret
/// looks the same).
pub(crate) fn server_accept(
    header: &[u8; HEADER_LEN],
    secret: Option<&[u8; 16]>,
) -> Result<(Framing, i16, Obfuscation), TransportError> {
    let mut obf = Obfuscation {
        enc: stream(&reversed(header), secret)?,
        dec: stream(header, secret)?,
    };
    let mut plain = *header;
    obf.decrypt(&mut plain);
    let framing = Framing::from_tag([plain[56], plain[57], plain[58], plain[59]]).ok_or(
        TransportError::BadHeader(
            "no known protocol tag in the obfuscation header (wrong secret?)",
        ),
    )?;
    Ok((framing, i16::from_le_bytes([plain[60], plain[61]]), obf))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::FixedRandom;

    fn allowed(seed: u8) -> [u8; 64] {
        core::array::from_fn(|i| seed.wrapping_add(i as u8))
    }

    #[test]
    fn every_forbidden_pattern_is_skipped() {
        let mut prefixes: Vec<[u8; 4]> =
            vec![*b"HEAD", *b"POST", *b"GET ", *b"OPTI", [0xdd; 4], [0xee; 4]];
        prefixes.push([0x16, 0x03, 0x01, 0x02]);
        prefixes.push([0xef, 1, 2, 3]);
        let mut bytes = Vec::new();
        for p in &prefixes {
            let mut c = allowed(0x10);
            c[..4].copy_from_slice(p);
            assert!(is_forbidden(&c), "{p:?}");
            bytes.extend_from_slice(&c);
        }
        let mut zero_second = allowed(0x20);
        zero_second[4..8].fill(0);
        assert!(is_forbidden(&zero_second));
        bytes.extend_from_slice(&zero_second);
        let good = allowed(0x30);
        assert!(!is_forbidden(&good));
        bytes.extend_from_slice(&good);
        let mut rng = FixedRandom::new(bytes);
        let (h, _) = client_header(Framing::Intermediate, 2, None, &mut rng).unwrap();
        assert_eq!(h[..56], good[..56]);
        assert_eq!(rng.remaining(), 0);
    }

    #[test]
    fn exhausted_random_is_an_error() {
        let mut rng = FixedRandom::new([0xef; 64 * 3]);
        assert!(matches!(
            client_header(Framing::Abridged, 1, None, &mut rng),
            Err(TransportError::Random(CryptoError::RandomExhausted))
        ));
    }

    #[test]
    fn server_reads_what_the_client_wrote() {
        for secret in [None, Some([0x5a; 16])] {
            let mut rng = FixedRandom::new(allowed(1));
            let (h, mut client) = client_header(
                Framing::PaddedIntermediate,
                -10004,
                secret.as_ref(),
                &mut rng,
            )
            .unwrap();
            let (framing, dc, mut server) = server_accept(&h, secret.as_ref()).unwrap();
            assert_eq!((framing, dc), (Framing::PaddedIntermediate, -10004));
            let mut up = *b"client to server";
            client.encrypt(&mut up);
            server.decrypt(&mut up);
            assert_eq!(&up, b"client to server");
            let mut down = *b"server to client";
            server.encrypt(&mut down);
            client.decrypt(&mut down);
            assert_eq!(&down, b"server to client");
        }
    }

    #[test]
    fn wrong_secret_is_a_bad_header() {
        let mut rng = FixedRandom::new(allowed(1));
        let (h, _) = client_header(Framing::Abridged, 2, Some(&[1; 16]), &mut rng).unwrap();
        assert!(matches!(
            server_accept(&h, Some(&[2; 16])),
            Err(TransportError::BadHeader(_))
        ));
    }
}
