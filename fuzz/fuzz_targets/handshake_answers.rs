//! Every server answer of the client handshake, fed to `HandshakeMachine` at its own step.
//! Earlier steps are replayed from Telegram's published sample
//! (`tests/data/auth_key_sample.json`, random bytes replayed in the documented draw order),
//! so the fuzzed answer meets the state a real handshake would be in. The replay runs once:
//! each input resumes a clone of the machine at its step (`Clone` with the `fuzzing`
//! feature), which spares two 2048-bit exponentiations per input at step 3. Input: a mode byte,
//! then
//!
//! - `0`: a resPQ body (in an unencrypted envelope) at step 1;
//! - `1`: a raw packet at step 1 (the unencrypted envelope itself is fuzzed);
//! - `2`: a server_DH_params_ok / _fail body at step 2;
//! - `3`: a server_DH_inner_data at step 2, sealed as the sample's server would seal it
//!   (SHA1 | data | padding, AES-256-IGE with tmp_aes_key/iv, correct nonces), so the fuzzed
//!   bytes reach the inner parsing and the dh_prime, g and g_a checks; mode bit 0x80 spoils
//!   the hash;
//! - `4`: up to four dh_gen_ok / _retry / _fail bodies (u16 LE length prefix each) at step 3.
//!
//! Never panics; after the first error the machine stays closed.
#![no_main]
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use mtproto_wasm::auth::{HandshakeConfig, HandshakeMachine, pack_plain};
use mtproto_wasm::crypto::{
    CryptoError, RandomSource, SeededRandom, aes_ige_encrypt, builtin_keys, rsa_pad_attempt, sha1,
};

const NOW_MS: u64 = 1_707_425_100_250;
const SAMPLE: &str = include_str!("../../tests/data/auth_key_sample.json");

/// The sample's random bytes, then a seeded stream (new b after dh_gen_retry).
struct Replay<'a> {
    fixed: &'a [u8],
    more: SeededRandom,
}

impl RandomSource for Replay<'_> {
    fn fill(&mut self, buf: &mut [u8]) -> Result<(), CryptoError> {
        let n = buf.len().min(self.fixed.len());
        let (head, tail) = buf.split_at_mut(n);
        head.copy_from_slice(&self.fixed[..n]);
        self.fixed = &self.fixed[n..];
        self.more.fill(tail)
    }
}

struct Fixture {
    random: Vec<u8>,
    nonces: Vec<u8>,
    tmp_key: Vec<u8>,
    tmp_iv: Vec<u8>,
    /// The machine at steps 1, 2, 3 and how many sample random bytes were used to get there.
    at_step: Vec<(HandshakeMachine, usize)>,
}

fn field(name: &str) -> Vec<u8> {
    let tag = format!("\"{name}\": \"");
    let start = SAMPLE.find(&tag).expect("field") + tag.len();
    let end = start + SAMPLE[start..].find('"').expect("end");
    let hex = &SAMPLE[start..end];
    (0..hex.len() / 2)
        .map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).expect("hex"))
        .collect()
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let key = &builtin_keys()[0];
        let (inner, padding) = (field("p_q_inner_data_dc"), field("rsa_pad_random_padding_bytes"));
        let mut temp_keys = Vec::new();
        for i in 0u8..=255 {
            let tk = [i.wrapping_mul(37).wrapping_add(11); 32];
            temp_keys.extend_from_slice(&tk);
            if rsa_pad_attempt(&inner, &padding, &tk, key).expect("rsa_pad").is_some() {
                break;
            }
        }
        let random = [
            field("nonce"),
            field("new_nonce"),
            padding,
            temp_keys,
            field("b"),
            field("client_DH_inner_data_padding"),
        ]
        .concat();
        let nonces = [field("nonce"), field("server_nonce")].concat();
        // resPQ#05162463 nonce server_nonce pq:bytes fingerprints:Vector<long>
        let mut res_pq = 0x0516_2463u32.to_le_bytes().to_vec();
        res_pq.extend_from_slice(&nonces);
        tl_bytes(&mut res_pq, &field("pq"));
        res_pq.extend_from_slice(&0x1cb5_c415u32.to_le_bytes());
        res_pq.extend_from_slice(&1u32.to_le_bytes());
        res_pq.extend_from_slice(&0xD09D_1D85_DE64_FD85u64.to_le_bytes()); // production key
        let dh_ok = dh_ok(&nonces, &field("encrypted_answer"));
        let at_step = {
            let mut at_step = Vec::new();
            let mut rng = Replay { fixed: &random, more: SeededRandom::new(5) };
            let (mut m, _) =
                HandshakeMachine::start(HandshakeConfig::new(2), &mut rng, NOW_MS).expect("start");
            at_step.push((m.clone(), random.len() - rng.fixed.len()));
            m.handle(&server(&res_pq), &mut rng, NOW_MS).expect("resPQ").expect("next");
            at_step.push((m.clone(), random.len() - rng.fixed.len()));
            m.handle(&server(&dh_ok), &mut rng, NOW_MS).expect("DH params").expect("next");
            at_step.push((m, random.len() - rng.fixed.len()));
            at_step
        };
        Fixture {
            nonces,
            tmp_key: field("tmp_aes_key"),
            tmp_iv: field("tmp_aes_iv"),
            at_step,
            random,
        }
    })
}

fn tl_bytes(out: &mut Vec<u8>, b: &[u8]) {
    if b.len() < 254 {
        out.push(b.len() as u8);
    } else {
        out.push(254);
        out.extend_from_slice(&(b.len() as u32).to_le_bytes()[..3]);
    }
    out.extend_from_slice(b);
    while out.len() % 4 != 0 {
        out.push(0);
    }
}

/// server_DH_params_ok#d0e8075c nonce server_nonce encrypted_answer:bytes
fn dh_ok(nonces: &[u8], encrypted_answer: &[u8]) -> Vec<u8> {
    let mut out = 0xd0e8_075cu32.to_le_bytes().to_vec();
    out.extend_from_slice(nonces);
    tl_bytes(&mut out, encrypted_answer);
    out
}

fn server(body: &[u8]) -> Vec<u8> {
    pack_plain(0x65C4_F2D1_0000_0001, body)
}


fn feed(m: &mut HandshakeMachine, packet: &[u8], rng: &mut Replay) {
    let was_closed = m.closed_by().is_some();
    let r = m.handle(packet, rng, NOW_MS);
    if was_closed {
        assert!(r.is_err(), "a closed machine must refuse input");
    }
    if r.is_err() && m.result().is_none() {
        assert!(m.closed_by().is_some(), "an error closes the machine");
    }
}

fuzz_target!(|data: &[u8]| {
    let f = fixture();
    let Some((&mode, rest)) = data.split_first() else { return };
    let step = match mode % 5 {
        0 | 1 => 0,
        2 | 3 => 1,
        _ => 2,
    };
    let (m, used) = &f.at_step[step];
    let mut m = m.clone();
    let mut rng = Replay { fixed: &f.random[*used..], more: SeededRandom::new(5) };
    match mode % 5 {
        0 => feed(&mut m, &server(rest), &mut rng),
        1 => feed(&mut m, rest, &mut rng),
        2 => feed(&mut m, &server(rest), &mut rng),
        3 => {
            let mut plain = [&sha1(rest)[..], rest].concat();
            if mode & 0x80 != 0 {
                plain[0] ^= 1;
            }
            while plain.len() % 16 != 0 {
                plain.push(0);
            }
            if aes_ige_encrypt(&mut plain, &f.tmp_key, &f.tmp_iv).is_ok() {
                feed(&mut m, &server(&dh_ok(&f.nonces, &plain)), &mut rng);
            }
        }
        _ => {
            let mut r = rest;
            for _ in 0..4 {
                let Some((len, tail)) = r.split_first_chunk::<2>() else { break };
                let n = usize::from(u16::from_le_bytes(*len)).min(tail.len());
                feed(&mut m, &server(&tail[..n]), &mut rng);
                r = &tail[n..];
            }
        }
    }
    let _ = m.result();
});
