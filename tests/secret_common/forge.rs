//! Hand-made messages for the secret-chat tests: a decryptedMessageLayer with chosen
//! fields, sealed as the creator (A) or the acceptor (B) would, and A's payloads read back.
#![allow(dead_code)]

use mtproto_wasm::crypto::{AuthKey, Side, aes_ige_encrypt, derive_aes_key_iv, msg_key_for};
use mtproto_wasm::secret::{ChatOutput, key_fingerprint};
use mtproto_wasm::tl::secret::{enums, types};
use mtproto_wasm::tl::{Deserializable, Serializable};

use super::Pair;

pub fn text(t: &str) -> enums::DecryptedMessage {
    types::DecryptedMessage {
        no_webpage: false,
        silent: false,
        random_id: 42,
        ttl: 0,
        message: t.into(),
        media: None,
        entities: None,
        via_bot_name: None,
        reply_to_random_id: None,
        grouped_id: None,
    }
    .into()
}

pub fn layer(
    rb: usize,
    layer: i32,
    in_seq: i32,
    out_seq: i32,
    m: enums::DecryptedMessage,
) -> Vec<u8> {
    types::DecryptedMessageLayer {
        random_bytes: vec![7; rb],
        layer,
        in_seq_no: in_seq,
        out_seq_no: out_seq,
        message: m,
    }
    .to_bytes()
}

/// MTProto 2.0 payload from the creator with a chosen length field and padding.
pub fn forge(key: &AuthKey, body: &[u8], len_field: u32, pad: usize) -> Vec<u8> {
    let mut plain = len_field.to_le_bytes().to_vec();
    plain.extend_from_slice(body);
    plain.extend(std::iter::repeat_n(0x33, pad));
    let mk = msg_key_for(key, Side::CHAT_CREATOR, &plain);
    let k = derive_aes_key_iv(key, &mk, Side::CHAT_CREATOR);
    aes_ige_encrypt(&mut plain, &k.key, &k.iv).unwrap();
    let mut out = key_fingerprint(key).to_le_bytes().to_vec();
    out.extend_from_slice(&mk);
    out.extend_from_slice(&plain);
    out
}

pub fn good(key: &AuthKey, body: &[u8]) -> Vec<u8> {
    let pad = 12 + (16 - (4 + body.len() + 12) % 16) % 16;
    forge(key, body, body.len() as u32, pad)
}

/// A payload from the acceptor (B, x = 8) with a well-formed envelope.
pub fn from_b(key: &AuthKey, body: &[u8]) -> Vec<u8> {
    let pad = 12 + (16 - (4 + body.len() + 12) % 16) % 16;
    let mut plain = (body.len() as u32).to_le_bytes().to_vec();
    plain.extend_from_slice(body);
    plain.extend(std::iter::repeat_n(0x44, pad));
    let mk = msg_key_for(key, Side::CHAT_ACCEPTOR, &plain);
    let k = derive_aes_key_iv(key, &mk, Side::CHAT_ACCEPTOR);
    aes_ige_encrypt(&mut plain, &k.key, &k.iv).unwrap();
    let mut out = key_fingerprint(key).to_le_bytes().to_vec();
    out.extend_from_slice(&mk);
    out.extend_from_slice(&plain);
    out
}

pub fn service(action: enums::DecryptedMessageAction) -> enums::DecryptedMessage {
    types::DecryptedMessageService {
        random_id: 5,
        action,
    }
    .into()
}

/// A's messages as B would read them (decrypted with the chat key, creator side).
pub fn read_a(p: &Pair, data: &[u8]) -> types::DecryptedMessageLayer {
    let plain =
        mtproto_wasm::secret::envelope::decrypt(p.b.chat.key(), Side::CHAT_CREATOR, data).unwrap();
    types::DecryptedMessageLayer::from_bytes(&plain).unwrap()
}

/// B's messages as A would read them (decrypted with A's current key, acceptor side).
pub fn read_b(p: &Pair, data: &[u8]) -> types::DecryptedMessageLayer {
    let plain =
        mtproto_wasm::secret::envelope::decrypt(p.a.chat.key(), Side::CHAT_ACCEPTOR, data).unwrap();
    types::DecryptedMessageLayer::from_bytes(&plain).unwrap()
}

/// The action of a decryptedMessageService, if `l` holds one.
pub fn action_of(l: &types::DecryptedMessageLayer) -> Option<&enums::DecryptedMessageAction> {
    match &l.message {
        enums::DecryptedMessage::DecryptedMessageService(s) => Some(&s.action),
        _ => None,
    }
}

pub fn sent(out: &[ChatOutput]) -> Vec<Vec<u8>> {
    out.iter()
        .filter_map(|o| {
            if let ChatOutput::Send { data, .. } = o {
                Some(data.clone())
            } else {
                None
            }
        })
        .collect()
}
