//! PEM armor, base64 and the two DER shapes an RSA public key comes in.
//!
//! ```text
//!   -----BEGIN RSA PUBLIC KEY-----   RSAPublicKey ::= SEQUENCE { n INTEGER, e INTEGER }
//!   -----BEGIN PUBLIC KEY-----       SubjectPublicKeyInfo ::= SEQUENCE {
//!                                      SEQUENCE { OID 1.2.840.113549.1.1.1, NULL },
//!                                      BIT STRING { 0 unused bits, RSAPublicKey } }
//! ```
//! Spec: RFC 7468 (PEM), RFC 4648 section 4 (base64), RFC 8017 appendix A.1.1
//! (RSAPublicKey), RFC 5280 section 4.1 and RFC 3279 section 2.3.1 (SubjectPublicKeyInfo),
//! ITU-T X.690 (DER). Telegram publishes its server keys in the first form
//! (<https://core.telegram.org/mtproto/auth_key>, "server_public_key").
//!
//! Everything is bounds-checked: garbage gives [`CryptoError::BadPublicKey`], never a panic.
#![deny(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use super::CryptoError;

const PKCS1_LABEL: &str = "RSA PUBLIC KEY";
const SPKI_LABEL: &str = "PUBLIC KEY";

/// DER encoding of the rsaEncryption object identifier 1.2.840.113549.1.1.1.
const RSA_ENCRYPTION_OID: [u8; 9] = [0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x01];

const TAG_INTEGER: u8 = 0x02;
const TAG_BIT_STRING: u8 = 0x03;
const TAG_NULL: u8 = 0x05;
const TAG_OID: u8 = 0x06;
const TAG_SEQUENCE: u8 = 0x30;

fn bad(why: &'static str) -> CryptoError {
    CryptoError::BadPublicKey(why)
}

/// The modulus and exponent (big-endian, without leading zero bytes) of a PEM RSA public
/// key in either form.
pub(crate) fn parse_rsa_public_key_pem(text: &str) -> Result<(Vec<u8>, Vec<u8>), CryptoError> {
    if let Some(body) = armored(text, PKCS1_LABEL)? {
        return parse_pkcs1(&base64_decode(body)?);
    }
    if let Some(body) = armored(text, SPKI_LABEL)? {
        return parse_spki(&base64_decode(body)?);
    }
    Err(bad("no BEGIN RSA PUBLIC KEY or BEGIN PUBLIC KEY line"))
}

/// The text between `-----BEGIN {label}-----` and `-----END {label}-----`, if the BEGIN
/// marker is present.
fn armored<'a>(text: &'a str, label: &str) -> Result<Option<&'a str>, CryptoError> {
    let begin = format!("-----BEGIN {label}-----");
    let end = format!("-----END {label}-----");
    let Some((_, rest)) = text.split_once(begin.as_str()) else {
        return Ok(None);
    };
    let stop = rest.find(&end).ok_or(bad("PEM END line missing"))?;
    Ok(rest.get(..stop))
}

fn base64_value(c: u8) -> Option<u32> {
    let v = match c {
        // The arms bound c, so none of these can fail.
        b'A'..=b'Z' => c.checked_sub(b'A')?,
        b'a'..=b'z' => c.checked_sub(b'a')?.checked_add(26)?,
        b'0'..=b'9' => c.checked_sub(b'0')?.checked_add(52)?,
        b'+' => 62,
        b'/' => 63,
        _ => return None,
    };
    Some(u32::from(v))
}

/// Standard base64 with `=` padding; ASCII whitespace anywhere is skipped.
pub(crate) fn base64_decode(text: &str) -> Result<Vec<u8>, CryptoError> {
    let chars: Vec<u8> = text.bytes().filter(|c| !c.is_ascii_whitespace()).collect();
    if chars.len() % 4 != 0 {
        return Err(bad("base64 length is not a multiple of 4"));
    }
    let mut out = Vec::with_capacity((chars.len() / 4).saturating_mul(3));
    let quads = chars.chunks_exact(4);
    let last = quads.len().saturating_sub(1);
    for (i, quad) in quads.enumerate() {
        let pad = quad.iter().rev().take_while(|&&c| c == b'=').count();
        if pad > 2 || (pad > 0 && i != last) {
            return Err(bad("misplaced base64 padding"));
        }
        let mut acc = 0u32;
        // pad <= 2 from here on.
        let data_chars = 4usize.saturating_sub(pad);
        for &c in quad.iter().take(data_chars) {
            acc = (acc << 6) | base64_value(c).ok_or(bad("invalid base64 character"))?;
        }
        acc <<= (pad as u32).saturating_mul(6);
        let bytes = acc.to_be_bytes();
        out.extend_from_slice(bytes.get(1..data_chars).unwrap_or_default());
    }
    Ok(out)
}

/// A cursor over DER bytes.
struct Der<'a> {
    rest: &'a [u8],
}

impl<'a> Der<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        Self { rest: bytes }
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], CryptoError> {
        if n > self.rest.len() {
            return Err(bad("DER value runs past its end"));
        }
        let (head, tail) = self.rest.split_at(n);
        self.rest = tail;
        Ok(head)
    }

    fn byte(&mut self) -> Result<u8, CryptoError> {
        let (&b, tail) = self
            .rest
            .split_first()
            .ok_or(bad("DER value runs past its end"))?;
        self.rest = tail;
        Ok(b)
    }

    /// The contents of the next element, which must have tag `tag`.
    fn read(&mut self, tag: u8) -> Result<&'a [u8], CryptoError> {
        if self.byte()? != tag {
            return Err(bad("unexpected DER tag"));
        }
        let first = self.byte()?;
        let len = match first {
            0..=0x7F => usize::from(first),
            0x81..=0x84 => {
                let mut len = 0usize;
                for &b in self.take(usize::from(first & 0x7F))? {
                    len = (len << 8) | usize::from(b);
                }
                // DER: the shortest form, no leading zero bytes.
                let min_bytes =
                    (usize::BITS.saturating_sub(len.leading_zeros())).div_ceil(8) as usize;
                if len < 0x80 || min_bytes != usize::from(first & 0x7F) {
                    return Err(bad("non-minimal DER length"));
                }
                len
            }
            _ => return Err(bad("unsupported DER length")),
        };
        self.take(len)
    }

    /// A non-negative INTEGER's magnitude, without the sign byte.
    fn unsigned_integer(&mut self) -> Result<&'a [u8], CryptoError> {
        match self.read(TAG_INTEGER)? {
            [] => Err(bad("empty DER integer")),
            [first, ..] if first & 0x80 != 0 => Err(bad("negative DER integer")),
            [0, second, ..] if second & 0x80 == 0 => Err(bad("non-minimal DER integer")),
            [0, rest @ ..] if !rest.is_empty() => Ok(rest),
            value => Ok(value),
        }
    }

    fn finish(&self) -> Result<(), CryptoError> {
        if self.rest.is_empty() {
            Ok(())
        } else {
            Err(bad("trailing bytes after DER value"))
        }
    }
}

/// RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER }
pub(crate) fn parse_pkcs1(der: &[u8]) -> Result<(Vec<u8>, Vec<u8>), CryptoError> {
    let mut outer = Der::new(der);
    let mut seq = Der::new(outer.read(TAG_SEQUENCE)?);
    outer.finish()?;
    let n = seq.unsigned_integer()?;
    let e = seq.unsigned_integer()?;
    seq.finish()?;
    Ok((n.to_vec(), e.to_vec()))
}

/// SubjectPublicKeyInfo with algorithm rsaEncryption (parameters NULL or absent).
pub(crate) fn parse_spki(der: &[u8]) -> Result<(Vec<u8>, Vec<u8>), CryptoError> {
    let mut outer = Der::new(der);
    let mut seq = Der::new(outer.read(TAG_SEQUENCE)?);
    outer.finish()?;
    let mut algorithm = Der::new(seq.read(TAG_SEQUENCE)?);
    if algorithm.read(TAG_OID)? != RSA_ENCRYPTION_OID {
        return Err(bad("not an rsaEncryption key"));
    }
    if !algorithm.rest.is_empty() && !algorithm.read(TAG_NULL)?.is_empty() {
        return Err(bad("rsaEncryption parameters must be NULL"));
    }
    algorithm.finish()?;
    let bits = seq.read(TAG_BIT_STRING)?;
    seq.finish()?;
    match bits.split_first() {
        Some((0, key)) => parse_pkcs1(key),
        _ => Err(bad("public key BIT STRING must have 0 unused bits")),
    }
}

#[cfg(test)]
// Tests: a panic here is a failed test, not a crash on input.
#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
mod tests {
    use super::*;

    #[test]
    fn base64_rfc4648_vectors() {
        for (plain, encoded) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(
                base64_decode(encoded).unwrap(),
                plain.as_bytes(),
                "{encoded}"
            );
        }
        assert_eq!(base64_decode(" Zm9v\r\nYmFy\t").unwrap(), b"foobar");
        for bad in ["Zg=", "Z===", "Zg==Zm9v", "Zm9v!A==", "Zm9v Y", "===="] {
            assert!(base64_decode(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn der_lengths_and_integers() {
        // Long-form length for a short value: not DER.
        assert!(Der::new(&[0x02, 0x81, 0x01, 0x05]).read(0x02).is_err());
        assert!(Der::new(&[0x02, 0x82, 0x00, 0x81]).read(0x02).is_err());
        assert!(Der::new(&[0x02, 0x80]).read(0x02).is_err()); // indefinite
        assert!(Der::new(&[0x02, 0x85, 1, 0, 0, 0, 0]).read(0x02).is_err());
        assert!(Der::new(&[0x02, 0x03, 1]).read(0x02).is_err()); // truncated
        assert_eq!(
            Der::new(&[0x02, 0x01, 0x05]).unsigned_integer().unwrap(),
            [5]
        );
        assert_eq!(
            Der::new(&[0x02, 0x02, 0x00, 0x80])
                .unsigned_integer()
                .unwrap(),
            [0x80]
        );
        assert_eq!(
            Der::new(&[0x02, 0x01, 0x00]).unsigned_integer().unwrap(),
            [0]
        );
        assert!(Der::new(&[0x02, 0x01, 0x80]).unsigned_integer().is_err()); // negative
        assert!(
            Der::new(&[0x02, 0x02, 0x00, 0x05])
                .unsigned_integer()
                .is_err()
        );
        assert!(Der::new(&[0x02, 0x00]).unsigned_integer().is_err());
        let mut long = vec![0x04, 0x81, 0x80];
        long.extend_from_slice(&[7; 0x80]);
        assert_eq!(Der::new(&long).read(0x04).unwrap().len(), 0x80);
    }

    #[test]
    fn armor() {
        let pem = "x\n-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n";
        assert_eq!(armored(pem, SPKI_LABEL).unwrap(), Some("\nAAAA\n"));
        assert_eq!(armored(pem, PKCS1_LABEL).unwrap(), None);
        assert!(armored("-----BEGIN PUBLIC KEY-----\nAAAA\n", SPKI_LABEL).is_err());
        assert!(parse_rsa_public_key_pem("no key here").is_err());
    }

    fn base64_encode(bytes: &[u8]) -> String {
        const ALPHABET: &[u8; 64] =
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut out = String::new();
        for chunk in bytes.chunks(3) {
            let mut b = [0u8; 3];
            b[..chunk.len()].copy_from_slice(chunk);
            let v = u32::from_be_bytes([0, b[0], b[1], b[2]]);
            for i in 0..4 {
                if i <= chunk.len() {
                    out.push(ALPHABET[(v >> (18 - 6 * i) & 63) as usize] as char);
                } else {
                    out.push('=');
                }
            }
        }
        out
    }

    fn spki_pem() -> String {
        let json: serde_json::Value =
            serde_json::from_str(include_str!("../../tests/data/rsa_test_key.json")).unwrap();
        json["pem_spki"].as_str().unwrap().to_owned()
    }

    #[test]
    fn both_forms_parse() {
        let (n, e) = parse_rsa_public_key_pem(crate::crypto::PRODUCTION_KEY_PEM).unwrap();
        assert_eq!((n.len(), e.as_slice()), (256, &[1u8, 0, 1][..]));
        assert_eq!(n[..3], [0xE8, 0xBB, 0x33]);
        let (n, e) = parse_rsa_public_key_pem(&spki_pem()).unwrap();
        assert_eq!((n.len(), e.as_slice()), (256, &[1u8, 0, 1][..]));
        // Round trip through the test encoder, on one line with spaces.
        let der = base64_decode(armored(&spki_pem(), SPKI_LABEL).unwrap().unwrap()).unwrap();
        let one_line = format!(
            "-----BEGIN PUBLIC KEY----- {} -----END PUBLIC KEY-----",
            base64_encode(&der)
        );
        assert_eq!(parse_rsa_public_key_pem(&one_line).unwrap().0, n);
        // The wrong label for the contents.
        let swapped = one_line.replace("PUBLIC KEY", "RSA PUBLIC KEY");
        assert!(parse_rsa_public_key_pem(&swapped).is_err());
    }

    /// Thousands of mutated and random PEM texts and DER strings: errors, never panics.
    #[test]
    fn garbage_never_panics() {
        use crate::crypto::{RsaPublicKey, SeededRandom};
        let mut rng = SeededRandom::new(0xBAD_C0DE);
        let mut below = |n: usize| (rng.next_u64() % n.max(1) as u64) as usize;
        let pems = [crate::crypto::PRODUCTION_KEY_PEM.to_owned(), spki_pem()];
        let ders: Vec<Vec<u8>> = [(PKCS1_LABEL, 0), (SPKI_LABEL, 1)]
            .iter()
            .map(|&(label, i)| base64_decode(armored(&pems[i], label).unwrap().unwrap()).unwrap())
            .collect();
        let noise = b"-=+/AZaz09 \n\r\t\0\x80\xff";
        let mut accepted = 0;
        for round in 0..6000 {
            let which = round % 2;
            // 1. Mutated PEM text.
            let mut text = pems[which].clone().into_bytes();
            for _ in 0..1 + below(4) {
                let at = below(text.len());
                match below(4) {
                    0 => text[at] = noise[below(noise.len())],
                    1 => text.truncate(at),
                    2 => text.insert(at, noise[below(noise.len())]),
                    _ => {
                        text.remove(at);
                    }
                }
                if text.is_empty() {
                    break;
                }
            }
            let text = String::from_utf8_lossy(&text);
            accepted += usize::from(RsaPublicKey::from_pem(&text).is_ok());
            // 2. Mutated DER, re-armored, so the DER parser sees it.
            let mut der = ders[which].clone();
            for _ in 0..1 + below(3) {
                let at = below(der.len());
                match below(5) {
                    0 => der[at] ^= 1 << below(8),
                    1 => der[at] = [0x00, 0x7F, 0x80, 0x81, 0x82, 0x84, 0xFF][below(7)],
                    2 => der.truncate(at),
                    3 => der.insert(at, below(256) as u8),
                    _ => der.extend_from_slice(&[0x30, 0x82, 0xFF, 0xFF]),
                }
                if der.is_empty() {
                    break;
                }
            }
            let _ = parse_pkcs1(&der);
            let _ = parse_spki(&der);
            let label = [PKCS1_LABEL, SPKI_LABEL][which];
            let pem = format!(
                "-----BEGIN {label}-----\n{}\n-----END {label}-----",
                base64_encode(&der)
            );
            accepted += usize::from(RsaPublicKey::from_pem(&pem).is_ok());
            // 3. Random bytes.
            let random: Vec<u8> = (0..below(300)).map(|_| below(256) as u8).collect();
            let _ = parse_pkcs1(&random);
            let _ = parse_spki(&random);
            let _ = base64_decode(&String::from_utf8_lossy(&random));
        }
        // Some mutations are harmless (e.g. whitespace); most are not.
        assert!(accepted < 6000, "{accepted}");
    }
}
