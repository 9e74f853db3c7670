//! A minimal RFC 6455 WebSocket server codec, sans-IO: the opening handshake's accept key,
//! a frame decoder for client frames and a frame encoder.
//!
//! Spec: <https://www.rfc-editor.org/rfc/rfc6455> (section 5.2, base framing protocol):
//!
//! ```text
//!  0               1               2               3
//!  0 1 2 3 4 5 6 7 0 1 2 3 4 5 6 7 0 1 2 3 4 5 6 7 0 1 2 3 4 5 6 7
//! +-+-+-+-+-------+-+-------------+-------------------------------+
//! |F|R|R|R| opcode|M| Payload len |    Extended payload length    |
//! |I|S|S|S|  (4)  |A|     (7)     |             (16/64)           |
//! |N|V|V|V|       |S|             |   (if payload len==126/127)   |
//! | |1|2|3|       |K|             |                               |
//! +-+-+-+-+-------+-+-------------+ - - - - - - - - - - - - - - - +
//! |     Extended payload length continued, if payload len == 127  |
//! + - - - - - - - - - - - - - - - +-------------------------------+
//! |                               |Masking-key, if MASK set to 1  |
//! +-------------------------------+-------------------------------+
//! | Masking-key (continued)       |          Payload Data         |
//! +-------------------------------- - - - - - - - - - - - - - - - +
//! ```
//!
//! MTProto over WebSocket is one byte stream (subprotocol `binary`), so the decoder hands
//! out each data frame's payload as soon as the frame is complete; fragmentation only
//! matters for the message-size limit and the opcode rules.

use mtproto_wasm::crypto::sha1;

use crate::encoding::base64_encode;

/// The GUID of RFC 6455 section 1.3.
const GUID: &str = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/// Opcodes (section 5.2).
pub mod opcode {
    /// Continuation frame.
    pub const CONTINUATION: u8 = 0x0;
    /// Text frame.
    pub const TEXT: u8 = 0x1;
    /// Binary frame.
    pub const BINARY: u8 = 0x2;
    /// Connection close.
    pub const CLOSE: u8 = 0x8;
    /// Ping.
    pub const PING: u8 = 0x9;
    /// Pong.
    pub const PONG: u8 = 0xa;
}

/// Close status codes (section 7.4.1).
pub mod close_code {
    /// Normal closure.
    pub const NORMAL: u16 = 1000;
    /// Protocol error.
    pub const PROTOCOL_ERROR: u16 = 1002;
    /// Data the endpoint cannot accept (text, for MTProto).
    pub const UNSUPPORTED_DATA: u16 = 1003;
    /// Policy violation (the protocol handler refused the bytes).
    pub const POLICY_VIOLATION: u16 = 1008;
    /// Message too big.
    pub const MESSAGE_TOO_BIG: u16 = 1009;
}

/// `Sec-WebSocket-Accept` for a `Sec-WebSocket-Key`: base64(SHA1(key ‖ GUID)).
pub fn accept_key(client_key: &str) -> String {
    let mut data = Vec::with_capacity(client_key.len() + GUID.len());
    data.extend_from_slice(client_key.trim().as_bytes());
    data.extend_from_slice(GUID.as_bytes());
    base64_encode(&sha1(&data))
}

/// One thing the client said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WsEvent {
    /// Payload of a binary (or continuation) frame: stream bytes for the handler.
    Data(Vec<u8>),
    /// A ping: answer with a pong carrying the same payload.
    Ping(Vec<u8>),
    /// A pong (ignored).
    Pong,
    /// The client closes (with its status code, if any): answer with a close and stop.
    Close(Option<u16>),
}

/// Why the client's frames are refused: answer with a close frame of [`WsError::close_code`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WsError {
    /// A rule of section 5 is broken (the text says which).
    Protocol(&'static str),
    /// A text frame: MTProto speaks binary only.
    TextNotSupported,
    /// The message would exceed the size limit.
    MessageTooBig,
}

impl WsError {
    /// The close status code to send.
    pub fn close_code(self) -> u16 {
        match self {
            Self::Protocol(_) => close_code::PROTOCOL_ERROR,
            Self::TextNotSupported => close_code::UNSUPPORTED_DATA,
            Self::MessageTooBig => close_code::MESSAGE_TOO_BIG,
        }
    }
}

impl core::fmt::Display for WsError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::Protocol(why) => write!(f, "WebSocket protocol error: {why}"),
            Self::TextNotSupported => f.write_str("WebSocket text frames are not supported"),
            Self::MessageTooBig => f.write_str("WebSocket message exceeds the size limit"),
        }
    }
}

/// Decodes client frames. Feed bytes with [`WsDecoder::feed`], then call
/// [`WsDecoder::poll`] until it returns `Ok(None)`. After an `Err` or a `Close` the decoder
/// must not be used again. It buffers at most one frame (bounded by the message limit).
#[derive(Debug)]
pub struct WsDecoder {
    buf: Vec<u8>,
    /// Bytes at the start of `buf` already decoded (dropped at the next feed, so many small
    /// frames in one read cost linear time).
    consumed: usize,
    max_message: usize,
    /// Bytes of the fragmented data message in progress, if one is.
    in_message: Option<usize>,
}

impl WsDecoder {
    /// A decoder refusing messages longer than `max_message` bytes.
    pub fn new(max_message: usize) -> Self {
        Self {
            buf: Vec::new(),
            consumed: 0,
            max_message,
            in_message: None,
        }
    }

    /// Appends received bytes.
    pub fn feed(&mut self, bytes: &[u8]) {
        self.buf.drain(..self.consumed);
        self.consumed = 0;
        self.buf.extend_from_slice(bytes);
    }

    /// Bytes buffered and not yet decoded.
    pub fn buffered(&self) -> usize {
        self.buf.len() - self.consumed
    }

    /// The next event, `Ok(None)` when more bytes are needed.
    #[must_use = "events carry the client's data and control frames"]
    pub fn poll(&mut self) -> Result<Option<WsEvent>, WsError> {
        let b = &self.buf[self.consumed..];
        if b.len() < 2 {
            return Ok(None);
        }
        let fin = b[0] & 0x80 != 0;
        if b[0] & 0x70 != 0 {
            return Err(WsError::Protocol("reserved bits set without an extension"));
        }
        let op = b[0] & 0x0f;
        if b[1] & 0x80 == 0 {
            return Err(WsError::Protocol("client frames must be masked"));
        }
        let (len, mut pos) = match b[1] & 0x7f {
            126 => {
                if b.len() < 4 {
                    return Ok(None);
                }
                (u64::from(u16::from_be_bytes([b[2], b[3]])), 4)
            }
            127 => {
                if b.len() < 10 {
                    return Ok(None);
                }
                let mut l = [0u8; 8];
                l.copy_from_slice(&b[2..10]);
                let len = u64::from_be_bytes(l);
                if len >> 63 != 0 {
                    return Err(WsError::Protocol("64-bit length with the top bit set"));
                }
                (len, 10)
            }
            short => (u64::from(short), 2),
        };
        let is_control = op & 0x08 != 0;
        if is_control {
            if !matches!(op, opcode::CLOSE | opcode::PING | opcode::PONG) {
                return Err(WsError::Protocol("reserved control opcode"));
            }
            if !fin {
                return Err(WsError::Protocol("fragmented control frame"));
            }
            if len > 125 {
                return Err(WsError::Protocol("control frame payload over 125 bytes"));
            }
        } else {
            match op {
                opcode::TEXT => return Err(WsError::TextNotSupported),
                opcode::BINARY if self.in_message.is_some() => {
                    return Err(WsError::Protocol("new message inside a fragmented one"));
                }
                opcode::CONTINUATION if self.in_message.is_none() => {
                    return Err(WsError::Protocol("continuation without a message"));
                }
                opcode::BINARY | opcode::CONTINUATION => {}
                _ => return Err(WsError::Protocol("reserved data opcode")),
            }
            // Checked before the payload arrives, so a huge announced length costs nothing.
            let so_far = self.in_message.unwrap_or(0) as u64;
            if so_far.saturating_add(len) > self.max_message as u64 {
                return Err(WsError::MessageTooBig);
            }
        }
        let len = len as usize; // <= max_message or <= 125 here
        if b.len() < pos + 4 + len {
            return Ok(None);
        }
        let mask = [b[pos], b[pos + 1], b[pos + 2], b[pos + 3]];
        pos += 4;
        let mut payload: Vec<u8> = b[pos..pos + len].to_vec();
        for (i, byte) in payload.iter_mut().enumerate() {
            *byte ^= mask[i & 3];
        }
        self.consumed += pos + len;
        let event = match op {
            opcode::PING => WsEvent::Ping(payload),
            opcode::PONG => WsEvent::Pong,
            opcode::CLOSE => match payload.len() {
                0 => WsEvent::Close(None),
                1 => return Err(WsError::Protocol("close payload of one byte")),
                _ => WsEvent::Close(Some(u16::from_be_bytes([payload[0], payload[1]]))),
            },
            _ => {
                let total = self.in_message.unwrap_or(0) + len;
                self.in_message = if fin { None } else { Some(total) };
                WsEvent::Data(payload)
            }
        };
        Ok(Some(event))
    }
}

fn frame_header(out: &mut Vec<u8>, opcode: u8, len: usize, masked: bool) {
    out.push(0x80 | opcode);
    let m = if masked { 0x80 } else { 0 };
    if len < 126 {
        out.push(m | len as u8);
    } else if len <= 0xffff {
        out.push(m | 126);
        out.extend_from_slice(&(len as u16).to_be_bytes());
    } else {
        out.push(m | 127);
        out.extend_from_slice(&(len as u64).to_be_bytes());
    }
}

/// A server frame (unmasked, FIN set) appended to `out`.
pub fn encode_frame(out: &mut Vec<u8>, opcode: u8, payload: &[u8]) {
    frame_header(out, opcode, payload.len(), false);
    out.extend_from_slice(payload);
}

/// A client frame (masked with `mask`, FIN set) appended to `out`: for tests and clients.
pub fn encode_client_frame(out: &mut Vec<u8>, opcode: u8, payload: &[u8], mask: [u8; 4]) {
    frame_header(out, opcode, payload.len(), true);
    out.extend_from_slice(&mask);
    out.extend(payload.iter().enumerate().map(|(i, b)| b ^ mask[i & 3]));
}

/// A close frame with a status code.
pub fn close_frame(code: u16) -> Vec<u8> {
    let mut out = Vec::with_capacity(4);
    encode_frame(&mut out, opcode::CLOSE, &code.to_be_bytes());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const MASK: [u8; 4] = [0x37, 0xfa, 0x21, 0x3d];

    fn client(op: u8, fin: bool, payload: &[u8]) -> Vec<u8> {
        let mut v = Vec::new();
        encode_client_frame(&mut v, op, payload, MASK);
        if !fin {
            v[0] &= 0x7f;
        }
        v
    }

    #[test]
    fn rfc6455_accept_key_example() {
        // RFC 6455 section 1.3.
        assert_eq!(
            accept_key("dGhlIHNhbXBsZSBub25jZQ=="),
            "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
        );
    }

    #[test]
    fn rfc6455_masked_hello_example() {
        // RFC 6455 section 5.7: a single-frame masked text message "Hello".
        let frame = [
            0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58,
        ];
        let mut d = WsDecoder::new(100);
        d.feed(&frame);
        assert_eq!(d.poll(), Err(WsError::TextNotSupported));
        // The same as binary decodes to "Hello".
        let mut d = WsDecoder::new(100);
        let mut bin = frame;
        bin[0] = 0x82;
        d.feed(&bin);
        assert_eq!(d.poll(), Ok(Some(WsEvent::Data(b"Hello".to_vec()))));
        assert_eq!(client(opcode::TEXT, true, b"Hello"), frame);
    }

    #[test]
    fn byte_by_byte_and_lengths() {
        for len in [0usize, 1, 125, 126, 127, 65535, 65536, 70000] {
            let payload: Vec<u8> = (0..len).map(|i| i as u8).collect();
            let frame = client(opcode::BINARY, true, &payload);
            let mut d = WsDecoder::new(1 << 20);
            let mut got = None;
            for (i, b) in frame.iter().enumerate() {
                d.feed(&[*b]);
                let ev = d.poll().unwrap();
                if i + 1 < frame.len() && len > 0 {
                    assert_eq!(ev, None);
                } else if ev.is_some() {
                    got = ev;
                }
            }
            assert_eq!(got, Some(WsEvent::Data(payload)));
        }
    }

    #[test]
    fn fragments_control_frames_and_limits() {
        let mut d = WsDecoder::new(10);
        d.feed(&client(opcode::BINARY, false, b"abcd"));
        d.feed(&client(opcode::PING, true, b"hi"));
        d.feed(&client(opcode::CONTINUATION, true, b"efgh"));
        assert_eq!(d.poll(), Ok(Some(WsEvent::Data(b"abcd".to_vec()))));
        assert_eq!(d.poll(), Ok(Some(WsEvent::Ping(b"hi".to_vec()))));
        assert_eq!(d.poll(), Ok(Some(WsEvent::Data(b"efgh".to_vec()))));
        assert_eq!(d.poll(), Ok(None));
        // 6 + 6 > 10 across fragments.
        d.feed(&client(opcode::BINARY, false, b"123456"));
        assert!(matches!(d.poll(), Ok(Some(WsEvent::Data(_)))));
        d.feed(&client(opcode::CONTINUATION, true, b"789012"));
        assert_eq!(d.poll(), Err(WsError::MessageTooBig));
        // A huge announced length is refused from the header alone.
        let mut d = WsDecoder::new(10);
        d.feed(&[0x82, 0xff, 0, 0, 1, 0, 0, 0, 0, 0]);
        assert_eq!(d.poll(), Err(WsError::MessageTooBig));
    }

    #[test]
    fn protocol_errors() {
        let cases: Vec<Vec<u8>> = vec![
            vec![0x82, 0x00],                            // unmasked
            vec![0xc2, 0x80, 0, 0, 0, 0],                // RSV1
            vec![0x83, 0x80, 0, 0, 0, 0],                // reserved data opcode
            vec![0x8b, 0x80, 0, 0, 0, 0],                // reserved control opcode
            vec![0x09, 0x80, 0, 0, 0, 0],                // fragmented ping
            vec![0x89, 0xfe, 0, 126, 0, 0, 0, 0],        // ping of 126 bytes
            vec![0x80, 0x80, 0, 0, 0, 0],                // continuation first
            vec![0x88, 0x81, 0, 0, 0, 0, 1],             // close with one byte
            vec![0x82, 0xff, 0x80, 0, 0, 0, 0, 0, 0, 0], // 64-bit length, top bit
        ];
        for bytes in cases {
            let mut d = WsDecoder::new(1000);
            d.feed(&bytes);
            assert!(
                matches!(d.poll(), Err(WsError::Protocol(_))),
                "{bytes:02x?}"
            );
        }
        let mut d = WsDecoder::new(1000);
        d.feed(&client(opcode::BINARY, false, b"a"));
        d.feed(&client(opcode::BINARY, true, b"b"));
        assert!(d.poll().is_ok());
        assert!(matches!(d.poll(), Err(WsError::Protocol(_))));
    }

    #[test]
    fn close_and_server_frames() {
        let mut d = WsDecoder::new(10);
        d.feed(&client(opcode::CLOSE, true, &1000u16.to_be_bytes()));
        assert_eq!(d.poll(), Ok(Some(WsEvent::Close(Some(1000)))));
        assert_eq!(close_frame(1009), [0x88, 0x02, 0x03, 0xf1]);
        let mut v = Vec::new();
        encode_frame(&mut v, opcode::BINARY, &[0u8; 300]);
        assert_eq!(&v[..4], &[0x82, 126, 0x01, 0x2c]);
    }
}
