//! The API objects the test DC answers with, as dynamic `tl::Value`s (layer 223), and the
//! small compatibility shim for clients on a newer layer.

use mtproto_wasm::tl::{Object, Value};

use super::state::User;

/// Our layer's `user` constructor id (layer 223).
pub const USER_ID_223: u32 = 0x3177_4388;
/// `user` in layer 229 (Telethon 1.45): the same wire format for the fields we fill, only
/// the constructor id differs.
pub const USER_ID_229: u32 = 0xb1b8_cc83;

/// `config` for layer 223: every non-optional field, this DC as the only DC option.
pub fn config(now: i64, dc_id: i32, port: u16) -> Value {
    let now32 = i32::try_from(now).unwrap_or(i32::MAX);
    let dc_option = |id: i32| {
        Value::Object(
            Object::new("dcOption")
                .with("id", id)
                .with("ip_address", "127.0.0.1")
                .with("port", i32::from(port)),
        )
    };
    let int = |o: Object, name: &str, v: i32| o.with(name, v);
    let mut o = Object::new("config")
        .with("date", now32)
        .with("expires", now32.saturating_add(3600))
        .with("test_mode", Value::Bool(true))
        .with("this_dc", dc_id)
        .with("dc_options", Value::Vector(vec![dc_option(dc_id)]))
        .with("dc_txt_domain_name", "localhost");
    for (name, v) in [
        ("chat_size_max", 200),
        ("megagroup_size_max", 200_000),
        ("forwarded_count_max", 100),
        ("online_update_period_ms", 210_000),
        ("offline_blur_timeout_ms", 5_000),
        ("offline_idle_timeout_ms", 30_000),
        ("online_cloud_timeout_ms", 300_000),
        ("notify_cloud_delay_ms", 30_000),
        ("notify_default_delay_ms", 1_500),
        ("push_chat_period_ms", 60_000),
        ("push_chat_limit", 2),
        ("edit_time_limit", 172_800),
        ("revoke_time_limit", i32::MAX),
        ("revoke_pm_time_limit", i32::MAX),
        ("rating_e_decay", 2_419_200),
        ("stickers_recent_limit", 200),
        ("channels_read_media_period", 604_800),
        ("call_receive_timeout_ms", 20_000),
        ("call_ring_timeout_ms", 90_000),
        ("call_connect_timeout_ms", 30_000),
        ("call_packet_timeout_ms", 10_000),
    ] {
        o = int(o, name, v);
    }
    o = o.with("me_url_prefix", "https://t.me/");
    for (name, v) in [
        ("caption_length_max", 1024),
        ("message_length_max", 4096),
        ("webfile_dc_id", dc_id),
    ] {
        o = int(o, name, v);
    }
    Value::Object(o)
}

/// A `user` object; `is_self` sets the `self` flag.
pub fn user(u: &User, is_self: bool) -> Value {
    let mut o = Object::new("user");
    if is_self {
        o = o.with("self", true);
    }
    Value::Object(
        o.with("id", u.id)
            .with("access_hash", u.access_hash)
            .with("first_name", u.first_name.as_str())
            .with("last_name", u.last_name.as_str())
            .with("username", u.username.as_str())
            .with("phone", u.phone.as_str())
            .with("status", Object::new("userStatusEmpty")),
    )
}

/// `userFull` with the required fields only.
pub fn user_full(u: &User) -> Value {
    Value::Object(
        Object::new("userFull")
            .with("id", u.id)
            .with("settings", Object::new("peerSettings"))
            .with("notify_settings", Object::new("peerNotifySettings"))
            .with("common_chats_count", 0),
    )
}

/// For clients on layer 229 (Telethon 1.45): rewrites the constructor id of every encoded
/// `user` of `users` found in `out`. Each user's encoding is long and holds its random
/// access_hash, so a match is that user. Other layers are left as they are.
pub fn patch_users(out: &mut [u8], users: &[Value], layer: Option<i32>) {
    if !matches!(layer, Some(l) if l >= 224) {
        return;
    }
    for u in users {
        let Ok(enc) = mtproto_wasm::tl::encode_value(u) else {
            continue;
        };
        if enc.len() < 16 {
            continue;
        }
        let Some(pos) = out.windows(enc.len()).position(|w| w == enc.as_slice()) else {
            continue;
        };
        if let Some(head) = out.get_mut(pos..pos + 4) {
            head.copy_from_slice(&USER_ID_229.to_le_bytes());
        }
    }
}

/// A boxed `Vector<T>` of already encoded boxed items.
pub fn vector_bytes(items: &[Vec<u8>]) -> Vec<u8> {
    let mut out = 0x1cb5_c415_u32.to_le_bytes().to_vec();
    out.extend_from_slice(&u32::try_from(items.len()).unwrap_or(0).to_le_bytes());
    for i in items {
        out.extend_from_slice(i);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use mtproto_wasm::tl::{decode_value, encode_value};

    #[test]
    fn config_encodes_and_decodes() {
        let v = config(1_700_000_000, 2, 443);
        let bytes = encode_value(&v).unwrap();
        assert_eq!(&bytes[..4], &0xcc1a_241e_u32.to_le_bytes());
        // Decoding spells out the absent flags as `false`; the bytes round-trip.
        let decoded = decode_value(&bytes).unwrap();
        assert_eq!(encode_value(&decoded).unwrap(), bytes);
        assert_eq!(
            decoded.as_object().unwrap().get("this_dc"),
            Some(&Value::Int(2))
        );
    }

    #[test]
    fn user_objects_encode() {
        let u = User {
            id: 1_000_001,
            access_hash: 42,
            phone: "9996612345".into(),
            first_name: "A".into(),
            last_name: "B".into(),
            username: "user1000001".into(),
        };
        let enc = encode_value(&user(&u, true)).unwrap();
        assert_eq!(&enc[..4], &USER_ID_223.to_le_bytes());
        let mut patched = enc.clone();
        patch_users(&mut patched, &[user(&u, true)], Some(229));
        assert_eq!(&patched[..4], &USER_ID_229.to_le_bytes());
        assert_eq!(patched[4..], enc[4..]);
        encode_value(&user_full(&u)).unwrap();
    }
}
