//! `ClientCore` against the in-process `TestServer` (transport accept + server handshake +
//! server session), with a simulated clock: handshake, invoke, pong, rpc_error, updates,
//! reconnect mid-request, export/import without a second handshake, every chunking.
//! Natively and (wasm-bindgen-test) in a browser.

#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

mod client_common;

use client_common::*;
use mtproto_wasm::client::{ClientCore, ClientEvent, HANDSHAKE_TIMEOUT_MS};
use mtproto_wasm::crypto::SeededRandom;
use mtproto_wasm::tl::{self, Object, Value};
use mtproto_wasm::transport::Framing;

fn handshake_and_requests(framing: Framing, chunks: Chunks) {
    let mut n = Net::new(framing, chunks);
    handshake_and_requests_on(&mut n, true);
}

/// With PFS (the default): a permanent and a temporary key, the bind first.
fn handshake_and_requests_on(n: &mut Net, pfs: bool) {
    assert_eq!(n.client.auth_key_id(), 0);
    assert!(n.client.export_session().is_none());
    let queued = n
        .client
        .invoke(tl::encode_value(&nearest().into()).unwrap())
        .unwrap();
    n.connect();
    let evs = n.take_events();
    let Some(ClientEvent::Connected {
        auth_key_id,
        new_key: true,
    }) = evs.first()
    else {
        panic!("{evs:?}")
    };
    assert_eq!(*auth_key_id, n.client.auth_key_id());
    assert_ne!(*auth_key_id, 0);
    n.events = evs[1..].to_vec();
    let r = n.result(queued);
    assert_eq!(r.name, "nearestDc");
    assert_eq!(r.get("this_dc"), Some(&Value::Int(2)));
    assert_eq!(n.server.handshakes(), if pfs { 2 } else { 1 });
    // the first request is wrapped, later ones are not
    let r2 = n.invoke(nearest());
    assert_eq!(n.result(r2).name, "nearestDc");
    let mut expected = vec![
        "invokeWithLayer/initConnection/help.getNearestDc",
        "help.getNearestDc",
    ];
    if pfs {
        // the temporary key is bound before anything else goes over it
        expected.insert(0, "auth.bindTempAuthKey");
        let temp = n.client.temp_auth_key_id();
        assert_ne!(temp, 0);
        assert_ne!(temp, n.client.auth_key_id());
        assert_eq!(n.server.bound_to(temp), Some(n.client.auth_key_id()));
        assert_eq!(n.bound.len(), 1);
        assert_eq!(n.bound[0].0, temp);
    } else {
        assert_eq!(n.client.temp_auth_key_id(), 0);
        assert!(n.bound.is_empty());
    }
    assert_eq!(n.server.requests(), expected);
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn without_pfs_the_permanent_key_carries_the_session() {
    let mut c = config(Framing::Intermediate);
    c.pfs = false;
    let client = ClientCore::new(c, Box::new(SeededRandom::new(7)));
    let mut n = Net::with(client, server(8), Chunks::Whole);
    handshake_and_requests_on(&mut n, false);
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn handshake_invoke_result_every_framing() {
    for framing in [
        Framing::Abridged,
        Framing::Intermediate,
        Framing::PaddedIntermediate,
    ] {
        handshake_and_requests(framing, Chunks::Whole);
    }
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn chunks_split_at_every_byte_and_coalesced() {
    handshake_and_requests(Framing::Intermediate, Chunks::Bytes);
    handshake_and_requests(Framing::PaddedIntermediate, Chunks::Coalesced);
    handshake_and_requests(Framing::Abridged, Chunks::Coalesced);
}

fn ready() -> Net {
    let mut n = Net::new(Framing::Intermediate, Chunks::Whole);
    n.connect();
    connected(&mut n, true);
    n
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn ping_rpc_error_and_updates() {
    let mut n = ready();
    let p = n.invoke(Object::new("ping").with("ping_id", Value::Long(1)));
    let pong = n.result(p);
    assert_eq!(pong.name, "pong");
    assert_eq!(pong.get("ping_id"), Some(&Value::Long(1)));
    assert!(matches!(pong.get("msg_id"), Some(Value::Long(id)) if *id != 0));
    // ping is not wrapped in initConnection: the first API request still is
    assert_eq!(n.server.requests(), ["auth.bindTempAuthKey"]);

    n.server.fail_next(420, "FLOOD_WAIT_3");
    let r = n.invoke(nearest());
    let evs = n.take_events();
    assert_eq!(
        evs,
        [ClientEvent::RpcError {
            request: r,
            code: 420,
            message: "FLOOD_WAIT_3".into()
        }]
    );

    let update = tl::encode_value(&Object::new("updatesTooLong").into()).unwrap();
    n.server.push_update(n.now, &update).unwrap();
    n.pump();
    assert_eq!(n.take_events(), [ClientEvent::Update(update)]);
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn reconnect_mid_request_resolves_exactly_once() {
    let mut n = ready();
    n.server.hold_next();
    let r = n.invoke(nearest());
    assert!(n.take_events().is_empty());
    n.drop_connection();
    // requests made while disconnected are queued
    let r2 = n
        .client
        .invoke(tl::encode_value(&nearest().into()).unwrap())
        .unwrap();
    assert_eq!(n.client.poll_transmit(), None);
    assert_eq!(n.client.poll_timeout(), None);
    n.now += 1_000;
    n.connect();
    let mut evs = n.take_events();
    assert_eq!(
        evs.remove(0),
        ClientEvent::Connected {
            auth_key_id: n.client.auth_key_id(),
            new_key: false
        }
    );
    n.events = evs;
    assert_eq!(n.results(), [r, r2], "{:?}", n.events);
    assert_eq!(n.server.handshakes(), 2);
    assert_eq!(n.server.requests().len(), 4); // bind + held + resent + queued
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn exported_session_needs_no_second_handshake() {
    let mut n = ready();
    let r = n.invoke(nearest());
    n.result(r);
    let blob = n.client.export_session().unwrap();
    // with PFS the blob holds the bound temporary key too
    assert_eq!(blob.len(), mtproto_wasm::client::BLOB_LEN_WITH_TEMP_KEY);
    let id = n.client.auth_key_id();
    let temp = n.client.temp_auth_key_id();
    n.drop_connection();
    let client = ClientCore::from_session(
        config(Framing::Abridged),
        &blob,
        Box::new(SeededRandom::new(99)),
    )
    .unwrap();
    assert_eq!(client.auth_key_id(), id);
    assert_eq!(client.temp_auth_key_id(), temp);
    let mut m = Net::with(client, n.server, Chunks::Whole);
    m.connect();
    assert_eq!(connected(&mut m, false), id);
    let r = m.invoke(nearest());
    assert_eq!(m.result(r).name, "nearestDc");
    // no handshake and no second bind
    assert_eq!(m.server.handshakes(), 2);
    assert!(m.bound.is_empty());
    assert_eq!(m.server.requests()[0], "auth.bindTempAuthKey");
    assert_eq!(
        m.server
            .requests()
            .iter()
            .filter(|r| *r == "auth.bindTempAuthKey")
            .count(),
        1
    );
    // the new session starts with initConnection again
    assert_eq!(
        m.server.requests().last().unwrap(),
        "invokeWithLayer/initConnection/help.getNearestDc"
    );
    assert!(
        ClientCore::from_session(
            config(Framing::Abridged),
            &blob[1..],
            Box::new(SeededRandom::new(1))
        )
        .is_err()
    );
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn hostile_bytes_disconnect_without_panicking() {
    let mut n = ready();
    let mut rng = 0x1234_5678u64;
    let garbage: Vec<u8> = (0..4096)
        .map(|_| {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            rng as u8
        })
        .collect();
    n.client.handle_bytes(n.now, &garbage);
    let evs: Vec<_> = core::iter::from_fn(|| n.client.poll_event()).collect();
    assert!(
        evs.iter().any(|e| matches!(
            e,
            ClientEvent::Disconnect { .. } | ClientEvent::ProtocolError { .. }
        )),
        "{evs:?}"
    );
    // a bad body is refused, the client keeps working after a reconnect
    assert!(n.client.invoke(vec![1, 2, 3]).is_err());
    n.drop_connection();
    n.connect();
    connected(&mut n, false);
    let r = n.invoke(nearest());
    assert_eq!(n.result(r).name, "nearestDc");
    // a handshake answered with garbage: Disconnect, and the key is still absent
    let mut fresh = ClientCore::new(
        config(Framing::Intermediate),
        Box::new(SeededRandom::new(3)),
    );
    fresh.connect(T0).unwrap();
    while fresh.poll_transmit().is_some() {}
    fresh.handle_bytes(T0, &garbage);
    assert_eq!(fresh.auth_key_id(), 0);
    let mut ev = fresh.poll_event();
    if ev.is_none() {
        // the garbage announced a long frame: the handshake deadline ends it
        assert_eq!(fresh.poll_timeout(), Some(T0 + HANDSHAKE_TIMEOUT_MS));
        fresh.handle_timeout(T0 + HANDSHAKE_TIMEOUT_MS);
        ev = fresh.poll_event();
    }
    assert!(matches!(ev, Some(ClientEvent::Disconnect { .. })), "{ev:?}");
    assert!(!fresh.is_connected());
}

// --- perfect forward secrecy: temporary keys --------------------------------------------

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn temporary_key_is_renewed_before_it_expires_on_the_same_connection() {
    let mut n = pfs_net(60);
    let perm = n.client.auth_key_id();
    let first = n.client.temp_auth_key_id();
    let expires = n.client.temp_key_expires_at().unwrap();
    assert_eq!(expires, (T0 / 1000) as i64 + 60);
    // renewal is due a quarter of the lifetime early: 15 s before expiry
    let due = (expires as u64 - 15) * 1000;
    n.advance_to(due - 1);
    assert_eq!(n.server.handshakes(), 2);
    n.advance_to(due);
    let second = n.client.temp_auth_key_id();
    assert_ne!(second, first);
    assert_eq!(n.client.auth_key_id(), perm);
    assert_eq!(n.server.bound_to(second), Some(perm));
    assert_eq!(n.server.handshakes(), 3);
    assert_eq!(n.bound.len(), 2);
    // no reconnect, no Connected: the renewal is invisible to the app
    assert!(n.events.is_empty(), "{:?}", n.events);
    assert!(n.client.is_ready());
    // requests go over the new key (the new session starts with initConnection again)
    let r = n.invoke(nearest());
    assert_eq!(n.result(r).name, "nearestDc");
    assert_eq!(
        n.server.requests().last().unwrap(),
        "invokeWithLayer/initConnection/help.getNearestDc"
    );
    // and again, for as long as the client runs: the old keys expire on the server
    for round in 0..3 {
        let due = (n.client.temp_key_expires_at().unwrap() as u64 - 15) * 1000;
        n.advance_to(due);
        assert_eq!(n.bound.len(), 3 + round);
        let r = n.invoke(nearest());
        assert_eq!(n.result(r).name, "nearestDc");
    }
    assert!(n.server.temp_keys() <= 2);
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn a_request_in_flight_during_renewal_resolves_exactly_once() {
    let mut n = pfs_net(60);
    // one request the server sits on across the renewal
    n.server.hold_next();
    let held = n.invoke(nearest());
    let due = (n.client.temp_key_expires_at().unwrap() as u64 - 15) * 1000;
    n.advance_to(due);
    // the new key is made but waits: the old session is not idle
    assert_eq!(n.server.handshakes(), 3);
    assert_eq!(n.bound.len(), 1);
    // requests made meanwhile wait for the switch
    let during = n
        .client
        .invoke(tl::encode_value(&nearest().into()).unwrap())
        .unwrap();
    n.pump();
    assert!(n.results().is_empty());
    // the grace period ends: the new key takes over, both requests are answered once
    n.advance_to(n.now + 10_000);
    assert_eq!(n.bound.len(), 2);
    n.advance_to(n.now + 1_000);
    assert_eq!(n.results(), [held, during], "{:?}", n.events);
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn an_expired_temporary_key_is_replaced_on_reconnect() {
    let mut n = pfs_net(60);
    let perm = n.client.auth_key_id();
    let first = n.client.temp_auth_key_id();
    n.drop_connection();
    n.now += 120_000;
    let r = n
        .client
        .invoke(tl::encode_value(&nearest().into()).unwrap())
        .unwrap();
    n.connect();
    assert_eq!(
        n.events[0],
        ClientEvent::Connected {
            auth_key_id: perm,
            new_key: false
        }
    );
    let second = n.client.temp_auth_key_id();
    assert_ne!(second, first);
    assert_eq!(n.server.handshakes(), 3);
    assert_eq!(n.results(), [r]);
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn a_temporary_key_the_server_lost_is_replaced_and_the_login_kept() {
    let mut n = pfs_net(3600);
    let perm = n.client.auth_key_id();
    n.server.forget_key(n.client.temp_auth_key_id());
    let r = n.invoke(nearest());
    let evs = n.take_events();
    assert!(
        evs.iter()
            .any(|e| matches!(e, ClientEvent::Disconnect { .. })),
        "{evs:?}"
    );
    n.drop_connection();
    n.connect();
    assert_eq!(
        n.events[0],
        ClientEvent::Connected {
            auth_key_id: perm,
            new_key: false
        }
    );
    assert_eq!(n.results(), [r]);
    assert_eq!(n.server.handshakes(), 3);
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn an_old_blob_without_a_temporary_key_binds_a_new_one() {
    let mut c = config(Framing::Intermediate);
    c.pfs = false;
    let client = ClientCore::new(c, Box::new(SeededRandom::new(7)));
    let mut n = Net::with(client, server(8), Chunks::Whole);
    n.connect();
    connected(&mut n, true);
    let blob = n.client.export_session().unwrap();
    assert_eq!(blob.len(), mtproto_wasm::client::BLOB_LEN);
    let perm = n.client.auth_key_id();
    n.drop_connection();
    let client = ClientCore::from_session(
        config(Framing::Intermediate),
        &blob,
        Box::new(SeededRandom::new(5)),
    )
    .unwrap();
    let mut m = Net::with(client, n.server, Chunks::Whole);
    m.connect();
    assert_eq!(connected(&mut m, false), perm);
    assert_eq!(m.binds(), 1);
    assert_eq!(m.server.bound_to(m.client.temp_auth_key_id()), Some(perm));
}
