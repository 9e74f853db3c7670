//! `Transport`: the MTProto transport codec for JavaScript.
//!
//! ```js
//! const t = new Transport({ framing: 'padded', obfuscated: true, dcId: 2, testMode: false,
//!                           media: false, secret: 'dd0123456789abcdef0123456789abcdef' });
//! ws.send(t.header());                 // first, once
//! ws.send(t.pack(packet));             // packet.length % 4 === 0
//! for (const frame of t.unpack(chunk)) handle(frame);   // Uint8Array[]
//! for (const token of t.takeQuickAcks()) ackReceived(token);
//! ```
//!
//! Quick acks are not mixed with frames: `unpack` queues their tokens, `takeQuickAcks()`
//! drains them. Bad arguments throw an `Error` and leave the object usable. A decode error
//! (bad frame, or a server transport error like -404, whose message names the code) throws
//! and closes the transport: `closed` becomes true and every later call throws; open a
//! new connection. Frames decoded before the error in the same chunk are returned first;
//! the error is thrown by the next call.

use crate::crypto::OsRandom;
use crate::transport::{Framing, Incoming, TransportCodec, TransportConfig};
use js_sys::{Array, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;

/// An MTProto transport (framing + optional obfuscation) for one connection, client side.
#[wasm_bindgen]
pub struct Transport {
    codec: TransportCodec,
    quick_acks: Vec<u32>,
}

#[wasm_bindgen]
impl Transport {
    /// Options: `framing` ('abridged' | 'intermediate' | 'padded' | 'full', default
    /// 'intermediate'), `obfuscated` (boolean, default false), `dcId` (1..9999, required
    /// when obfuscated), `testMode`, `media` (booleans), `secret` (MTProxy secret as a
    /// Uint8Array or hex string; implies obfuscation, 0xdd forces 'padded'),
    /// `maxFrameLength` (bytes, default 16 MiB).
    #[wasm_bindgen(constructor)]
    pub fn new(options: JsValue) -> Result<Transport, JsError> {
        if !options.is_object() {
            return Err(err("options must be an object"));
        }
        let framing = match field(&options, "framing")? {
            None => Framing::Intermediate,
            Some(v) => match v.as_string().as_deref() {
                Some("abridged") => Framing::Abridged,
                Some("intermediate") => Framing::Intermediate,
                Some("padded") => Framing::PaddedIntermediate,
                Some("full") => Framing::Full,
                _ => {
                    return Err(err(
                        "framing must be 'abridged', 'intermediate', 'padded' or 'full'",
                    ));
                }
            },
        };
        let mut config = TransportConfig::new(framing);
        config.obfuscated = bool_field(&options, "obfuscated")?;
        let test = bool_field(&options, "testMode")?;
        let media = bool_field(&options, "media")?;
        config.secret = match field(&options, "secret")? {
            None => None,
            Some(v) => Some(secret(&v)?),
        };
        let needs_dc = config.obfuscated || config.secret.is_some();
        config.dc_id = match field(&options, "dcId")? {
            None if needs_dc => return Err(err("dcId is required when obfuscated")),
            None => 0,
            Some(v) => {
                let dc = v
                    .as_f64()
                    .filter(|n| n.fract() == 0.0 && (1.0..=9999.0).contains(n))
                    .ok_or_else(|| err("dcId must be an integer in 1..9999"))?;
                TransportConfig::encode_dc_id(dc as u16, test, media)
                    .map_err(|e| err(&e.to_string()))?
            }
        };
        if let Some(v) = field(&options, "maxFrameLength")? {
            let n = v
                .as_f64()
                .filter(|n| n.fract() == 0.0 && (4.0..=2_147_483_632.0).contains(n))
                .ok_or_else(|| err("maxFrameLength must be an integer in 4..2147483632"))?;
            config.max_frame_len = n as usize;
        }
        let codec = TransportCodec::new(&config, &mut OsRandom).map_err(|e| err(&e.to_string()))?;
        Ok(Transport {
            codec,
            quick_acks: Vec::new(),
        })
    }

    /// The bytes to send before anything else (tag, 64-byte obfuscation header, or empty).
    pub fn header(&self) -> Vec<u8> {
        self.codec.header()
    }

    /// Frames (and encrypts, when obfuscated) one MTProto packet; its length must be a
    /// multiple of 4.
    pub fn pack(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "Uint8Array")] payload: &JsValue,
    ) -> Result<Vec<u8>, JsError> {
        let payload = super::args::bytes("payload", payload)?;
        self.codec
            .pack(&payload, &mut OsRandom)
            .map_err(|e| err(&e.to_string()))
    }

    /// Like `pack`, asking the server for a quick ack (with 'full', which has no quick
    /// ack, the same as `pack`).
    #[wasm_bindgen(js_name = packWithQuickAck)]
    pub fn pack_with_quick_ack(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "Uint8Array")] payload: &JsValue,
    ) -> Result<Vec<u8>, JsError> {
        let payload = super::args::bytes("payload", payload)?;
        self.codec
            .pack_requesting_quick_ack(&payload, &mut OsRandom)
            .map_err(|e| err(&e.to_string()))
    }

    /// Takes received bytes; returns the complete packets (`Uint8Array[]`), possibly empty.
    pub fn unpack(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "Uint8Array")] chunk: &JsValue,
    ) -> Result<Array, JsError> {
        let chunk = super::args::bytes("chunk", chunk)?;
        let items = self.codec.unpack(&chunk).map_err(|e| err(&e.to_string()))?;
        let frames = Array::new();
        for item in items {
            match item {
                Incoming::Frame { payload, .. } => {
                    frames.push(&Uint8Array::from(payload.as_slice()));
                }
                Incoming::QuickAck(token) => self.quick_acks.push(token),
            }
        }
        Ok(frames)
    }

    /// The quick-ack tokens received since the last call (`Uint32Array`).
    #[wasm_bindgen(js_name = takeQuickAcks)]
    pub fn take_quick_acks(&mut self) -> Vec<u32> {
        core::mem::take(&mut self.quick_acks)
    }

    /// True once a decode error closed the transport.
    #[wasm_bindgen(getter)]
    pub fn closed(&self) -> bool {
        self.codec.is_closed()
    }
}

fn err(msg: &str) -> JsError {
    JsError::new(&format!("Transport: {msg}"))
}

/// `options[name]`, with `undefined` and `null` as absent.
fn field(options: &JsValue, name: &'static str) -> Result<Option<JsValue>, JsError> {
    let v = Reflect::get(options, &JsValue::from_str(wasm_bindgen::intern(name)))
        .map_err(|_| err(&format!("cannot read {name}")))?;
    Ok(if v.is_undefined() || v.is_null() {
        None
    } else {
        Some(v)
    })
}

fn bool_field(options: &JsValue, name: &'static str) -> Result<bool, JsError> {
    match field(options, name)? {
        None => Ok(false),
        Some(v) => v
            .as_bool()
            .ok_or_else(|| err(&format!("{name} must be a boolean"))),
    }
}

/// A secret given as a Uint8Array or a hex string.
fn secret(v: &JsValue) -> Result<Vec<u8>, JsError> {
    if let Some(bytes) =
        super::imports::bytes_of(v, false).map_err(|e| err(&format!("secret: {e}")))?
    {
        return Ok(bytes);
    }
    let s = v
        .as_string()
        .ok_or_else(|| err("secret must be a Uint8Array or a hex string"))?;
    let digits: Option<Vec<u8>> = s.chars().map(|c| c.to_digit(16).map(|d| d as u8)).collect();
    match digits {
        Some(d) if d.len() % 2 == 0 => Ok(d
            .chunks_exact(2)
            .map(|p| p.iter().fold(0u8, |acc, &x| (acc << 4) | x))
            .collect()),
        _ => Err(err("secret must be an even number of hex digits")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transport::{AcceptConfig, TransportCodec};
    use js_sys::Object;
    use wasm_bindgen_test::wasm_bindgen_test;

    fn js_bytes(b: &[u8]) -> JsValue {
        Uint8Array::from(b).into()
    }

    wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

    fn options(pairs: &[(&str, JsValue)]) -> JsValue {
        let o = Object::new();
        for (k, v) in pairs {
            Reflect::set(&o, &JsValue::from_str(k), v).unwrap();
        }
        o.into()
    }

    fn message(e: JsError) -> String {
        let v = JsValue::from(e);
        Reflect::get(&v, &JsValue::from_str("message"))
            .unwrap()
            .as_string()
            .unwrap()
    }

    #[wasm_bindgen_test]
    fn bad_options_throw() {
        let cases = [
            (JsValue::from_str("abridged"), "options must be an object"),
            (options(&[("framing", "tcp".into())]), "framing must be"),
            (
                options(&[("obfuscated", 1.into())]),
                "obfuscated must be a boolean",
            ),
            (options(&[("obfuscated", true.into())]), "dcId is required"),
            (
                options(&[("obfuscated", true.into()), ("dcId", 2.5.into())]),
                "dcId must be",
            ),
            (
                options(&[("secret", "abc".into()), ("dcId", 2.into())]),
                "hex digits",
            ),
            (
                options(&[("secret", "00".into()), ("dcId", 2.into())]),
                "MTProxy secret",
            ),
            (
                options(&[
                    ("framing", "full".into()),
                    ("obfuscated", true.into()),
                    ("dcId", 2.into()),
                ]),
                "full",
            ),
        ];
        for (opts, want) in cases {
            let got = message(Transport::new(opts).err().unwrap());
            assert!(got.contains(want), "{got} / {want}");
        }
    }

    #[wasm_bindgen_test]
    fn round_trip_through_a_server_codec() {
        let secret = "dd00112233445566778899aabbccddeeff";
        let opts = options(&[
            ("secret", secret.into()),
            ("dcId", 2.into()),
            ("testMode", true.into()),
        ]);
        let mut t = Transport::new(opts).unwrap();
        let mut dd = vec![0xdd];
        dd.extend([
            0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd,
            0xee, 0xff,
        ]);
        let acc = AcceptConfig {
            secret: Some(dd),
            ..AcceptConfig::default()
        };
        let mut s = TransportCodec::accept(&t.header(), &acc).unwrap().unwrap();
        assert_eq!(s.dc_id(), 10002);
        assert!(message(t.pack(&js_bytes(&[1, 2, 3])).err().unwrap()).contains("multiple of 4"));
        let up = t.pack_with_quick_ack(&js_bytes(&[7; 24])).unwrap();
        assert!(matches!(
            &s.unpack(&up).unwrap()[..],
            [Incoming::Frame {
                quick_ack: true,
                ..
            }]
        ));
        let mut down = s.pack(&[9; 24], &mut OsRandom).unwrap();
        down.extend(s.pack_quick_ack(5, &mut OsRandom).unwrap());
        let frames = t.unpack(&js_bytes(&down)).unwrap();
        assert_eq!(frames.length(), 1);
        assert_eq!(Uint8Array::new(&frames.get(0)).to_vec()[..24], [9; 24]);
        assert_eq!(t.take_quick_acks(), [0x8000_0005]);
        let e = s.pack_transport_error(-429, &mut OsRandom).unwrap();
        assert!(message(t.unpack(&js_bytes(&e)).err().unwrap()).contains("-429 (transport flood)"));
        assert!(t.closed());
        assert!(message(t.unpack(&js_bytes(&[])).err().unwrap()).contains("closed"));
    }
}
