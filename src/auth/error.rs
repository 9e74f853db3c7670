//! Everything that can end a handshake.
//!
//! Every error is fatal for the handshake it happened in: the caller drops the connection's
//! handshake and starts a new one (after a delay, for [`AuthError::DhGenFail`] and
//! [`AuthError::DhParamsFail`]). Nothing the server sends can panic.

use core::fmt;

use crate::crypto::CryptoError;
use crate::tl::TlError;

/// Why a handshake step failed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum AuthError {
    /// The unencrypted envelope is malformed (`why` says how).
    BadPlainMessage(&'static str),
    /// The answer is not valid TL for the constructor expected at this step.
    Tl(TlError),
    /// A crypto check or operation failed: pq factorization, RSA_PAD, and the DH checks
    /// (dh_prime size, primality, safety, g's condition, g_a / g_b range).
    Crypto(CryptoError),
    /// An answer's nonce differs from the one we sent.
    NonceMismatch,
    /// An answer's server_nonce differs from the one in resPQ.
    ServerNonceMismatch,
    /// None of the server's key fingerprints belongs to a trusted RSA key.
    NoTrustedKey {
        /// The fingerprints the server offered.
        fingerprints: Vec<u64>,
    },
    /// pq is not a big-endian integer of at most 8 bytes.
    BadPq,
    /// pq factors as p * q (p <= q, both prime) with p = q or p = 2: "the product of two
    /// different odd prime numbers" is required.
    PqNotDistinctOddPrimes {
        /// The smaller factor.
        p: u64,
        /// The larger (or equal) factor.
        q: u64,
    },
    /// encrypted_answer is not a non-empty multiple of 16 bytes.
    BadEncryptedAnswerLength(usize),
    /// The SHA1 in answer_with_hash does not match the server_DH_inner_data.
    AnswerHashMismatch,
    /// answer_with_hash carries 16 or more bytes of padding.
    AnswerPaddingTooLong(usize),
    /// The server answered server_DH_params_fail (with a correct new_nonce_hash).
    DhParamsFail,
    /// new_nonce_hash (of server_DH_params_fail or dh_gen_*) is wrong.
    NewNonceHashMismatch,
    /// The server answered dh_gen_fail.
    DhGenFail,
    /// The server answered dh_gen_retry more than [`super::MAX_DH_RETRIES`] times.
    TooManyRetries,
    /// The server (test DC side) could not decrypt or check the client's message.
    BadClientMessage(&'static str),
    /// The handshake already produced its key; no more answers are expected.
    Finished,
    /// The handshake was used out of order (e.g. an answer before `start`).
    OutOfOrder(&'static str),
    /// An earlier error closed the handshake; this is its message.
    Closed(String),
}

impl fmt::Display for AuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::BadPlainMessage(why) => write!(f, "bad unencrypted message: {why}"),
            Self::Tl(e) => write!(f, "bad handshake answer: {e}"),
            Self::Crypto(e) => write!(f, "handshake check failed: {e}"),
            Self::NonceMismatch => f.write_str("the answer's nonce is not ours"),
            Self::ServerNonceMismatch => {
                f.write_str("the answer's server_nonce is not the server's")
            }
            Self::NoTrustedKey { fingerprints } => {
                f.write_str("no trusted RSA key among the server's fingerprints [")?;
                for (i, fp) in fingerprints.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{fp:#018x}")?;
                }
                f.write_str("]")
            }
            Self::BadPq => f.write_str("pq must be a big-endian integer of 1 to 8 bytes"),
            Self::PqNotDistinctOddPrimes { p, q } => write!(
                f,
                "pq = {p} * {q} is not the product of two different odd primes"
            ),
            Self::BadEncryptedAnswerLength(n) => write!(
                f,
                "encrypted_answer must be a non-empty multiple of 16 bytes, got {n}"
            ),
            Self::AnswerHashMismatch => {
                f.write_str("the SHA1 of server_DH_inner_data does not match the answer")
            }
            Self::AnswerPaddingTooLong(n) => {
                write!(
                    f,
                    "answer_with_hash has {n} padding bytes (at most 15 allowed)"
                )
            }
            Self::DhParamsFail => f.write_str("the server answered server_DH_params_fail"),
            Self::NewNonceHashMismatch => f.write_str("new_nonce_hash does not match"),
            Self::DhGenFail => f.write_str("the server answered dh_gen_fail"),
            Self::TooManyRetries => f.write_str("too many dh_gen_retry answers"),
            Self::BadClientMessage(why) => write!(f, "bad client handshake message: {why}"),
            Self::Finished => f.write_str("the handshake is already finished"),
            Self::OutOfOrder(why) => write!(f, "handshake step out of order: {why}"),
            Self::Closed(first) => write!(f, "handshake closed: {first}"),
        }
    }
}

impl std::error::Error for AuthError {}

impl From<TlError> for AuthError {
    fn from(e: TlError) -> Self {
        Self::Tl(e)
    }
}

impl From<CryptoError> for AuthError {
    fn from(e: CryptoError) -> Self {
        Self::Crypto(e)
    }
}
