//! The generated typed decoders of the core's own messages (service messages, handshake
//! answers, secret-chat layer) on arbitrary bytes: never panic; what decodes re-encodes to
//! the same bytes it was read from. Each input is fed as bytes, then as a structured TL
//! program (`fuzz/shared/tl_shapes.rs`: nested gzip_packed and containers, huge vector
//! counts, deep objects).
#![no_main]
use libfuzzer_sys::fuzz_target;
use mtproto_wasm::tl::{Deserializable, Serializable, mtproto, secret};

#[path = "../shared/tl_shapes.rs"]
mod tl_shapes;

fn check<T: Deserializable + Serializable>(data: &[u8]) {
    if let Ok(v) = T::from_bytes(data) {
        let again = T::from_bytes(&v.to_bytes()).expect("re-encoded value decodes");
        assert_eq!(again.to_bytes(), v.to_bytes());
    }
}

fuzz_target!(|data: &[u8]| {
    check_all(data);
    check_all(&tl_shapes::build(data));
});

fn check_all(data: &[u8]) {
    check::<mtproto::enums::ResPQ>(data);
    check::<mtproto::enums::ServerDHParams>(data);
    check::<mtproto::enums::ServerDHInnerData>(data);
    check::<mtproto::enums::SetClientDHParamsAnswer>(data);
    check::<mtproto::enums::BadMsgNotification>(data);
    check::<mtproto::enums::MsgsAck>(data);
    check::<mtproto::enums::FutureSalts>(data);
    check::<mtproto::enums::NewSession>(data);
    check::<mtproto::enums::MessageContainer>(data);
    check::<mtproto::enums::RpcResult>(data);
    check::<mtproto::enums::RpcError>(data);
    check::<mtproto::enums::MsgDetailedInfo>(data);
    check::<mtproto::enums::MsgResendReq>(data);
    check::<secret::enums::DecryptedMessageLayer>(data);
    check::<secret::enums::DecryptedMessage>(data);
}
