//! Known answers for secret chats. The expected values were computed independently with
//! Python's hashlib (sha1/sha256/md5 over the same fixed bytes), not with this crate:
//!   key = bytes(range(256)); fp = int.from_bytes(sha1(key)[12:20], 'little', signed=True)
//!   vis = sha1(key)[:16] + sha256(key)[:20]
//!   file: d = md5(bytes(range(32)) + bytes(range(32, 64)));
//!         fp = int32le(d[0:4]) ^ int32le(d[4:8])
//!   msg_key / aes key / iv: the MTProto 2.0 formulas with x = 0 and x = 8 over
//!   plaintext b"secret chat kat!" * 2.

use mtproto_wasm::crypto::{AuthKey, Side, derive_aes_key_iv, msg_key_for};
use mtproto_wasm::secret::keys::to_hex;
use mtproto_wasm::secret::{FileKey, key_fingerprint, visualization_grid, visualization_hash};

fn key() -> AuthKey {
    AuthKey::from_bytes(&(0..=255u8).collect::<Vec<_>>()).unwrap()
}

#[test]
fn key_fingerprint_kat() {
    assert_eq!(key_fingerprint(&key()), -3972359982579920590);
}

#[test]
fn visualization_kat() {
    let h = visualization_hash(&key());
    assert_eq!(
        to_hex(&h),
        "4916d6bdb7f78e6803698cab32d1586e40aff2e9d2d8922e47afd4648e6967497158785f"
    );
    let g = visualization_grid(&h);
    assert_eq!(g[0], [1, 2, 0, 1, 2, 1, 1, 0, 2, 1, 1, 3]);
    assert_eq!(g[11], [0, 2, 1, 1, 0, 2, 3, 1, 3, 3, 1, 1]);
}

#[test]
fn file_fingerprint_kat() {
    let k = FileKey::from_parts(
        &(0..32u8).collect::<Vec<_>>(),
        &(32..64u8).collect::<Vec<_>>(),
    )
    .unwrap();
    assert_eq!(k.fingerprint(), -217561997);
}

#[test]
fn message_key_derivation_both_sides_kat() {
    let pt = b"secret chat kat!secret chat kat!";
    let cases = [
        (
            Side::CHAT_CREATOR,
            "a2f20d14a26c86eee1b128a18b007bad",
            "c7e66a95bf1091d7bd6face0d4e0031d81bd1d7041d04dd9b961e4b8e43a9446",
            "436307f467ae473137dfcf436b96464200575c3fea49aca8bf9029e05e48bc54",
        ),
        (
            Side::CHAT_ACCEPTOR,
            "27707aab3ef160b774370b50703bcb45",
            "670b0c8571c5573e8b4d8a17e9cf9a6519e479be0b5af8c52fa7af9f91bf38dd",
            "1e431cf85b11bc48a7edda69916d55bcd0a609813a3f95bb10a02dbdb0ce557b",
        ),
    ];
    for (side, mk, k, iv) in cases {
        let m = msg_key_for(&key(), side, pt);
        assert_eq!(to_hex(&m), mk);
        let keys = derive_aes_key_iv(&key(), &m, side);
        assert_eq!(to_hex(&keys.key), k);
        assert_eq!(to_hex(&keys.iv), iv);
    }
}
