//! Big-endian byte strings as numbers: left padding and modular powers.
//!
//! Spec: <https://core.telegram.org/mtproto/auth_key>: "All large numbers are transmitted as
//! strings containing the required sequence of bytes in big endian order."
//!
//! The numbers themselves are [`BigNat`] (`nat.rs`); the exponentiations are Montgomery's
//! (`mont.rs`) for odd moduli of up to 2048 bits.
#![deny(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use super::CryptoError;
use super::mont::{MAX_MODULUS_BYTES, MontModulus};
use super::nat::BigNat;

/// `bytes` (a big-endian number) as exactly `len` bytes: zeros are added on the left, or
/// surplus leading zero bytes removed. Fails with [`CryptoError::WrongLength`] if the
/// number itself needs more than `len` bytes.
pub fn left_pad(bytes: &[u8], len: usize) -> Result<Vec<u8>, CryptoError> {
    let first = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len());
    let digits = bytes.get(first..).unwrap_or_default();
    let pad = len
        .checked_sub(digits.len())
        .ok_or(CryptoError::WrongLength {
            what: "big-endian number",
            expected: "no more significant bytes than the padded length",
            got: digits.len(),
        })?;
    let mut out = vec![0u8; pad];
    out.extend_from_slice(digits);
    Ok(out)
}

/// `base^exp mod modulus`, all big-endian. The result is left-padded to the byte length of
/// the modulus (without its leading zero bytes). A zero modulus is an error.
///
/// Odd moduli of up to 2048 bits use [`MontModulus::pow`] (constant time in the exponent's
/// value); others fall back to [`BigNat::pow_mod`] (variable time).
pub fn mod_pow(base_be: &[u8], exp_be: &[u8], modulus_be: &[u8]) -> Result<Vec<u8>, CryptoError> {
    let modulus = BigNat::from_be_bytes(modulus_be);
    let zero_modulus = CryptoError::WrongLength {
        what: "mod_pow modulus",
        expected: "a non-zero number",
        got: modulus_be.len(),
    };
    if modulus.is_zero() {
        return Err(zero_modulus);
    }
    if modulus.is_odd() && modulus.bits() <= 8 * MAX_MODULUS_BYTES {
        // Odd moduli (all of MTProto's): Montgomery, constant time in the exponent.
        return Ok(MontModulus::new(modulus_be)?.pow(base_be, exp_be));
    }
    let exp = BigNat::from_be_bytes(exp_be);
    let r = BigNat::from_be_bytes(base_be)
        .pow_mod(&exp, &modulus)
        .ok_or(zero_modulus)?;
    r.to_be_padded(modulus.byte_len())
}

#[cfg(test)]
// Tests: a panic here is a failed test, not a crash on input.
#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
mod tests {
    use super::*;

    #[test]
    fn padding() {
        assert_eq!(left_pad(&[1, 2], 4).unwrap(), [0, 0, 1, 2]);
        assert_eq!(left_pad(&[0, 0, 0, 1, 2], 3).unwrap(), [0, 1, 2]);
        assert_eq!(left_pad(&[], 2).unwrap(), [0, 0]);
        assert_eq!(left_pad(&[0, 0], 0).unwrap(), Vec::<u8>::new());
        assert!(matches!(
            left_pad(&[1, 2, 3], 2),
            Err(CryptoError::WrongLength { got: 3, .. })
        ));
    }

    #[test]
    fn powers() {
        assert_eq!(mod_pow(&[4], &[13], &[1, 241]).unwrap(), [1, 189]); // 4^13 mod 497 = 445
        assert_eq!(mod_pow(&[2], &[10], &[0, 0, 3, 233]).unwrap(), [0, 23]); // 1024 mod 1001
        assert_eq!(mod_pow(&[5], &[], &[7]).unwrap(), [1]); // x^0 = 1
        assert_eq!(mod_pow(&[5], &[3], &[1]).unwrap(), [0]); // mod 1
        assert!(mod_pow(&[5], &[3], &[]).is_err());
        assert!(mod_pow(&[5], &[3], &[0, 0]).is_err());
        // Even moduli: the generic path.
        assert_eq!(mod_pow(&[3], &[5], &[0, 100]).unwrap(), [43]); // 243 mod 100
        assert_eq!(mod_pow(&[7], &[], &[0, 2]).unwrap(), [1]);
        assert_eq!(mod_pow(&[7], &[9], &[1, 0]).unwrap(), [0, 71]); // 7^9 mod 256
    }
}
