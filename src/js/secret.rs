//! JavaScript surface of secret chats: verified DH parameters (`SecretDh`), our pending
//! request (`SecretRequest`), accepting one (`acceptSecretChat`), a ready chat
//! (`SecretChatCore`), and encrypted files. `js/secret.js` builds `client.secretChats` on
//! these; the protocol logic lives in `crate::secret`.
//!
//! Outputs of a chat are arrays of plain objects:
//! `{ type: 'send', randomId: bigint, data: Uint8Array, service: boolean }`,
//! `{ type: 'message', message: { _: 'decryptedMessage', ... } }`,
//! `{ type: 'keyChanged', fingerprint: bigint }`,
//! `{ type: 'closed', reason: 'local' | 'remote' | <violation>, discard: boolean }`.

use js_sys::{Array, BigInt, Object, Uint8Array};
use wasm_bindgen::prelude::*;
use zeroize::Zeroizing;

use super::args::{bytes, error};
use super::client::set;
use super::value::{from_js, to_js};
use crate::crypto::{DhParams, DhPrimeCache, OsRandom};
use crate::secret::keys::to_hex;
use crate::secret::{self, ChatInfo, ChatOutput, CloseReason, FileKey};
use crate::tl::secret::enums::DecryptedMessage;
use crate::tl::{self, Deserializable, Serializable};

fn i64_arg(name: &str, v: &JsValue) -> Result<i64, JsError> {
    if let Some(n) = v.as_f64() {
        if n.fract() == 0.0 && n.abs() <= 9_007_199_254_740_991.0 {
            return Ok(n as i64);
        }
    } else if v.is_bigint() {
        return i64::try_from(v.clone())
            .map_err(|_| JsError::new(&format!("{name} must fit a signed 64-bit integer")));
    }
    Err(JsError::new(&format!(
        "{name} must be an integer or a bigint"
    )))
}

fn now_arg(now_sec: f64) -> i64 {
    if now_sec.is_finite() {
        now_sec as i64
    } else {
        0
    }
}

/// Verified p and g of messages.getDhConfig.
#[wasm_bindgen]
pub struct SecretDh {
    params: DhParams,
}

#[wasm_bindgen]
impl SecretDh {
    /// Checks p (256 bytes, a safe prime) and g (2..7 with its condition); throws if bad.
    #[wasm_bindgen(constructor)]
    pub fn new(p: JsValue, g: u32) -> Result<SecretDh, JsError> {
        let p = bytes("p", &p)?;
        let params = DH_PRIME_CACHE
            .with(|c| DhParams::verify(&p, g, &mut OsRandom, &mut c.borrow_mut()))
            .map_err(error)?;
        Ok(Self { params })
    }
}

thread_local! {
    /// The dh_prime verdicts of this wasm instance (public primes only, bounded): every
    /// messages.getDhConfig answer of every chat after the first costs no primality test.
    static DH_PRIME_CACHE: core::cell::RefCell<DhPrimeCache> =
        core::cell::RefCell::new(DhPrimeCache::new());
}

/// Our request to start a chat, until the peer accepts.
#[wasm_bindgen]
pub struct SecretRequest {
    inner: Option<secret::OutgoingRequest>,
}

#[wasm_bindgen]
impl SecretRequest {
    /// A new request; `serverRandom` is messages.dhConfig.random (XOR-mixed in).
    #[wasm_bindgen(constructor)]
    pub fn new(dh: &SecretDh, server_random: JsValue) -> Result<SecretRequest, JsError> {
        let random = bytes("serverRandom", &server_random)?;
        let inner =
            secret::OutgoingRequest::new(&dh.params, &random, &mut OsRandom).map_err(error)?;
        Ok(Self { inner: Some(inner) })
    }

    /// A waiting request restored from `exponent` (for reloads).
    #[wasm_bindgen(js_name = fromExponent)]
    pub fn from_exponent(dh: &SecretDh, exponent: JsValue) -> Result<SecretRequest, JsError> {
        let e = bytes("exponent", &exponent)?;
        Ok(Self {
            inner: Some(secret::OutgoingRequest::from_exponent(&dh.params, &e)),
        })
    }

    /// g_a for messages.requestEncryption.
    #[wasm_bindgen(getter, js_name = gA)]
    pub fn g_a(&self) -> Vec<u8> {
        self.inner
            .as_ref()
            .map(|r| r.g_a().to_vec())
            .unwrap_or_default()
    }

    /// The secret exponent, to store with the app's chat state.
    #[wasm_bindgen(getter)]
    pub fn exponent(&self) -> Vec<u8> {
        self.inner
            .as_ref()
            .map(|r| r.exponent().to_vec())
            .unwrap_or_default()
    }

    /// The peer accepted (encryptedChat): checks the fingerprint and gives the chat. Usable
    /// once.
    #[allow(clippy::too_many_arguments)]
    pub fn complete(
        &mut self,
        dh: &SecretDh,
        chat_id: i32,
        access_hash: JsValue,
        peer_id: JsValue,
        g_b: JsValue,
        fingerprint: JsValue,
        now_sec: f64,
    ) -> Result<SecretChatCore, JsError> {
        let req = self
            .inner
            .take()
            .ok_or_else(|| JsError::new("request already completed"))?;
        let info = ChatInfo {
            id: chat_id,
            access_hash: i64_arg("accessHash", &access_hash)?,
            creator: true,
            peer_id: i64_arg("peerId", &peer_id)?,
        };
        let g_b = bytes("gB", &g_b)?;
        let fp = i64_arg("fingerprint", &fingerprint)?;
        let chat = req
            .complete(&dh.params, info, &g_b, fp, now_arg(now_sec))
            .map_err(error)?;
        Ok(SecretChatCore { chat })
    }
}

/// Accepts encryptedChatRequested: `{ chat, gB, fingerprint }` for messages.acceptEncryption.
#[wasm_bindgen(js_name = acceptSecretChat)]
pub fn accept_secret_chat(
    dh: &SecretDh,
    chat_id: i32,
    access_hash: JsValue,
    peer_id: JsValue,
    g_a: JsValue,
    server_random: JsValue,
    now_sec: f64,
) -> Result<Object, JsError> {
    let info = ChatInfo {
        id: chat_id,
        access_hash: i64_arg("accessHash", &access_hash)?,
        creator: false,
        peer_id: i64_arg("peerId", &peer_id)?,
    };
    let g_a = bytes("gA", &g_a)?;
    let random = bytes("serverRandom", &server_random)?;
    let (chat, g_b, fp) = secret::accept_request(
        &dh.params,
        info,
        &g_a,
        &random,
        &mut OsRandom,
        now_arg(now_sec),
    )
    .map_err(error)?;
    let o = Object::new();
    set(&o, "chat", SecretChatCore { chat }.into());
    set(&o, "gB", Uint8Array::from(&g_b[..]).into());
    set(&o, "fingerprint", BigInt::from(fp).into());
    Ok(o)
}

/// A ready secret chat (sans-IO): feed it payloads, send messages, take outputs.
#[wasm_bindgen]
pub struct SecretChatCore {
    chat: secret::SecretChat,
}

fn message_to_js(m: &DecryptedMessage) -> Result<JsValue, JsError> {
    let v = tl::decode_value(&m.to_bytes()).map_err(error)?;
    Ok(to_js(&v))
}

fn outputs(outs: Vec<ChatOutput>) -> Result<Array, JsError> {
    let arr = Array::new();
    for o in outs {
        let obj = Object::new();
        match o {
            ChatOutput::Send {
                random_id,
                data,
                service,
            } => {
                set(&obj, "type", "send".into());
                set(&obj, "randomId", BigInt::from(random_id).into());
                set(&obj, "data", Uint8Array::from(&data[..]).into());
                set(&obj, "service", service.into());
            }
            ChatOutput::Message(m) => {
                set(&obj, "type", "message".into());
                set(&obj, "message", message_to_js(&m)?);
            }
            ChatOutput::KeyChanged { fingerprint } => {
                set(&obj, "type", "keyChanged".into());
                set(&obj, "fingerprint", BigInt::from(fingerprint).into());
            }
            ChatOutput::Closed { reason, discard } => {
                set(&obj, "type", "closed".into());
                let r = match reason {
                    CloseReason::Local => "local".to_string(),
                    CloseReason::Remote => "remote".to_string(),
                    CloseReason::Violation(e) => e.to_string(),
                };
                set(&obj, "reason", r.into());
                set(&obj, "discard", discard.into());
            }
        }
        arr.push(&obj);
    }
    Ok(arr)
}

#[wasm_bindgen]
impl SecretChatCore {
    /// A chat from `snapshot()` bytes.
    pub fn restore(snapshot: JsValue, dh: &SecretDh) -> Result<SecretChatCore, JsError> {
        // The copy in wasm memory holds the keys: wiped once restored.
        let b = Zeroizing::new(bytes("snapshot", &snapshot)?);
        Ok(Self {
            chat: secret::SecretChat::restore(&b, &dh.params).map_err(error)?,
        })
    }

    /// The whole state as bytes (holds the keys). Copied straight from the wiped-on-drop
    /// buffer into the JS array: no unwiped copy stays in wasm memory.
    pub fn snapshot(&self) -> Uint8Array {
        Uint8Array::from(&self.chat.snapshot()[..])
    }

    /// Sends a text message; returns outputs.
    #[wasm_bindgen(js_name = sendText)]
    pub fn send_text(&mut self, text: &str, dh: &SecretDh, now_sec: f64) -> Result<Array, JsError> {
        outputs(
            self.chat
                .send_text(text, &dh.params, &mut OsRandom, now_arg(now_sec))
                .map_err(error)?,
        )
    }

    /// Sends a decryptedMessage / decryptedMessageService object; returns outputs.
    pub fn send(
        &mut self,
        message: JsValue,
        dh: &SecretDh,
        now_sec: f64,
    ) -> Result<Array, JsError> {
        let v = from_js(&message).map_err(|e| JsError::new(&e))?;
        let bytes = tl::encode_value(&v).map_err(error)?;
        let m = DecryptedMessage::from_bytes(&bytes).map_err(error)?;
        outputs(
            self.chat
                .send(m, &dh.params, &mut OsRandom, now_arg(now_sec))
                .map_err(error)?,
        )
    }

    /// Handles the `bytes` of an encryptedMessage; throws for a message that fails a check
    /// (the chat goes on).
    pub fn receive(
        &mut self,
        data: JsValue,
        dh: &SecretDh,
        now_sec: f64,
    ) -> Result<Array, JsError> {
        let d = bytes("data", &data)?;
        outputs(
            self.chat
                .receive(&d, &dh.params, &mut OsRandom, now_arg(now_sec))
                .map_err(error)?,
        )
    }

    /// Announces our layer (decryptedMessageActionNotifyLayer); call once the chat is ready.
    #[wasm_bindgen(js_name = notifyLayer)]
    pub fn notify_layer(&mut self) -> Result<Array, JsError> {
        outputs(self.chat.notify_layer(&mut OsRandom).map_err(error)?)
    }

    /// Asks the peer again for the messages missing before the queued ones (call on a timer
    /// while `queued > 0`: the first resend request, or its answer, may have been lost).
    #[wasm_bindgen(js_name = requestMissing)]
    pub fn request_missing(&mut self) -> Result<Array, JsError> {
        outputs(self.chat.request_missing(&mut OsRandom).map_err(error)?)
    }

    /// Starts a key rotation now (also done by itself after 100 messages or a week); a
    /// no-op while one is under way.
    #[wasm_bindgen(js_name = startRekey)]
    pub fn start_rekey(&mut self, dh: &SecretDh) -> Result<Array, JsError> {
        let mut out = Vec::new();
        self.chat
            .start_rekey(&dh.params, &mut OsRandom, &mut out)
            .map_err(error)?;
        outputs(out)
    }

    /// Closes from our side (then call messages.discardEncryption).
    pub fn close(&mut self) -> Result<Array, JsError> {
        outputs(self.chat.close())
    }

    /// The peer or server discarded the chat.
    pub fn discarded(&mut self) -> Result<Array, JsError> {
        outputs(self.chat.discarded())
    }

    /// Chat id.
    #[wasm_bindgen(getter)]
    pub fn id(&self) -> i32 {
        self.chat.info().id
    }
    /// access_hash.
    #[wasm_bindgen(getter, js_name = accessHash)]
    pub fn access_hash(&self) -> BigInt {
        BigInt::from(self.chat.info().access_hash)
    }
    /// The other user.
    #[wasm_bindgen(getter, js_name = peerId)]
    pub fn peer_id(&self) -> BigInt {
        BigInt::from(self.chat.info().peer_id)
    }
    /// Whether we created the chat.
    #[wasm_bindgen(getter)]
    pub fn creator(&self) -> bool {
        self.chat.info().creator
    }
    /// The layer we send at.
    #[wasm_bindgen(getter)]
    pub fn layer(&self) -> i32 {
        self.chat.layer()
    }
    /// The current key's fingerprint.
    #[wasm_bindgen(getter)]
    pub fn fingerprint(&self) -> BigInt {
        BigInt::from(self.chat.fingerprint())
    }
    /// Whether the chat ended.
    #[wasm_bindgen(getter)]
    pub fn closed(&self) -> bool {
        self.chat.is_closed()
    }
    /// Message TTL in seconds.
    #[wasm_bindgen(getter)]
    pub fn ttl(&self) -> i32 {
        self.chat.ttl()
    }
    /// Out-of-order messages waiting for a resend.
    #[wasm_bindgen(getter)]
    pub fn queued(&self) -> usize {
        self.chat.queued()
    }

    /// `{ hash: Uint8Array(36), hex, grid: number[12][12] (0..3) }`: the key picture of the
    /// chat's original key (unchanged by rotations), or `null` when it is unknown (a chat
    /// restored from a version-1 snapshot taken after a rotation).
    #[wasm_bindgen(js_name = keyVisualization)]
    pub fn key_visualization(&self) -> JsValue {
        let Some(hash) = self.chat.visualization() else {
            return JsValue::NULL;
        };
        let grid = secret::visualization_grid(&hash);
        let rows = Array::new();
        for row in grid {
            let r = Array::new();
            for c in row {
                r.push(&JsValue::from(c));
            }
            rows.push(&r);
        }
        let o = Object::new();
        set(&o, "hash", Uint8Array::from(&hash[..]).into());
        set(&o, "hex", to_hex(&hash).into());
        set(&o, "grid", rows.into());
        o.into()
    }
}

/// Encrypts a file for a secret chat: `{ key, iv, fingerprint, data, md5 }` (`data` padded
/// and encrypted; `md5` of `data` in hex for inputEncryptedFileUploaded).
#[wasm_bindgen(js_name = encryptSecretFile)]
pub fn encrypt_secret_file(data: JsValue) -> Result<Object, JsError> {
    let d = bytes("data", &data)?;
    let k = FileKey::random(&mut OsRandom).map_err(error)?;
    let enc = k.encrypt(&d, &mut OsRandom).map_err(error)?;
    let o = Object::new();
    set(&o, "key", Uint8Array::from(&k.key[..]).into());
    set(&o, "iv", Uint8Array::from(&k.iv[..]).into());
    set(&o, "fingerprint", JsValue::from(k.fingerprint()));
    set(&o, "md5", secret::file::md5_hex(&enc).into());
    set(&o, "data", Uint8Array::from(&enc[..]).into());
    Ok(o)
}

/// Checks `fingerprint` against `key` and `iv`, decrypts, and cuts to `size`.
#[wasm_bindgen(js_name = decryptSecretFile)]
pub fn decrypt_secret_file(
    key: JsValue,
    iv: JsValue,
    fingerprint: i32,
    data: JsValue,
    size: u32,
) -> Result<Vec<u8>, JsError> {
    let (key, iv) = (
        zeroize::Zeroizing::new(bytes("key", &key)?),
        zeroize::Zeroizing::new(bytes("iv", &iv)?),
    );
    let k = FileKey::from_parts(&key, &iv).map_err(error)?;
    k.decrypt(fingerprint, &bytes("data", &data)?, size as usize)
        .map_err(error)
}
