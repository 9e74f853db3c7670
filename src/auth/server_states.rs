//! The server's handshake states (see [`super::server`] for the exchange).

use core::fmt;

use zeroize::Zeroizing;

use super::client::be_min;
use super::server::{DhGenMode, ServerConfig};
use super::{AuthError, ct_eq16, first_salt, new_nonce_hash, tmp_aes_key_iv};
use crate::crypto::{
    AuthKey, DhParams, DhPrimeCache, RandomSource, aes_ige_decrypt, aes_ige_encrypt, is_prime_u64,
    sha1,
};
use crate::tl::mtproto::{enums, functions, types};
use crate::tl::{Deserializable, Reader, Serializable};

/// Waiting for req_pq_multi (or the older req_pq).
pub struct ServerAwaitingReqPq {
    config: ServerConfig,
}

/// resPQ sent, waiting for req_DH_params.
pub struct ServerAwaitingReqDh {
    config: ServerConfig,
    nonce: [u8; 16],
    server_nonce: [u8; 16],
    pq: u64,
    p: u64,
    q: u64,
}

/// server_DH_params_ok sent, waiting for set_client_DH_params.
pub struct ServerAwaitingClientDh {
    dh_gen: DhGenMode,
    nonce: [u8; 16],
    server_nonce: [u8; 16],
    new_nonce: Zeroizing<[u8; 32]>,
    tmp_key: Zeroizing<[u8; 32]>,
    tmp_iv: Zeroizing<[u8; 32]>,
    params: DhParams,
    a: Zeroizing<[u8; 256]>,
    expected_retry_id: i64,
    server_time: i64,
    dc: Option<i32>,
    expires_in: Option<i32>,
}

/// What req_DH_params led to.
#[derive(Debug)]
#[allow(clippy::large_enum_variant)] // moved a handful of times per handshake: boxing buys nothing
pub enum ServerDhParamsOutcome {
    /// server_DH_params_ok sent.
    Continue(ServerAwaitingClientDh),
    /// server_DH_params_fail sent (as configured): the handshake is over.
    Failed,
}

/// What set_client_DH_params led to.
#[derive(Debug)]
#[allow(clippy::large_enum_variant)] // moved a handful of times per handshake: boxing buys nothing
pub enum ServerDhGenOutcome {
    /// dh_gen_ok sent: the key is made.
    Done(ServerAuthResult),
    /// dh_gen_retry sent: wait for a new set_client_DH_params.
    Retry(ServerAwaitingClientDh),
    /// dh_gen_fail sent (as configured).
    Failed,
}

/// The key the server made.
#[derive(Debug, Clone)]
pub struct ServerAuthResult {
    /// The auth key (wiped on drop, never printed).
    pub auth_key: AuthKey,
    /// Its id.
    pub auth_key_id: u64,
    /// The first server salt.
    pub server_salt: i64,
    /// The server time sent in server_DH_inner_data.
    pub server_time: i64,
    /// The dc the client named (p_q_inner_data_dc / _temp_dc), if any.
    pub dc: Option<i32>,
    /// Some(expires_in) for a temporary key.
    pub expires_in: Option<i32>,
}

macro_rules! debug_nonce_only {
    ($($t:ident),*) => {$(
        impl fmt::Debug for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(concat!(stringify!($t), " { .. }"))
            }
        }
    )*};
}
debug_nonce_only!(
    ServerAwaitingReqPq,
    ServerAwaitingReqDh,
    ServerAwaitingClientDh
);

fn bad(why: &'static str) -> AuthError {
    AuthError::BadClientMessage(why)
}

fn check_nonces(
    got: (&[u8; 16], &[u8; 16]),
    want: (&[u8; 16], &[u8; 16]),
) -> Result<(), AuthError> {
    if !ct_eq16(got.0, want.0) {
        return Err(AuthError::NonceMismatch);
    }
    if !ct_eq16(got.1, want.1) {
        return Err(AuthError::ServerNonceMismatch);
    }
    Ok(())
}

/// A random odd prime in [2^30, 2^31), so that pq always fits a signed 64-bit integer (as
/// Telegram's servers choose it: some clients, Telethon among them, read pq as signed).
fn random_prime32(rng: &mut dyn RandomSource) -> Result<u64, AuthError> {
    loop {
        let mut b = [0u8; 4];
        rng.fill(&mut b)?;
        let c = u64::from((u32::from_le_bytes(b) & 0x7FFF_FFFF) | 0x4000_0001);
        if is_prime_u64(c) {
            return Ok(c);
        }
    }
}

impl ServerAwaitingReqPq {
    /// A server handshake that has received nothing yet.
    pub fn new(config: ServerConfig) -> Self {
        Self { config }
    }

    /// Handles req_pq_multi / req_pq; returns resPQ. Draws server_nonce (16), then p and q
    /// (4 bytes per candidate).
    pub fn handle(
        self,
        body: &[u8],
        rng: &mut dyn RandomSource,
    ) -> Result<(ServerAwaitingReqDh, Vec<u8>), AuthError> {
        let nonce = match functions::ReqPqMulti::from_bytes(body) {
            Ok(req) => req.nonce,
            Err(_) => functions::ReqPq::from_bytes(body)?.nonce,
        };
        let mut server_nonce = [0u8; 16];
        rng.fill(&mut server_nonce)?;
        // "the product of two different odd prime numbers", p < q (tests/pq_factors.rs).
        let p = random_prime32(rng)?;
        let mut q = random_prime32(rng)?;
        while q == p {
            q = random_prime32(rng)?;
        }
        let (p, q) = (p.min(q), p.max(q));
        let mut fingerprints = self.config.extra_fingerprints.clone();
        fingerprints.extend(self.config.keys.iter().map(|k| k.fingerprint()));
        let res = types::ResPQ {
            nonce,
            server_nonce,
            pq: p.wrapping_mul(q).to_be_bytes().to_vec(),
            server_public_key_fingerprints: fingerprints.iter().map(|&f| f as i64).collect(),
        };
        let next = ServerAwaitingReqDh {
            config: self.config,
            nonce,
            server_nonce,
            pq: p.wrapping_mul(q),
            p,
            q,
        };
        Ok((next, res.to_bytes()))
    }
}

impl ServerAwaitingReqDh {
    /// Handles req_DH_params at unix time `now_ms`; returns server_DH_params_ok (or _fail).
    /// Draws a (256 bytes, again while g_a is out of range) and the answer padding.
    pub fn handle(
        self,
        body: &[u8],
        rng: &mut dyn RandomSource,
        now_ms: u64,
    ) -> Result<(ServerDhParamsOutcome, Vec<u8>), AuthError> {
        let req = functions::ReqDHParams::from_bytes(body)?;
        check_nonces(
            (&req.nonce, &req.server_nonce),
            (&self.nonce, &self.server_nonce),
        )?;
        if req.p != be_min(self.p) || req.q != be_min(self.q) {
            return Err(bad("p and q are not the factors of pq"));
        }
        let key = self
            .config
            .keys
            .iter()
            .find(|k| k.fingerprint() == req.public_key_fingerprint as u64)
            .ok_or(bad("public_key_fingerprint is not one of ours"))?;
        let (pq, p, q, nonce, server_nonce, new_nonce, dc, expires_in) =
            match key.decrypt_inner_data(&req.encrypted_data)? {
                enums::PQInnerData::PQInnerData(d) => (
                    d.pq,
                    d.p,
                    d.q,
                    d.nonce,
                    d.server_nonce,
                    d.new_nonce,
                    None,
                    None,
                ),
                enums::PQInnerData::PQInnerDataDc(d) => {
                    let i = (d.pq, d.p, d.q, d.nonce, d.server_nonce, d.new_nonce);
                    (i.0, i.1, i.2, i.3, i.4, i.5, Some(d.dc), None)
                }
                enums::PQInnerData::PQInnerDataTemp(d) => {
                    let i = (d.pq, d.p, d.q, d.nonce, d.server_nonce, d.new_nonce);
                    (i.0, i.1, i.2, i.3, i.4, i.5, None, Some(d.expires_in))
                }
                enums::PQInnerData::PQInnerDataTempDc(d) => {
                    let i = (d.pq, d.p, d.q, d.nonce, d.server_nonce, d.new_nonce);
                    (i.0, i.1, i.2, i.3, i.4, i.5, Some(d.dc), Some(d.expires_in))
                }
            };
        let new_nonce = Zeroizing::new(new_nonce);
        check_nonces((&nonce, &server_nonce), (&self.nonce, &self.server_nonce))?;
        let pq_ok = super::client::pq_value(&pq).ok() == Some(self.pq);
        if !pq_ok || p != be_min(self.p) || q != be_min(self.q) {
            return Err(bad("p_q_inner_data does not repeat pq, p and q"));
        }
        if self.config.fail_dh_params {
            let fail = types::ServerDHParamsFail {
                nonce,
                server_nonce,
                new_nonce_hash: new_nonce_hash(&new_nonce, None, 0),
            };
            return Ok((ServerDhParamsOutcome::Failed, fail.to_bytes()));
        }
        let g = u32::try_from(self.config.g).unwrap_or(0);
        // The configured prime is verified like a client would (tests may configure a bad
        // one on purpose only through the answer bytes, not here).
        let params = DhParams::verify(&self.config.dh_prime, g, rng, &mut DhPrimeCache::new())?;
        let mut a = Zeroizing::new([0u8; 256]);
        let mut g_a = None;
        for _ in 0..4 {
            rng.fill(a.as_mut_slice())?;
            let candidate = params.public_value(a.as_slice());
            if params.check_public(&candidate).is_ok() {
                g_a = Some(candidate);
                break;
            }
        }
        let g_a = g_a.ok_or(crate::crypto::CryptoError::DhValueOutOfRange)?;
        let server_time = i64::try_from(now_ms / 1000).unwrap_or(i64::MAX);
        let answer = types::ServerDHInnerData {
            nonce,
            server_nonce,
            g: self.config.g,
            dh_prime: params.prime_be(),
            g_a,
            server_time: i32::try_from(server_time).unwrap_or(i32::MAX),
        }
        .to_bytes();
        let (tmp_key, tmp_iv) = tmp_aes_key_iv(&new_nonce, &server_nonce);
        let mut with_hash = sha1(&answer).to_vec();
        with_hash.extend_from_slice(&answer);
        let mut pad = [0u8; 16];
        let pad = pad
            .get_mut(..with_hash.len().wrapping_neg() % 16)
            .unwrap_or_default();
        rng.fill(pad)?;
        with_hash.extend_from_slice(pad);
        aes_ige_encrypt(&mut with_hash, tmp_key.as_slice(), tmp_iv.as_slice())?;
        let ok = types::ServerDHParamsOk {
            nonce,
            server_nonce,
            encrypted_answer: with_hash,
        };
        let next = ServerAwaitingClientDh {
            dh_gen: self.config.dh_gen,
            nonce,
            server_nonce,
            new_nonce,
            tmp_key,
            tmp_iv,
            params,
            a,
            expected_retry_id: 0,
            server_time,
            dc,
            expires_in,
        };
        Ok((ServerDhParamsOutcome::Continue(next), ok.to_bytes()))
    }
}

impl ServerAwaitingClientDh {
    /// Handles set_client_DH_params; returns dh_gen_ok / _retry / _fail.
    pub fn handle(
        self,
        body: &[u8],
        _rng: &mut dyn RandomSource,
    ) -> Result<(ServerDhGenOutcome, Vec<u8>), AuthError> {
        let req = functions::SetClientDHParams::from_bytes(body)?;
        check_nonces(
            (&req.nonce, &req.server_nonce),
            (&self.nonce, &self.server_nonce),
        )?;
        let len = req.encrypted_data.len();
        if len < 32 || len % 16 != 0 {
            return Err(bad("encrypted_data must be a multiple of 16 bytes"));
        }
        let mut plain = Zeroizing::new(req.encrypted_data);
        aes_ige_decrypt(&mut plain, self.tmp_key.as_slice(), self.tmp_iv.as_slice())?;
        let (hash, data) = plain.split_at_checked(20).ok_or(bad("too short"))?;
        let mut r = Reader::new(data);
        let inner = types::ClientDHInnerData::deserialize(&mut r)?;
        if sha1(data.get(..r.position()).unwrap_or_default())[..] != hash[..] {
            return Err(bad("SHA1 of client_DH_inner_data does not match"));
        }
        if r.remaining() >= 16 {
            return Err(bad("more than 15 padding bytes"));
        }
        check_nonces(
            (&inner.nonce, &inner.server_nonce),
            (&self.nonce, &self.server_nonce),
        )?;
        if inner.retry_id != self.expected_retry_id {
            return Err(bad("wrong retry_id"));
        }
        let auth_key = self.params.shared_key(&inner.g_b, self.a.as_slice())?;
        let aux = auth_key.aux_hash();
        let (nonce, server_nonce) = (self.nonce, self.server_nonce);
        let hash = |n| new_nonce_hash(&self.new_nonce, Some(n), aux);
        match self.dh_gen {
            DhGenMode::Fail => {
                let new_nonce_hash3 = hash(3);
                let a = types::DhGenFail {
                    nonce,
                    server_nonce,
                    new_nonce_hash3,
                };
                Ok((ServerDhGenOutcome::Failed, a.to_bytes()))
            }
            DhGenMode::RetryOnce => {
                let new_nonce_hash2 = hash(2);
                let a = types::DhGenRetry {
                    nonce,
                    server_nonce,
                    new_nonce_hash2,
                };
                let next = Self {
                    dh_gen: DhGenMode::Ok,
                    expected_retry_id: aux as i64,
                    ..self
                };
                Ok((ServerDhGenOutcome::Retry(next), a.to_bytes()))
            }
            DhGenMode::Ok => {
                let a = types::DhGenOk {
                    nonce,
                    server_nonce,
                    new_nonce_hash1: hash(1),
                };
                let result = ServerAuthResult {
                    auth_key_id: auth_key.id(),
                    server_salt: first_salt(&self.new_nonce, &server_nonce),
                    server_time: self.server_time,
                    dc: self.dc,
                    expires_in: self.expires_in,
                    auth_key,
                };
                Ok((ServerDhGenOutcome::Done(result), a.to_bytes()))
            }
        }
    }
}
