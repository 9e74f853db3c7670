//! The client's handshake states: one type per step, each `handle` consumes its state.
//!
//! Spec: <https://core.telegram.org/mtproto/auth_key>; the checks are those of
//! <https://core.telegram.org/mtproto/security_guidelines>, quoted beside each.
//! Bodies in and out are TL (message_data); the envelope is [`super::HandshakeMachine`]'s.

use core::fmt;

use zeroize::Zeroizing;

use super::{AuthError, ct_eq16, first_salt, new_nonce_hash, tmp_aes_key_iv};
use crate::crypto::{
    AuthKey, CryptoError, DhParams, DhPrimeCache, RandomSource, RsaPublicKey, aes_ige_decrypt,
    aes_ige_encrypt, builtin_keys, factorize_pq, find_key, rsa_pad_encrypt, sha1,
};
use crate::tl::mtproto::{enums, functions, types};
use crate::tl::{Deserializable, Reader, Serializable};

/// dh_gen_retry answers accepted before the handshake gives up.
pub const MAX_DH_RETRIES: u32 = 5;

/// Exponents b drawn before giving up when g_b keeps failing its range check (each draw
/// fails with probability about 2^-63: several failures mean a broken random source).
const MAX_B_DRAWS: usize = 4;

/// What to create: which DC, a permanent or a temporary key, and which server keys to trust.
#[derive(Debug, Clone)]
pub struct HandshakeConfig {
    /// The DC number (1..5; negative for media DCs), sent in p_q_inner_data_dc.
    pub dc_id: i32,
    /// A test DC: the dc field is `dc_id + 10000` (`- 10000` for negative ids).
    pub test_mode: bool,
    /// `Some(seconds)`: a temporary key (p_q_inner_data_temp_dc with expires_in).
    pub temp_key_expires_in: Option<i32>,
    /// The trusted RSA keys: [`builtin_keys`] plus any added ones.
    pub rsa_keys: Vec<RsaPublicKey>,
}

impl HandshakeConfig {
    /// A permanent key for `dc_id` on the production DCs, trusting the built-in keys.
    pub fn new(dc_id: i32) -> Self {
        Self {
            dc_id,
            test_mode: false,
            temp_key_expires_in: None,
            rsa_keys: builtin_keys(),
        }
    }

    /// The dc value sent in p_q_inner_data_dc / _temp_dc.
    pub fn wire_dc(&self) -> i32 {
        match (self.test_mode, self.dc_id < 0) {
            (false, _) => self.dc_id,
            (true, false) => self.dc_id.saturating_add(10_000),
            (true, true) => self.dc_id.saturating_sub(10_000),
        }
    }
}

/// The finished handshake.
#[derive(Debug, Clone)]
pub struct AuthResult {
    /// The 256-byte key (wiped on drop, never printed).
    pub auth_key: AuthKey,
    /// auth_key_id: SHA1(auth_key)[12..20] as a little-endian integer.
    pub auth_key_id: u64,
    /// The first server salt: new_nonce[0..8] XOR server_nonce[0..8], little-endian.
    pub server_salt: i64,
    /// server_time - local time, in seconds, when server_DH_inner_data arrived.
    pub time_offset: i64,
    /// server_time from server_DH_inner_data (unix seconds).
    pub server_time: i64,
    /// For a temporary key: server_time + expires_in (unix seconds, server clock).
    pub expires_at: Option<i64>,
}

/// Step 1: req_pq_multi sent, waiting for resPQ.
#[cfg_attr(feature = "fuzzing", derive(Clone))] // fuzz targets resume a step many times
pub struct AwaitingResPq {
    config: HandshakeConfig,
    nonce: [u8; 16],
}

/// Step 2: req_DH_params sent, waiting for server_DH_params_ok / _fail.
#[cfg_attr(feature = "fuzzing", derive(Clone))] // fuzz targets resume a step many times
pub struct AwaitingDhParams {
    config: HandshakeConfig,
    nonce: [u8; 16],
    server_nonce: [u8; 16],
    new_nonce: Zeroizing<[u8; 32]>,
}

/// Step 3: set_client_DH_params sent, waiting for dh_gen_ok / _retry / _fail.
#[cfg_attr(feature = "fuzzing", derive(Clone))] // fuzz targets resume a step many times
pub struct AwaitingDhGen {
    expires_in: Option<i32>,
    nonce: [u8; 16],
    server_nonce: [u8; 16],
    new_nonce: Zeroizing<[u8; 32]>,
    tmp_key: Zeroizing<[u8; 32]>,
    tmp_iv: Zeroizing<[u8; 32]>,
    params: DhParams,
    g_a: Vec<u8>,
    auth_key: AuthKey,
    retries: u32,
    server_time: i64,
    time_offset: i64,
}

/// What dh_gen_ok / dh_gen_retry lead to.
#[derive(Debug)]
#[allow(clippy::large_enum_variant)] // moved a handful of times per handshake: boxing buys nothing
pub enum DhGenOutcome {
    /// dh_gen_ok: the key is made.
    Done(AuthResult),
    /// dh_gen_retry: send the new set_client_DH_params and wait again.
    Retry(AwaitingDhGen, Vec<u8>),
}

macro_rules! debug_without_secrets {
    ($($t:ident),*) => {$(
        impl fmt::Debug for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!(stringify!($t), " {{ nonce: {:02x?}, .. }}"), self.nonce)
            }
        }
    )*};
}
debug_without_secrets!(AwaitingResPq, AwaitingDhParams, AwaitingDhGen);

/// "The client checks whether nonce and server_nonce are equal" (auth_key, on every
/// answer; security_guidelines: "the client must check that the nonce and server_nonce
/// ... match the ones previously sent/received").
fn check_nonces(
    nonce: &[u8; 16],
    server_nonce: &[u8; 16],
    want_nonce: &[u8; 16],
    want_server_nonce: &[u8; 16],
) -> Result<(), AuthError> {
    if !ct_eq16(nonce, want_nonce) {
        return Err(AuthError::NonceMismatch);
    }
    if !ct_eq16(server_nonce, want_server_nonce) {
        return Err(AuthError::ServerNonceMismatch);
    }
    Ok(())
}

/// The serialized p_q_inner_data_dc (or p_q_inner_data_temp_dc when the config asks for a
/// temporary key): the plaintext RSA_PAD encrypts. `pq` is sent as the server wrote it;
/// p and q as minimal big-endian bytes.
pub fn p_q_inner_data(
    config: &HandshakeConfig,
    pq: &[u8],
    p: u64,
    q: u64,
    nonce: &[u8; 16],
    server_nonce: &[u8; 16],
    new_nonce: &[u8; 32],
) -> Zeroizing<Vec<u8>> {
    let (pq, p, q) = (pq.to_vec(), be_min(p), be_min(q));
    let (nonce, server_nonce, new_nonce) = (*nonce, *server_nonce, *new_nonce);
    let dc = config.wire_dc();
    Zeroizing::new(match config.temp_key_expires_in {
        None => types::PQInnerDataDc {
            pq,
            p,
            q,
            nonce,
            server_nonce,
            new_nonce,
            dc,
        }
        .to_bytes(),
        Some(expires_in) => types::PQInnerDataTempDc {
            pq,
            p,
            q,
            nonce,
            server_nonce,
            new_nonce,
            dc,
            expires_in,
        }
        .to_bytes(),
    })
}

/// Minimal big-endian bytes of `x` (at least one byte).
pub(crate) fn be_min(x: u64) -> Vec<u8> {
    let b = x.to_be_bytes();
    let skip = (x.leading_zeros() / 8).min(7) as usize;
    b.get(skip..).unwrap_or_default().to_vec()
}

/// "This number is the product of two different odd prime numbers" and "Client decomposes
/// pq into prime factors such that p < q": [`factorize_pq`] also splits 4, 2q and squares of
/// primes (it returns p <= q, both prime); the handshake refuses those.
pub(crate) fn check_pq_factors(p: u64, q: u64) -> Result<(), AuthError> {
    if p >= q || p % 2 == 0 || q % 2 == 0 {
        return Err(AuthError::PqNotDistinctOddPrimes { p, q });
    }
    Ok(())
}

/// pq as an integer: "a natural number (in binary big endian format)" below 2^64.
pub(crate) fn pq_value(pq: &[u8]) -> Result<u64, AuthError> {
    if pq.is_empty() || pq.len() > 8 {
        return Err(AuthError::BadPq);
    }
    Ok(pq.iter().fold(0u64, |acc, &b| (acc << 8) | u64::from(b)))
}

impl AwaitingResPq {
    /// Starts a handshake: draws the nonce and returns the req_pq_multi body.
    pub fn start(
        config: HandshakeConfig,
        rng: &mut dyn RandomSource,
    ) -> Result<(Self, Vec<u8>), AuthError> {
        let mut nonce = [0u8; 16];
        rng.fill(&mut nonce)?;
        let body = functions::ReqPqMulti { nonce }.to_bytes();
        Ok((Self { config, nonce }, body))
    }

    /// Handles resPQ; returns the req_DH_params body.
    pub fn handle(
        self,
        body: &[u8],
        rng: &mut dyn RandomSource,
    ) -> Result<(AwaitingDhParams, Vec<u8>), AuthError> {
        let enums::ResPQ::ResPQ(res) = enums::ResPQ::from_bytes(body)?;
        if !ct_eq16(&res.nonce, &self.nonce) {
            return Err(AuthError::NonceMismatch);
        }
        // "server_public_key_fingerprints is a list of public RSA key fingerprints"; the
        // client picks one it knows, else it cannot go on.
        let fingerprints: Vec<u64> = res
            .server_public_key_fingerprints
            .iter()
            .map(|&f| f as u64)
            .collect();
        let key = find_key(&self.config.rsa_keys, &fingerprints)
            .ok_or(AuthError::NoTrustedKey { fingerprints })?
            .clone();
        // "Client decomposes pq into prime factors such that p < q."
        let (p, q) = factorize_pq(pq_value(&res.pq)?)?;
        check_pq_factors(p, q)?;
        let mut new_nonce = Zeroizing::new([0u8; 32]);
        rng.fill(new_nonce.as_mut_slice())?;
        let inner = p_q_inner_data(
            &self.config,
            &res.pq,
            p,
            q,
            &self.nonce,
            &res.server_nonce,
            &new_nonce,
        );
        let encrypted_data = rsa_pad_encrypt(&inner, &key, rng)?.to_vec();
        let req = functions::ReqDHParams {
            nonce: self.nonce,
            server_nonce: res.server_nonce,
            p: be_min(p),
            q: be_min(q),
            public_key_fingerprint: key.fingerprint() as i64,
            encrypted_data,
        };
        let next = AwaitingDhParams {
            config: self.config,
            nonce: self.nonce,
            server_nonce: res.server_nonce,
            new_nonce,
        };
        Ok((next, req.to_bytes()))
    }
}

/// Decrypts encrypted_answer and returns server_DH_inner_data after the hash and padding
/// checks.
///
/// "answer_with_hash := SHA1(answer) + answer + (0-15 random bytes); such that the length be
/// divisible by 16"; security_guidelines: the client "must check that the SHA1 hash of the
/// answer is correct", computed over exactly the answer (its length comes from parsing it).
fn open_answer(
    encrypted: &[u8],
    key: &[u8; 32],
    iv: &[u8; 32],
) -> Result<types::ServerDHInnerData, AuthError> {
    if encrypted.len() < 32 || encrypted.len() % 16 != 0 {
        return Err(AuthError::BadEncryptedAnswerLength(encrypted.len()));
    }
    let mut plain = encrypted.to_vec();
    aes_ige_decrypt(&mut plain, key, iv)?;
    let (hash, answer) = plain
        .split_at_checked(20)
        .ok_or(AuthError::BadEncryptedAnswerLength(encrypted.len()))?;
    let mut r = Reader::new(answer);
    let parsed = types::ServerDHInnerData::deserialize(&mut r);
    let used = r.position();
    let exact = answer.get(..used).unwrap_or_default();
    if sha1(exact)[..] != hash[..] {
        return Err(AuthError::AnswerHashMismatch);
    }
    let inner = parsed?;
    if r.remaining() >= 16 {
        return Err(AuthError::AnswerPaddingTooLong(r.remaining()));
    }
    Ok(inner)
}

impl AwaitingDhParams {
    /// Handles server_DH_params_ok / _fail at unix time `now_ms`; returns the
    /// set_client_DH_params body. `cache` remembers verified primes across handshakes.
    pub fn handle(
        self,
        body: &[u8],
        rng: &mut dyn RandomSource,
        now_ms: u64,
        cache: &mut DhPrimeCache,
    ) -> Result<(AwaitingDhGen, Vec<u8>), AuthError> {
        let ok = match enums::ServerDHParams::from_bytes(body)? {
            enums::ServerDHParams::ServerDHParamsFail(fail) => {
                check_nonces(
                    &fail.nonce,
                    &fail.server_nonce,
                    &self.nonce,
                    &self.server_nonce,
                )?;
                // "new_nonce_hash := 128 lower-order bits of SHA1 (new_nonce)".
                let want = new_nonce_hash(&self.new_nonce, None, 0);
                if !ct_eq16(&fail.new_nonce_hash, &want) {
                    return Err(AuthError::NewNonceHashMismatch);
                }
                return Err(AuthError::DhParamsFail);
            }
            enums::ServerDHParams::ServerDHParamsOk(ok) => ok,
        };
        check_nonces(&ok.nonce, &ok.server_nonce, &self.nonce, &self.server_nonce)?;
        let (tmp_key, tmp_iv) = tmp_aes_key_iv(&self.new_nonce, &self.server_nonce);
        let inner = open_answer(&ok.encrypted_answer, &tmp_key, &tmp_iv)?;
        check_nonces(
            &inner.nonce,
            &inner.server_nonce,
            &self.nonce,
            &self.server_nonce,
        )?;
        // "Client is expected to check whether p = dh_prime is a safe 2048-bit prime ... and
        // that g generates a cyclic subgroup of prime order (p-1)/2" (DhParams::verify).
        let g = u32::try_from(inner.g).map_err(|_| CryptoError::DhGeneratorOutOfRange)?;
        let params = DhParams::verify(&inner.dh_prime, g, rng, cache)?;
        // "both sides are to check that g, g_a and g_b are greater than 1 and less than
        // dh_prime - 1" and "between 2^{2048-64} and dh_prime - 2^{2048-64}".
        params.check_public(&inner.g_a)?;
        let local_secs = i64::try_from(now_ms / 1000).unwrap_or(i64::MAX);
        let server_time = i64::from(inner.server_time);
        let (auth_key, body) = client_dh_message(
            &params,
            &inner.g_a,
            &self.nonce,
            &self.server_nonce,
            (&tmp_key, &tmp_iv),
            0,
            rng,
        )?;
        let state = AwaitingDhGen {
            expires_in: self.config.temp_key_expires_in,
            nonce: self.nonce,
            server_nonce: self.server_nonce,
            new_nonce: self.new_nonce,
            tmp_key,
            tmp_iv,
            params,
            g_a: inner.g_a,
            auth_key,
            retries: 0,
            server_time,
            time_offset: server_time.saturating_sub(local_secs),
        };
        Ok((state, body))
    }
}

/// Draws b, computes g_b and the auth key, and returns them with the encrypted
/// set_client_DH_params body.
fn client_dh_message(
    params: &DhParams,
    g_a: &[u8],
    nonce: &[u8; 16],
    server_nonce: &[u8; 16],
    (tmp_key, tmp_iv): (&[u8; 32], &[u8; 32]),
    retry_id: i64,
    rng: &mut dyn RandomSource,
) -> Result<(AuthKey, Vec<u8>), AuthError> {
    let mut b = Zeroizing::new([0u8; 256]);
    let mut g_b = None;
    for _ in 0..MAX_B_DRAWS {
        rng.fill(b.as_mut_slice())?;
        let candidate = params.public_value(b.as_slice());
        // g_b "must be checked" too: the server rejects one out of range.
        if params.check_public(&candidate).is_ok() {
            g_b = Some(candidate);
            break;
        }
    }
    let g_b = g_b.ok_or(CryptoError::DhValueOutOfRange)?;
    // "auth_key := pow(g_a, b) mod dh_prime" (shared_key checks g_a again).
    let auth_key = params.shared_key(g_a, b.as_slice())?;
    let data = types::ClientDHInnerData {
        nonce: *nonce,
        server_nonce: *server_nonce,
        retry_id,
        g_b,
    }
    .to_bytes();
    // "data_with_hash := SHA1(data) + data + (0-15 random bytes); such that length be
    // divisible by 16".
    let mut with_hash = Zeroizing::new(Vec::with_capacity(data.len().saturating_add(36)));
    with_hash.extend_from_slice(&sha1(&data));
    with_hash.extend_from_slice(&data);
    let mut padding = [0u8; 16];
    let pad_len = with_hash.len().wrapping_neg() % 16;
    let pad = padding.get_mut(..pad_len).unwrap_or_default();
    rng.fill(pad)?;
    with_hash.extend_from_slice(pad);
    aes_ige_encrypt(&mut with_hash, tmp_key, tmp_iv)?;
    let req = functions::SetClientDHParams {
        nonce: *nonce,
        server_nonce: *server_nonce,
        encrypted_data: with_hash.to_vec(),
    };
    Ok((auth_key, req.to_bytes()))
}

impl AwaitingDhGen {
    /// The dh_gen_retry answers accepted so far.
    pub fn retries(&self) -> u32 {
        self.retries
    }

    /// Handles dh_gen_ok / dh_gen_retry / dh_gen_fail.
    pub fn handle(
        self,
        body: &[u8],
        rng: &mut dyn RandomSource,
    ) -> Result<DhGenOutcome, AuthError> {
        let aux = self.auth_key.aux_hash();
        // "new_nonce_hash1, new_nonce_hash2, and new_nonce_hash3 are obtained as the 128
        // lower-order bits of SHA1 of the byte string derived from the new_nonce string by
        // adding a single byte with the value of 1, 2, or 3, and followed by another 8
        // bytes with auth_key_aux_hash."
        let check = |nonce, server_nonce, hash, n| -> Result<(), AuthError> {
            check_nonces(nonce, server_nonce, &self.nonce, &self.server_nonce)?;
            if !ct_eq16(hash, &new_nonce_hash(&self.new_nonce, Some(n), aux)) {
                return Err(AuthError::NewNonceHashMismatch);
            }
            Ok(())
        };
        match enums::SetClientDHParamsAnswer::from_bytes(body)? {
            enums::SetClientDHParamsAnswer::DhGenOk(a) => {
                check(&a.nonce, &a.server_nonce, &a.new_nonce_hash1, 1)?;
                Ok(DhGenOutcome::Done(AuthResult {
                    auth_key_id: self.auth_key.id(),
                    server_salt: first_salt(&self.new_nonce, &self.server_nonce),
                    time_offset: self.time_offset,
                    server_time: self.server_time,
                    expires_at: self
                        .expires_in
                        .map(|e| self.server_time.saturating_add(i64::from(e))),
                    auth_key: self.auth_key,
                }))
            }
            enums::SetClientDHParamsAnswer::DhGenRetry(a) => {
                check(&a.nonce, &a.server_nonce, &a.new_nonce_hash2, 2)?;
                if self.retries >= MAX_DH_RETRIES {
                    return Err(AuthError::TooManyRetries);
                }
                // "retry_id ... equal to auth_key_aux_hash from the previous failed attempt".
                let (auth_key, body) = client_dh_message(
                    &self.params,
                    &self.g_a,
                    &self.nonce,
                    &self.server_nonce,
                    (&self.tmp_key, &self.tmp_iv),
                    aux as i64,
                    rng,
                )?;
                let next = Self {
                    retries: self.retries.saturating_add(1),
                    auth_key,
                    ..self
                };
                Ok(DhGenOutcome::Retry(next, body))
            }
            enums::SetClientDHParamsAnswer::DhGenFail(a) => {
                check(&a.nonce, &a.server_nonce, &a.new_nonce_hash3, 3)?;
                Err(AuthError::DhGenFail)
            }
        }
    }
}
