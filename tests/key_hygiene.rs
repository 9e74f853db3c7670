//! Key hygiene: no `Debug` output of a type that holds key material shows the key bytes (in
//! hex, upper or lower case, or as a decimal or hex byte list), and the types that hold
//! secrets wipe them on drop (checked at compile time through trait bounds).
//!
//! Types covered: `AuthKey`, `MessageKeys`, `AesCtr256`, `FileKey`, `SavedSession`,
//! `SessionConfig`, `Session`, `ServerSession`, `ClientCore`, the client handshake at every
//! step (`HandshakeMachine` and its typed states, `AuthResult`), the server handshake
//! (`ServerHandshakeMachine`, `ServerAuthResult`), a temporary key's handshake, the
//! secret-chat exchange (`DhHalf`, `OutgoingRequest`) and `SecretChat` (also during a key
//! rotation). None of them implements `Display`.
//!
//! Secret chats also leave no copy behind in freed heap memory: this binary's allocator
//! (`scan`) searches every block a test thread frees for a needle (16 bytes of a key or of a
//! plaintext) while the thread has armed it. A block freed with the needle in it is a copy
//! left behind: a buffer dropped without wiping, or the old block of a Vec that grew by
//! reallocation. What this proves, and what not: it sees every heap block freed through the
//! allocator on that thread during the armed calls (also the blocks a reallocation gives
//! back); it does not see stack copies, registers, blocks still alive, or blocks freed later
//! (the plaintext of a message the app passes in or is given is the app's to wipe; the TL
//! serializer's growing buffer and the decoded message's strings are not wiped, and no test
//! here claims otherwise).
#![cfg(not(target_arch = "wasm32"))]

mod secret_common;

use mtproto_wasm::auth::server::{RsaPrivateKey, ServerConfig, ServerHandshakeMachine};
use mtproto_wasm::auth::{HandshakeConfig, HandshakeMachine};
use mtproto_wasm::client::{AppInfo, ClientConfig, ClientCore, SavedSession};
use mtproto_wasm::crypto::{
    AesCtr256, AuthKey, CryptoError, MessageKeys, RandomSource, RsaPublicKey, SeededRandom, Side,
    derive_aes_key_iv,
};
use mtproto_wasm::secret::exchange::DhHalf;
use mtproto_wasm::secret::{FileKey, OutgoingRequest};
use mtproto_wasm::session::server::ServerSession;
use mtproto_wasm::session::{Session, SessionConfig};
use secret_common::SnapshotRestored;
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

/// The allocator of this test binary: the system one, plus the needle search on free.
///
/// The crate itself forbids `unsafe`; a global allocator cannot be written without it, so it
/// lives here, in a test binary, and only forwards to `System`.
mod scan {
    use std::alloc::{GlobalAlloc, Layout, System};
    use std::cell::Cell;

    pub struct Scanning;

    thread_local! {
        // `const` thread locals with no destructor: reading them never allocates.
        static NEEDLE: Cell<Option<[u8; 16]>> = const { Cell::new(None) };
        static HITS: Cell<usize> = const { Cell::new(0) };
    }

    // SAFETY: every call goes to `System` with the caller's arguments; the search only reads
    // the `layout.size()` bytes of a block that is still allocated (and was zeroed when
    // allocated, so every byte is initialized).
    unsafe impl GlobalAlloc for Scanning {
        // Zeroed: a new block never shows what an earlier one left in that memory (the
        // search reads a block's whole size, written or not: stale bytes would be a false
        // find; seen when a test ran after one whose compressor freed the needle).
        unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
            unsafe { System.alloc_zeroed(layout) }
        }
        unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
            if let Ok(Some(needle)) = NEEDLE.try_with(Cell::get) {
                let block = unsafe { std::slice::from_raw_parts(ptr, layout.size()) };
                if block.windows(needle.len()).any(|w| w == needle) {
                    let _ = HITS.try_with(|h| h.set(h.get() + 1));
                }
            }
            unsafe { System.dealloc(ptr, layout) }
        }
        // No `realloc`: the default allocates, copies and frees through the two above, so
        // the block a growing Vec leaves is searched too.
    }

    /// How many blocks this thread freed with `needle` (the first 16 bytes) still in them
    /// while `f` ran.
    pub fn freed_copies<R>(needle: &[u8], f: impl FnOnce() -> R) -> (usize, R) {
        let mut n = [0u8; 16];
        n.copy_from_slice(&needle[..16]);
        HITS.with(|h| h.set(0));
        NEEDLE.with(|c| c.set(Some(n)));
        let r = f();
        NEEDLE.with(|c| c.set(None));
        (HITS.with(Cell::get), r)
    }
}

#[global_allocator]
static ALLOCATOR: scan::Scanning = scan::Scanning;

/// The forms a byte string takes when printed, for every 6-byte window of `secret`.
fn leaked_form(text: &str, secret: &[u8]) -> Option<String> {
    for w in secret.windows(6) {
        let forms = [
            w.iter().map(|b| format!("{b:02x}")).collect::<String>(),
            w.iter().map(|b| format!("{b:02X}")).collect::<String>(),
            w.iter()
                .map(|b| b.to_string())
                .collect::<Vec<_>>()
                .join(", "),
            w.iter()
                .map(|b| format!("{b:02x}"))
                .collect::<Vec<_>>()
                .join(", "),
            w.iter()
                .map(|b| format!("{b:#04x}"))
                .collect::<Vec<_>>()
                .join(", "),
        ];
        if let Some(f) = forms.into_iter().find(|f| text.contains(f.as_str())) {
            return Some(f);
        }
    }
    None
}

#[track_caller]
fn assert_hidden(what: &str, value: &dyn core::fmt::Debug, secrets: &[&[u8]]) {
    for text in [format!("{value:?}"), format!("{value:#?}")] {
        for s in secrets {
            assert!(s.len() >= 6, "{what}: secret too short to check");
            if let Some(form) = leaked_form(&text, s) {
                panic!("{what}: Debug shows key bytes ({form}): {text}");
            }
        }
    }
}

/// Distinctive key bytes (no runs a short window could match by chance).
fn key_bytes(seed: u64) -> Vec<u8> {
    let mut b = vec![0u8; 256];
    SeededRandom::new(seed).fill(&mut b).unwrap();
    b
}

fn wiped_on_drop<T: Zeroize + ZeroizeOnDrop>() {}
fn wipes_itself_on_drop<T: ZeroizeOnDrop>() {}

#[test]
fn secret_holding_types_are_wiped_on_drop() {
    wiped_on_drop::<AuthKey>();
    wiped_on_drop::<MessageKeys>();
    wiped_on_drop::<FileKey>();
    wiped_on_drop::<AesCtr256>();
    wipes_itself_on_drop::<DhHalf>();
    // Exponents, temporary AES keys and snapshots travel in these:
    wipes_itself_on_drop::<Zeroizing<Vec<u8>>>();
    wipes_itself_on_drop::<Zeroizing<[u8; 32]>>();
}

#[test]
fn crypto_keys_never_print() {
    let kb = key_bytes(1);
    let key = AuthKey::from_bytes(&kb).unwrap();
    assert_hidden("AuthKey", &key, &[&kb]);
    let mk = derive_aes_key_iv(&key, &[7; 16], Side::Client);
    assert_hidden("MessageKeys", &mk, &[&mk.key, &mk.iv]);
    let ctr = AesCtr256::new(&kb[..32], &kb[32..48]).unwrap();
    assert_hidden("AesCtr256", &ctr, &[&kb[..48]]);
    let fk = FileKey::random(&mut SeededRandom::new(2)).unwrap();
    assert_hidden("FileKey", &fk, &[&fk.key, &fk.iv]);
}

#[test]
fn sessions_and_clients_never_print_their_key() {
    let kb = key_bytes(3);
    let key = AuthKey::from_bytes(&kb).unwrap();
    let saved = SavedSession {
        dc_id: 2,
        test_mode: false,
        auth_key: key.clone(),
        server_salt: 1,
        time_offset_ms: Some(0),
        temp: Some(mtproto_wasm::client::SavedTempKey {
            auth_key: AuthKey::from_bytes(&key_bytes(9)).unwrap(),
            server_salt: 2,
            expires_at: 1_700_086_400,
        }),
    };
    assert_hidden("SavedSession", &saved, &[&kb, &key_bytes(9)]);
    let config = SessionConfig::new(key.clone(), 1);
    assert_hidden("SessionConfig", &config, &[&kb]);
    let session = Session::new(config, Box::new(SeededRandom::new(4))).unwrap();
    assert_hidden("Session", &session, &[&kb]);
    let server = ServerSession::new(key.clone(), 1, 0, Box::new(SeededRandom::new(5)));
    assert_hidden("ServerSession", &server, &[&kb]);
    let mut client = ClientCore::from_session(
        ClientConfig::new(2, AppInfo::new(1)),
        &saved.to_bytes(),
        Box::new(SeededRandom::new(6)),
    )
    .unwrap();
    assert_hidden("ClientCore", &client, &[&kb]);
    client.connect(1_700_000_000_000).unwrap();
    while client.poll_transmit().is_some() {}
    assert_hidden("ClientCore (connected)", &client, &[&kb]);
}

/// Records every random draw, so the test knows the handshake's secrets (new_nonce, b, the
/// RSA_PAD temp_key).
struct Recorder {
    inner: SeededRandom,
    draws: Vec<Vec<u8>>,
}

impl RandomSource for Recorder {
    fn fill(&mut self, buf: &mut [u8]) -> Result<(), CryptoError> {
        self.inner.fill(buf)?;
        self.draws.push(buf.to_vec());
        Ok(())
    }
}

fn test_rsa() -> (RsaPrivateKey, RsaPublicKey) {
    let j: serde_json::Value =
        serde_json::from_str(include_str!("data/rsa_test_key.json")).unwrap();
    let h = |k: &str| hex::decode(j[k].as_str().unwrap()).unwrap();
    (
        RsaPrivateKey::from_components(&h("n"), &h("e"), &h("d")).unwrap(),
        RsaPublicKey::from_components(&h("n"), &h("e")).unwrap(),
    )
}

/// A whole handshake with the in-crate server; every state printed on the way.
fn handshake_prints_no_secret(temp_key_expires_in: Option<i32>) {
    const NOW: u64 = 1_700_000_000_000;
    let (private, public) = test_rsa();
    let mut config = HandshakeConfig::new(2);
    config.rsa_keys.push(public);
    config.temp_key_expires_in = temp_key_expires_in;
    let mut rng = Recorder {
        inner: SeededRandom::new(7),
        draws: Vec::new(),
    };
    let mut server_rng = SeededRandom::new(8);
    let mut server = ServerHandshakeMachine::new(ServerConfig::new(vec![private]));
    let (mut client, mut packet) = HandshakeMachine::start(config, &mut rng, NOW).unwrap();
    let mut printed = vec![format!("{client:?}"), format!("{server:?}")];
    loop {
        let answer = server.handle(&packet, &mut server_rng, NOW).unwrap();
        printed.push(format!("{server:#?}"));
        let next = client.handle(&answer, &mut rng, NOW).unwrap();
        printed.push(format!("{client:#?}"));
        match next {
            Some(p) => packet = p,
            None => break,
        }
    }
    let result = client.result().unwrap().clone();
    let server_result = server.result().unwrap().clone();
    assert_eq!(
        result.auth_key.as_bytes(),
        server_result.auth_key.as_bytes()
    );
    assert_eq!(result.expires_at.is_some(), temp_key_expires_in.is_some());
    printed.push(format!("{result:#?}"));
    printed.push(format!("{server_result:#?}"));
    // The nonce (first draw) is public; new_nonce, temp_key and b are secret.
    let mut secrets: Vec<Vec<u8>> = rng.draws[1..]
        .iter()
        .filter(|d| d.len() >= 32)
        .cloned()
        .collect();
    secrets.push(result.auth_key.as_bytes().to_vec());
    let secrets: Vec<&[u8]> = secrets.iter().map(|s| &s[..]).collect();
    for text in &printed {
        assert_hidden("handshake state", text, &secrets);
    }
    assert_hidden("AuthResult", &result, &secrets);
    assert_hidden("ServerAuthResult", &server_result, &secrets);
}

#[test]
fn the_handshake_never_prints_its_secrets() {
    handshake_prints_no_secret(None);
}

#[test]
fn a_temporary_key_handshake_never_prints_its_secrets() {
    handshake_prints_no_secret(Some(3600));
}

#[test]
fn secret_chats_never_print_keys_exponents_or_plaintext() {
    let mut p = secret_common::Pair::new(9);
    let dh = p.dh.clone();
    let req = OutgoingRequest::new(&dh, &[0x5a; 256], &mut SeededRandom::new(10)).unwrap();
    let exponent = req.exponent().to_vec();
    assert_hidden("OutgoingRequest", &req, &[&exponent]);
    let mut rng = Recorder {
        inner: SeededRandom::new(11),
        draws: Vec::new(),
    };
    let half = DhHalf::generate(&dh, &[], &mut rng).unwrap();
    let exponents: Vec<&[u8]> = rng.draws.iter().map(|d| &d[..]).collect();
    assert_hidden("DhHalf", &half, &exponents);

    let key = p.a.chat.key().as_bytes().to_vec();
    assert_hidden("SecretChat", &p.a.chat, &[&key]);
    p.a_sends("a confidential plaintext");
    let text = b"a confidential plaintext";
    assert_hidden("SecretChat (sent kept)", &p.a.chat, &[&key, text]);
    p.flush();
    assert_hidden("SecretChat (peer)", &p.b.chat, &[&key, text]);
    // A rotation in progress holds a new exponent, then a new key.
    let mut out = Vec::new();
    p.a.chat.start_rekey(&dh, &mut p.a.rng, &mut out).unwrap();
    assert_hidden("SecretChat (rekey requested)", &p.a.chat, &[&key]);
    assert_hidden("rekey outputs", &out, &[&key]);
}

/// 16 distinctive bytes of a text (its middle, clear of any framing).
const SECRET_TEXT: &str = "the plaintext nobody may find in freed memory, 0123456789";

fn needle_of_text() -> &'static [u8] {
    &SECRET_TEXT.as_bytes()[4..20]
}

#[test]
fn the_scanner_finds_an_unwiped_copy_and_misses_a_wiped_one() {
    let needle = needle_of_text().to_vec();
    let (hits, ()) = scan::freed_copies(&needle, || drop(needle.clone()));
    assert_eq!(hits, 1, "a plain Vec is freed with its bytes");
    let (hits, ()) = scan::freed_copies(&needle, || drop(Zeroizing::new(needle.clone())));
    assert_eq!(hits, 0, "a Zeroizing one is wiped first");
    let (hits, ()) = scan::freed_copies(&needle, || {
        let mut v = Vec::with_capacity(16);
        v.extend_from_slice(&needle);
        v.extend_from_slice(&[0; 64]); // grows: the first block is given back unwiped
        drop(Zeroizing::new(v));
    });
    assert_eq!(hits, 1, "a reallocation leaves the old block behind");
}

/// A chat whose snapshot is several kilobytes (ten stored messages), with a rotation it
/// started in progress (its exponent is in the snapshot too).
fn chat_with_a_large_snapshot() -> secret_common::Pair {
    let mut p = secret_common::Pair::new(12);
    for _ in 0..10 {
        p.a_sends(SECRET_TEXT);
    }
    p.to_b.clear();
    p.a_rekeys();
    assert!(p.a.chat.rekey_in_progress());
    p
}

#[test]
fn the_snapshot_is_written_without_reallocating_and_leaves_no_key_bytes_behind() {
    let p = chat_with_a_large_snapshot();
    let key = p.a.chat.key().as_bytes()[100..116].to_vec();
    let (hits, (len, capacity)) = scan::freed_copies(&key, || {
        let snap = p.a.chat.snapshot();
        (snap.len(), snap.capacity())
    });
    assert!(len > 2048, "{len}");
    assert_eq!(
        hits, 0,
        "a freed block held key bytes (a grown snapshot buffer?)"
    );
    // Sized exactly before the first byte is written: never grown.
    assert_eq!(capacity, len);
}

#[test]
fn restoring_a_snapshot_leaves_no_key_bytes_behind() {
    let p = chat_with_a_large_snapshot();
    let snap = p.a.chat.snapshot();
    let key = p.a.chat.key().as_bytes()[100..116].to_vec();
    let (hits, ()) = scan::freed_copies(&key, || {
        let chat = mtproto_wasm::secret::SecretChat::restore(&snap, &p.dh).unwrap();
        drop(chat);
    });
    assert_eq!(hits, 0);
}

#[test]
fn sent_copies_are_wiped_when_the_peer_confirms_them() {
    let mut p = secret_common::Pair::new(13);
    p.a_sends(SECRET_TEXT);
    p.flush();
    assert!(p.a.chat.stored() > 0);
    p.b_sends("seen");
    // B's messages confirm A's: A drops its copies.
    let replies = std::mem::take(&mut p.to_a);
    let (hits, ()) = scan::freed_copies(needle_of_text(), || {
        for d in replies {
            p.give_a(&d).unwrap();
        }
    });
    assert_eq!(p.a.chat.stored(), 0);
    assert_eq!(hits, 0, "the confirmed copy was freed unwiped");
}

#[test]
fn sent_copies_are_wiped_when_the_chat_is_closed_or_dropped() {
    let mut p = secret_common::Pair::new(14);
    p.a_sends(SECRET_TEXT);
    assert!(p.a.chat.stored() > 0);
    let (hits, _) = scan::freed_copies(needle_of_text(), || p.a.chat.close());
    assert_eq!(p.a.chat.stored(), 0);
    assert_eq!(hits, 0, "close() freed a copy unwiped");
    let mut p = secret_common::Pair::new(15);
    p.a_sends(SECRET_TEXT);
    let chat = std::mem::replace(&mut p.a.chat, p.b.chat.snapshot_restored(&p.dh));
    let (hits, ()) = scan::freed_copies(needle_of_text(), || drop(chat));
    assert_eq!(hits, 0, "dropping the chat freed a copy unwiped");
}

#[test]
fn serving_a_resend_request_leaves_no_copy_of_the_plaintext() {
    let mut p = secret_common::Pair::new(16);
    p.a_sends("first");
    p.flush();
    p.a_sends(SECRET_TEXT);
    p.to_b.clear(); // lost
    p.a_sends("third");
    let third = p.to_b.pop().unwrap();
    p.give_b(&third).unwrap(); // B queues it and asks for SECRET_TEXT
    let ask = p.to_a.pop().unwrap();
    let (hits, ()) = scan::freed_copies(needle_of_text(), || p.give_a(&ask).unwrap());
    assert_eq!(p.to_b.len(), 1, "SECRET_TEXT resent");
    assert_eq!(hits, 0, "serving the resend freed a copy unwiped");
    p.flush();
    assert_eq!(secret_common::texts(&p.b), ["first", SECRET_TEXT, "third"]);
}

#[test]
fn queued_messages_are_wiped_when_processed_closed_or_dropped() {
    // Processed: the hole fills and the queued message is delivered.
    let mut p = secret_common::Pair::new(17);
    p.a_sends("first");
    p.flush();
    p.a_sends("second");
    let second = p.to_b.pop().unwrap();
    p.a_sends(SECRET_TEXT);
    let queued = p.to_b.pop().unwrap();
    p.give_b(&queued).unwrap();
    assert_eq!(p.b.chat.queued(), 1);
    let (hits, ()) = scan::freed_copies(needle_of_text(), || p.give_b(&second).unwrap());
    assert_eq!(p.b.chat.queued(), 0);
    assert_eq!(secret_common::texts(&p.b), ["first", "second", SECRET_TEXT]);
    assert_eq!(hits, 0, "the processed queue entry was freed unwiped");
    // Closed, and dropped, while it waits.
    for close in [true, false] {
        let mut p = secret_common::Pair::new(18);
        p.a_sends("first");
        p.flush();
        p.a_sends("second");
        p.to_b.clear();
        p.a_sends(SECRET_TEXT);
        let queued = p.to_b.pop().unwrap();
        p.give_b(&queued).unwrap();
        assert_eq!(p.b.chat.queued(), 1);
        let (hits, ()) = if close {
            scan::freed_copies(needle_of_text(), || drop(p.b.chat.close()))
        } else {
            let chat = std::mem::replace(&mut p.b.chat, p.a.chat.snapshot_restored(&p.dh));
            scan::freed_copies(needle_of_text(), || drop(chat))
        };
        assert_eq!(hits, 0, "close {close}: a queued copy was freed unwiped");
    }
}

// ---- Sessions: request bodies and the messages around them ----

mod session_common;

/// A request body carrying the secret text (a made-up constructor, 4-byte aligned), `n`
/// times over.
fn secret_request(n: usize) -> Vec<u8> {
    let mut b = 0x1234_5678u32.to_le_bytes().to_vec();
    for _ in 0..n {
        b.extend_from_slice(SECRET_TEXT.as_bytes());
    }
    while b.len() % 4 != 0 {
        b.push(0);
    }
    b
}

/// Sends `body` through a session, is answered (with the secret text in the answer too),
/// and then (`resend`) sends a second copy of it across a reconnect before the session is
/// dropped; the count of unwiped copies the client's calls freed on the way. The server's
/// own calls run unarmed (its copies are the test's, not the client's).
fn session_copies(body: Vec<u8>, resend: bool) -> usize {
    use mtproto_wasm::session::SessionEvent;
    let needle = needle_of_text().to_vec();
    let mut hits = 0;
    macro_rules! count {
        ($e:expr) => {{
            let (h, r) = $e;
            hits += h;
            r
        }};
    }
    let mut p = session_common::Pair::new();
    let second = body.clone();
    count!(scan::freed_copies(&needle, || {
        p.client
            .invoke(body, mtproto_wasm::session::InvokeOptions::default())
            .unwrap()
    }));
    let raw: Vec<Vec<u8>> = count!(scan::freed_copies(&needle, || p.transmit_raw()));
    let msg_id = p.server.decrypt(&raw[0]).unwrap().messages[0].msg_id;
    let answer = session_common::rpc_result(msg_id, &secret_request(1));
    // In a container (with a pong nobody asked for), as the server often sends it.
    let pong = mtproto_wasm::tl::Serializable::to_bytes(&mtproto_wasm::tl::mtproto::types::Pong {
        msg_id: 4,
        ping_id: 4,
    });
    let (packet, _) = p.server.encrypt(p.now, &[answer, pong]).unwrap();
    let events: Vec<SessionEvent> = count!(scan::freed_copies(&needle, || {
        p.client.handle_input(p.now, &packet);
        p.events()
    }));
    assert!(
        events
            .iter()
            .any(|e| matches!(e, SessionEvent::RpcResult { .. })),
        "{events:?}"
    );
    if resend {
        count!(scan::freed_copies(&needle, || {
            p.client
                .invoke(second, mtproto_wasm::session::InvokeOptions::default())
                .unwrap();
            let first = p.transmit_raw();
            p.client.on_reconnect(p.now);
            (first, p.transmit_raw())
        }));
        let session = p.client;
        count!(scan::freed_copies(&needle, move || drop(session)));
    }
    hits
}

#[test]
fn a_sessions_request_bodies_are_wiped_when_answered() {
    assert_eq!(session_copies(secret_request(1), false), 0);
}

#[test]
fn a_sessions_request_bodies_are_wiped_after_a_resend_and_on_drop() {
    assert_eq!(session_copies(secret_request(1), true), 0);
}

#[test]
fn a_gzipped_request_leaves_no_copy_but_the_compressors_own() {
    // Over the gzip threshold and compressible: sent as gzip_packed. miniz_oxide's
    // compressor keeps its input window in buffers of its own, freed without wiping (it has
    // no API to wipe them): those copies are counted alone first, and the session must add
    // none of its own.
    let body = secret_request(64);
    let needle = needle_of_text().to_vec();
    let (compressor, gz) = scan::freed_copies(&needle, || mtproto_wasm::tl::gzip::gzip(&body));
    assert!(
        !gz.windows(16).any(|w| w == needle),
        "the gzip output holds no plaintext"
    );
    assert!(compressor <= 1, "{compressor}");
    // Two requests (the second resent across a reconnect), each compressed once.
    assert_eq!(session_copies(body, true), 2 * compressor);
    // Under the threshold nothing is compressed and nothing is left.
    let mut p = session_common::Pair::with(|c| c.gzip_threshold = 0);
    let body = secret_request(64);
    let (hits, _) = scan::freed_copies(&needle, || {
        p.client
            .invoke(body, mtproto_wasm::session::InvokeOptions::default())
            .unwrap();
        p.transmit_raw()
    });
    assert_eq!(hits, 0);
}

#[test]
fn a_clients_request_bodies_are_wiped_when_sent_again_and_dropped() {
    let saved = SavedSession {
        dc_id: 2,
        test_mode: false,
        auth_key: AuthKey::from_bytes(&key_bytes(3)).unwrap(),
        server_salt: 1,
        time_offset_ms: Some(0),
        temp: None,
    };
    let mut config = ClientConfig::new(2, AppInfo::new(1));
    config.pfs = false;
    let mut client =
        ClientCore::from_session(config, &saved.to_bytes(), Box::new(SeededRandom::new(6)))
            .unwrap();
    let (first, second) = (secret_request(1), secret_request(1));
    let needle = needle_of_text().to_vec();
    let now = 1_700_000_000_000;
    let (hits, ()) = scan::freed_copies(&needle, move || {
        // Waits (no connection), goes out wrapped in initConnection, is kept for a resend,
        // goes out again on the next connection, and is dropped with the client.
        client.invoke(first).unwrap();
        client.connect(now).unwrap();
        client.invoke(second).unwrap();
        while client.poll_transmit().is_some() {}
        client.on_transport_closed(now + 10);
        client.connect(now + 20).unwrap();
        while client.poll_transmit().is_some() {}
        drop(client);
    });
    assert_eq!(hits, 0);
}
