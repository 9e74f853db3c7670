//! What `ClientCore` does when the server says a key is unknown or refuses a bind: a
//! forged -404 does not log the user out, a refused bind never makes a handshake storm
//! (1 s doubling to 30 s between keys) and three refusals in a row end in `Fatal` with the
//! server's error. Natively and (wasm-bindgen-test) in a browser.
//!
//! Found by an outside review: one -404 (four unauthenticated bytes) dropped the permanent
//! key; a server refusing binds got 47 temporary keys in 10 s.

#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

mod client_common;

use client_common::*;
use mtproto_wasm::client::pfs::{BIND_BACKOFF_FIRST_MS, MAX_BIND_REFUSALS};
use mtproto_wasm::client::{ClientCore, ClientEvent};
use mtproto_wasm::crypto::SeededRandom;
use mtproto_wasm::tl;
use mtproto_wasm::transport::Framing;

fn no_pfs() -> Net {
    let mut c = config(Framing::Intermediate);
    c.pfs = false;
    c.ping_interval_ms = 0;
    let client = ClientCore::new(c, Box::new(SeededRandom::new(7)));
    let mut n = Net::with(client, server(8), Chunks::Whole);
    n.connect();
    connected(&mut n, true);
    n
}

fn disconnected(evs: &[ClientEvent]) -> bool {
    evs.iter()
        .any(|e| matches!(e, ClientEvent::Disconnect { .. }))
}

fn refusals(evs: &[ClientEvent]) -> usize {
    evs.iter()
        .filter(|e| matches!(e, ClientEvent::ProtocolError { message } if message.contains("bindTempAuthKey")))
        .count()
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn one_forged_404_does_not_drop_the_permanent_key() {
    let mut n = no_pfs();
    let perm = n.client.auth_key_id();
    for _ in 0..2 {
        // -404 on this connection only; the server still knows the key.
        n.server.forge_404().unwrap();
        n.pump();
        assert!(disconnected(&n.take_events()));
        assert_eq!(n.client.auth_key_id(), perm, "the key is kept");
        n.drop_connection();
        n.connect();
        assert_eq!(connected(&mut n, false), perm);
        // A packet that decrypts on the new connection clears the suspicion, so the next
        // forged -404 is again only a suspicion.
        let r = n.invoke(nearest());
        assert_eq!(n.result(r).name, "nearestDc");
    }
    assert_eq!(n.server.handshakes(), 1);
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn a_404_on_two_connections_drops_the_permanent_key() {
    let mut n = no_pfs();
    let perm = n.client.auth_key_id();
    n.server.forget_key(perm);
    let r = n.invoke(nearest());
    assert!(disconnected(&n.take_events()));
    assert_eq!(n.client.auth_key_id(), perm, "one -404 proves nothing");
    n.drop_connection();
    n.connect();
    // The resent request gets -404 again on the new connection: the key is gone.
    assert!(disconnected(&n.take_events()));
    assert_eq!(n.client.auth_key_id(), 0);
    n.drop_connection();
    n.connect();
    let new_perm = n.client.auth_key_id();
    assert_ne!(new_perm, perm);
    assert_eq!(
        n.events[0],
        ClientEvent::Connected {
            auth_key_id: new_perm,
            new_key: true
        }
    );
    assert_eq!(n.results(), [r], "the request survives the new key");
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn a_refused_bind_twice_means_the_permanent_key_is_gone() {
    let mut n = pfs_net(3600);
    let perm = n.client.auth_key_id();
    n.server.forget_key(n.client.temp_auth_key_id());
    n.server.forget_key(perm);
    let r = n.invoke(nearest());
    n.take_events();
    n.drop_connection();
    n.connect();
    // temp key, bind refused; 1 s later another temp key, refused again; 2 s later a new
    // permanent key
    assert_eq!(refusals(&n.events), 1, "{:?}", n.events);
    assert_eq!(n.server.handshakes(), 3);
    // (the harness moves its clock 5 ms per round trip)
    let due = n.client.poll_timeout().unwrap();
    assert!(due + 50 >= n.now + BIND_BACKOFF_FIRST_MS, "{due} {}", n.now);
    n.advance_to(due - 1);
    assert_eq!(n.server.handshakes(), 3, "nothing before the back-off ends");
    n.advance_to(due);
    assert_eq!(n.server.handshakes(), 4);
    assert_eq!(refusals(&n.events), 2, "{:?}", n.events);
    assert_eq!(n.client.auth_key_id(), 0);
    let due = n.client.poll_timeout().unwrap();
    assert!(
        due + 50 >= n.now + 2 * BIND_BACKOFF_FIRST_MS,
        "the wait doubles"
    );
    n.advance_to(due - 1);
    assert_eq!(n.server.handshakes(), 4);
    n.advance_to(due);
    let evs = n.take_events();
    let new_perm = n.client.auth_key_id();
    assert_ne!(new_perm, perm);
    assert!(evs.contains(&ClientEvent::Connected {
        auth_key_id: new_perm,
        new_key: true
    }));
    assert_eq!(
        n.server.bound_to(n.client.temp_auth_key_id()),
        Some(new_perm)
    );
    n.events = evs;
    assert_eq!(n.results(), [r]);
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn refused_binds_back_off_and_give_up_with_the_servers_error() {
    let mut c = config(Framing::Intermediate);
    c.ping_interval_ms = 0;
    let client = ClientCore::new(c, Box::new(SeededRandom::new(7)));
    let mut n = Net::with(client, server(8), Chunks::Whole);
    n.server
        .refuse_binds(1000, 400, "TEMP_AUTH_KEY_ALREADY_BOUND");
    let body = tl::encode_value(&nearest().into()).unwrap();
    let r = n.client.invoke(body).unwrap();
    let t0 = n.now;
    n.connect();
    // 10 s of simulated time, every timer run when due.
    n.advance_to(t0 + 10_000);
    // One permanent key, one temporary key per try: 1 + 3, never more than 6.
    assert_eq!(n.server.handshakes(), 1 + MAX_BIND_REFUSALS);
    let evs = n.take_events();
    assert_eq!(refusals(&evs), MAX_BIND_REFUSALS as usize, "{evs:?}");
    let tail: Vec<_> = evs
        .iter()
        .filter(|e| !matches!(e, ClientEvent::ProtocolError { .. }))
        .collect();
    assert_eq!(
        tail,
        [
            &ClientEvent::RpcError {
                request: r,
                code: 400,
                message: "TEMP_AUTH_KEY_ALREADY_BOUND".into()
            },
            &ClientEvent::Fatal {
                code: 400,
                message: "TEMP_AUTH_KEY_ALREADY_BOUND".into()
            }
        ]
    );
    assert!(!n.client.is_connected());
    assert_eq!(n.client.poll_timeout(), None, "nothing more to do");
    // A new connect (the app's call) tries again, but only after the grown back-off.
    n.server.refuse_binds(0, 0, "");
    n.connect();
    let before = n.server.handshakes();
    n.pump();
    assert_eq!(n.server.handshakes(), before, "the back-off still holds");
    n.advance_to(n.now + 30_000);
    assert!(n.client.is_ready());
    assert_eq!(n.server.handshakes(), before + 1);
}
