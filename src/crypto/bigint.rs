//! Big-endian byte strings as numbers: conversions, left padding and modular powers.
//!
//! Spec: <https://core.telegram.org/mtproto/auth_key>: "All large numbers are transmitted as
//! strings containing the required sequence of bytes in big endian order."
//!
//! Note: `num-bigint` is not constant-time and cannot wipe its buffers; [`wipe`] overwrites
//! a secret number's digits in place as a best effort before it is dropped.

use num_bigint::BigUint;
use num_traits::Zero;

use super::CryptoError;
use super::mont::{MAX_MODULUS_BYTES, MontModulus};

/// The number written in `bytes` (big-endian; leading zero bytes and the empty string are
/// fine).
pub fn be_to_biguint(bytes: &[u8]) -> BigUint {
    BigUint::from_bytes_be(bytes)
}

/// `x` as exactly `len` big-endian bytes, left-padded with zeros. Fails if `x` needs more
/// than `len` bytes.
pub fn biguint_to_be_padded(x: &BigUint, len: usize) -> Result<Vec<u8>, CryptoError> {
    if x.is_zero() {
        return Ok(vec![0; len]);
    }
    left_pad(&x.to_bytes_be(), len)
}

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
/// value); others fall back to `num-bigint` (variable time).
pub fn mod_pow(base_be: &[u8], exp_be: &[u8], modulus_be: &[u8]) -> Result<Vec<u8>, CryptoError> {
    let modulus = be_to_biguint(modulus_be);
    if modulus.is_zero() {
        return Err(CryptoError::WrongLength {
            what: "mod_pow modulus",
            expected: "a non-zero number",
            got: modulus_be.len(),
        });
    }
    if modulus.bit(0) && modulus.bits() <= 8 * MAX_MODULUS_BYTES as u64 {
        // Odd moduli (all of MTProto's): Montgomery, constant time in the exponent.
        return Ok(MontModulus::new(modulus_be)?.pow(base_be, exp_be));
    }
    let mut exp = be_to_biguint(exp_be);
    let mut r = be_to_biguint(base_be).modpow(&exp, &modulus);
    let out = biguint_to_be_padded(&r, modulus.bits().div_ceil(8) as usize);
    wipe(&mut exp);
    wipe(&mut r);
    out
}

/// Best-effort wipe of a secret number: overwrites its digits in place, then sets it to 0.
pub(crate) fn wipe(x: &mut BigUint) {
    // `assign_from_slice` clears the digit vector and refills it in the same allocation,
    // so writing as many zero words as the number has overwrites every digit it held.
    let words = usize::try_from(x.bits().div_ceil(32)).unwrap_or(0);
    x.assign_from_slice(&vec![0u32; words]);
}

#[cfg(test)]
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
        assert_eq!(
            biguint_to_be_padded(&BigUint::from(0x0102u32), 3).unwrap(),
            [0, 1, 2]
        );
        assert_eq!(biguint_to_be_padded(&BigUint::zero(), 2).unwrap(), [0, 0]);
        assert!(biguint_to_be_padded(&BigUint::from(0x010203u32), 2).is_err());
        assert_eq!(be_to_biguint(&[0, 0, 1, 0]), BigUint::from(256u32));
        assert_eq!(be_to_biguint(&[]), BigUint::zero());
    }

    #[test]
    fn powers() {
        assert_eq!(mod_pow(&[4], &[13], &[1, 241]).unwrap(), [1, 189]); // 4^13 mod 497 = 445
        assert_eq!(mod_pow(&[2], &[10], &[0, 0, 3, 233]).unwrap(), [0, 23]); // 1024 mod 1001
        assert_eq!(mod_pow(&[5], &[], &[7]).unwrap(), [1]); // x^0 = 1
        assert_eq!(mod_pow(&[5], &[3], &[1]).unwrap(), [0]); // mod 1
        assert!(mod_pow(&[5], &[3], &[]).is_err());
        assert!(mod_pow(&[5], &[3], &[0, 0]).is_err());
    }

    #[test]
    fn wipe_zeroes() {
        let mut x = BigUint::from_bytes_be(&[0xAB; 300]);
        wipe(&mut x);
        assert!(x.is_zero());
        let mut z = BigUint::zero();
        wipe(&mut z);
        assert!(z.is_zero());
    }
}
