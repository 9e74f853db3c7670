//! [`TransportCodec`]: one framing plus optional obfuscation, for either end.

use super::obfuscated::{self, HEADER_LEN, Obfuscation};
use super::{
    AcceptConfig, Decoded, Framing, Incoming, Role, TransportConfig, TransportError, abridged,
    full, intermediate, parse_secret,
};
use crate::crypto::RandomSource;

/// Compact the receive buffer once this many consumed bytes sit at its front.
const COMPACT_AT: usize = 4096;

#[derive(Debug)]
enum State {
    Open,
    /// A fatal error found after items that were already returned; reported next call.
    Failed(TransportError),
    Closed,
}

/// A sans-IO MTProto transport: frames outgoing packets and splits the incoming byte
/// stream into packets, with optional obfuscation underneath.
///
/// How to drive it:
/// 1. Client: [`TransportCodec::new`], send [`TransportCodec::header`] first.
///    Server: call [`TransportCodec::accept`] with the bytes received so far until it
///    returns a codec (bytes after the header are already fed into it).
/// 2. Send the bytes of [`TransportCodec::pack`] (and, server side,
///    [`TransportCodec::pack_quick_ack`] / [`TransportCodec::pack_transport_error`]) in
///    the order they were produced: the obfuscation stream runs across all of them.
/// 3. Received bytes go to [`TransportCodec::feed`]; call [`TransportCodec::poll`] until it
///    returns `Ok(None)`. [`TransportCodec::unpack`] does both at once.
///
/// Chunks may split frames at any byte or carry many frames. Any decode error (including a
/// server transport error such as -404) is fatal: the codec is closed and every later call
/// returns [`TransportError::Closed`]; drop the connection.
#[derive(Debug)]
pub struct TransportCodec {
    role: Role,
    framing: Framing,
    obfuscation: Option<Obfuscation>,
    header: Vec<u8>,
    dc_id: i16,
    max_frame_len: usize,
    send_seq: u32,
    recv_seq: u32,
    buf: Vec<u8>,
    start: usize,
    state: State,
}

impl TransportCodec {
    /// A client codec. Draws the obfuscation header from `rng` when obfuscated.
    pub fn new(
        config: &TransportConfig,
        rng: &mut dyn RandomSource,
    ) -> Result<Self, TransportError> {
        let (framing, obfuscated, secret) = config.resolve()?;
        let (header, obfuscation) = if obfuscated {
            let (h, o) = obfuscated::client_header(framing, config.dc_id, secret.as_ref(), rng)?;
            (h.to_vec(), Some(o))
        } else {
            let tag = match framing {
                Framing::Abridged => vec![0xef],
                other => other.tag().map(|t| t.to_vec()).unwrap_or_default(),
            };
            (tag, None)
        };
        Ok(Self::build(
            Role::Client,
            framing,
            obfuscation,
            header,
            config.dc_id,
            config.max_frame_len,
        ))
    }

    /// The server side: detects the framing and obfuscation from the first bytes a client
    /// sent (`0xef`, `0xeeeeeeee`, `0xdddddddd`, a full-transport frame with seq 0, or a
    /// 64-byte obfuscation header).
    ///
    /// Returns `Ok(None)` while more bytes are needed: call again with everything received
    /// so far. On success, the bytes after the tag/header are already fed into the codec
    /// (call [`TransportCodec::poll`]). With [`AcceptConfig::secret`] set, only obfuscated
    /// connections keyed with that secret are accepted.
    pub fn accept(
        first_bytes: &[u8],
        config: &AcceptConfig,
    ) -> Result<Option<Self>, TransportError> {
        let secret = config.secret.as_deref().map(parse_secret).transpose()?;
        let max = config.max_frame_len;
        let plain = |framing, skip: usize| -> Result<Option<Self>, TransportError> {
            let mut codec = Self::build(Role::Server, framing, None, Vec::new(), 0, max);
            codec.feed(first_bytes.get(skip..).unwrap_or_default())?;
            Ok(Some(codec))
        };
        let Some(&first) = first_bytes.first() else {
            return Ok(None);
        };
        let head4 = first_bytes.get(..4);
        if matches!(head4, Some(b"POST" | b"GET " | b"HEAD" | b"OPTI")) {
            return Err(TransportError::BadHeader("HTTP is not supported"));
        }
        if secret.is_none() {
            if first == 0xef {
                return plain(Framing::Abridged, 1);
            }
            match head4 {
                None => return Ok(None),
                Some([0xee, 0xee, 0xee, 0xee]) => return plain(Framing::Intermediate, 4),
                Some([0xdd, 0xdd, 0xdd, 0xdd]) => return plain(Framing::PaddedIntermediate, 4),
                Some(_) => {}
            }
            match first_bytes.get(4..8) {
                None => return Ok(None),
                Some([0, 0, 0, 0]) => return plain(Framing::Full, 0),
                Some(_) => {}
            }
        }
        let Some(header) = first_bytes.get(..HEADER_LEN) else {
            return Ok(None);
        };
        let header: &[u8; HEADER_LEN] = header.try_into().map_err(|_| TransportError::Closed)?;
        if obfuscated::is_forbidden(header) {
            return Err(TransportError::BadHeader(
                "not an obfuscation header (a plain tag, HTTP or TLS; an MTProxy accepts only obfuscated connections)",
            ));
        }
        let (framing, dc_id, obf) =
            obfuscated::server_accept(header, secret.as_ref().map(|(s, _)| s))?;
        if matches!(secret, Some((_, true))) && framing != Framing::PaddedIntermediate {
            return Err(TransportError::BadHeader(
                "this MTProxy secret requires padded intermediate",
            ));
        }
        let mut codec = Self::build(Role::Server, framing, Some(obf), Vec::new(), dc_id, max);
        codec.feed(first_bytes.get(HEADER_LEN..).unwrap_or_default())?;
        Ok(Some(codec))
    }

    fn build(
        role: Role,
        framing: Framing,
        obfuscation: Option<Obfuscation>,
        header: Vec<u8>,
        dc_id: i16,
        max_frame_len: usize,
    ) -> Self {
        Self {
            role,
            framing,
            obfuscation,
            header,
            dc_id,
            max_frame_len,
            send_seq: 0,
            recv_seq: 0,
            buf: Vec::new(),
            start: 0,
            state: State::Open,
        }
    }

    /// The bytes the client sends before anything else: the tag (`ef`, `eeeeeeee`,
    /// `dddddddd`), the 64-byte obfuscation header, or nothing (full transport, server side).
    pub fn header(&self) -> Vec<u8> {
        self.header.clone()
    }

    /// The framing in use.
    pub fn framing(&self) -> Framing {
        self.framing
    }

    /// Which end this codec speaks for.
    pub fn role(&self) -> Role {
        self.role
    }

    /// Whether the obfuscation layer is on.
    pub fn is_obfuscated(&self) -> bool {
        self.obfuscation.is_some()
    }

    /// The DC id field of the obfuscation header (as sent by the client; 0 if plain).
    pub fn dc_id(&self) -> i16 {
        self.dc_id
    }

    /// Whether a fatal error closed the codec.
    pub fn is_closed(&self) -> bool {
        !matches!(self.state, State::Open)
    }

    /// Frames `payload` (length a multiple of 4) for sending. Draws padding from `rng` in
    /// padded intermediate mode. Errors leave the codec usable.
    pub fn pack(
        &mut self,
        payload: &[u8],
        rng: &mut dyn RandomSource,
    ) -> Result<Vec<u8>, TransportError> {
        self.pack_inner(payload, false, rng)
    }

    /// Like [`TransportCodec::pack`], asking the server for a quick ack of this packet
    /// (client side; the full transport has no quick ack and sends a plain frame).
    pub fn pack_requesting_quick_ack(
        &mut self,
        payload: &[u8],
        rng: &mut dyn RandomSource,
    ) -> Result<Vec<u8>, TransportError> {
        self.pack_inner(payload, self.role == Role::Client, rng)
    }

    fn pack_inner(
        &mut self,
        payload: &[u8],
        qa: bool,
        rng: &mut dyn RandomSource,
    ) -> Result<Vec<u8>, TransportError> {
        self.check_can_send()?;
        if payload.len() % 4 != 0 {
            return Err(TransportError::PayloadNotAligned(payload.len()));
        }
        if payload.len() > self.max_frame_len {
            return Err(TransportError::FrameTooLarge {
                len: payload.len(),
                max: self.max_frame_len,
            });
        }
        let mut out = Vec::with_capacity(payload.len().saturating_add(20));
        match self.framing {
            Framing::Abridged => abridged::encode(payload, qa, &mut out)?,
            Framing::Intermediate => intermediate::encode(payload, &[], qa, &mut out)?,
            Framing::PaddedIntermediate => {
                let padding = random_padding(rng, 16)?;
                intermediate::encode(payload, &padding, qa, &mut out)?;
            }
            Framing::Full => {
                full::encode(payload, self.send_seq, &mut out)?;
                self.send_seq = self.send_seq.wrapping_add(1);
            }
        }
        Ok(self.encrypt(out))
    }

    /// Server side: the bytes that answer a quick-ack request with `token` (its top bit is
    /// forced on). Errors with [`TransportError::BadConfig`] for the full transport.
    pub fn pack_quick_ack(
        &mut self,
        token: u32,
        rng: &mut dyn RandomSource,
    ) -> Result<Vec<u8>, TransportError> {
        self.check_can_send()?;
        let mut out = Vec::with_capacity(16);
        match self.framing {
            Framing::Abridged => abridged::encode_quick_ack(token, &mut out),
            Framing::Intermediate => intermediate::encode_quick_ack(token, false, &[], &mut out),
            Framing::PaddedIntermediate => {
                let padding = random_padding(rng, 9)?;
                intermediate::encode_quick_ack(token, true, &padding, &mut out);
            }
            Framing::Full => {
                return Err(TransportError::BadConfig(
                    "the full transport has no quick ack",
                ));
            }
        }
        Ok(self.encrypt(out))
    }

    /// Server side: the bytes of a transport error (`code` negative: -404, -429, -444...),
    /// framed like a packet carrying the 4-byte little-endian value.
    pub fn pack_transport_error(
        &mut self,
        code: i32,
        rng: &mut dyn RandomSource,
    ) -> Result<Vec<u8>, TransportError> {
        if code >= 0 || code == -1 {
            return Err(TransportError::BadConfig(
                "a transport error code is negative and not -1",
            ));
        }
        self.pack(&code.to_le_bytes(), rng)
    }

    fn encrypt(&mut self, mut out: Vec<u8>) -> Vec<u8> {
        if let Some(o) = &mut self.obfuscation {
            o.encrypt(&mut out);
        }
        out
    }

    fn check_can_send(&self) -> Result<(), TransportError> {
        match self.state {
            State::Open => Ok(()),
            _ => Err(TransportError::Closed),
        }
    }

    /// Returns a pending error once, then [`TransportError::Closed`].
    fn check_open(&mut self) -> Result<(), TransportError> {
        match core::mem::replace(&mut self.state, State::Closed) {
            State::Open => {
                self.state = State::Open;
                Ok(())
            }
            State::Failed(e) => Err(e),
            State::Closed => Err(TransportError::Closed),
        }
    }

    /// Takes received bytes (decrypting them when obfuscated) into the receive buffer.
    pub fn feed(&mut self, chunk: &[u8]) -> Result<(), TransportError> {
        self.check_open()?;
        let from = self.buf.len();
        self.buf.extend_from_slice(chunk);
        if let (Some(o), Some(new)) = (&mut self.obfuscation, self.buf.get_mut(from..)) {
            o.decrypt(new);
        }
        Ok(())
    }

    /// The next complete item in the receive buffer, or `Ok(None)` when more bytes are
    /// needed. An error closes the codec.
    #[must_use = "poll until it returns Ok(None)"]
    pub fn poll(&mut self) -> Result<Option<Incoming>, TransportError> {
        self.check_open()?;
        let buf = self.buf.get(self.start..).unwrap_or_default();
        let max = self.max_frame_len;
        let decoded = match self.framing {
            Framing::Abridged => abridged::decode(self.role, buf, max),
            Framing::Intermediate => intermediate::decode(self.role, false, buf, max),
            Framing::PaddedIntermediate => intermediate::decode(self.role, true, buf, max),
            Framing::Full => full::decode(self.role, buf, max, &mut self.recv_seq),
        };
        match decoded {
            Ok(Decoded::NeedMore) => Ok(None),
            Ok(Decoded::Item(item, used)) => {
                // `used` counts bytes of `buf[start..]`: the sum stays within `buf.len()`.
                self.start = self.start.saturating_add(used);
                if self.start >= self.buf.len() {
                    self.buf.clear();
                    self.start = 0;
                } else if self.start >= COMPACT_AT && self.start.saturating_mul(2) >= self.buf.len()
                {
                    self.buf.drain(..self.start);
                    self.start = 0;
                }
                Ok(Some(item))
            }
            Err(e) => {
                self.state = State::Closed;
                self.buf = Vec::new();
                self.start = 0;
                Err(e)
            }
        }
    }

    /// [`TransportCodec::feed`] then [`TransportCodec::poll`] until no complete item is
    /// left. If a fatal error follows items in the same chunk, the items are returned and
    /// the error is returned by the next call.
    pub fn unpack(&mut self, chunk: &[u8]) -> Result<Vec<Incoming>, TransportError> {
        self.feed(chunk)?;
        let mut items = Vec::new();
        loop {
            match self.poll() {
                Ok(Some(item)) => items.push(item),
                Ok(None) => return Ok(items),
                Err(e) if items.is_empty() => return Err(e),
                Err(e) => {
                    self.state = State::Failed(e);
                    return Ok(items);
                }
            }
        }
    }
}

/// `rand % modulo` random bytes.
fn random_padding(rng: &mut dyn RandomSource, modulo: u8) -> Result<Vec<u8>, TransportError> {
    let mut n = [0u8];
    rng.fill(&mut n)?;
    let mut padding = vec![0u8; usize::from(n[0].checked_rem(modulo).unwrap_or(0))];
    rng.fill(&mut padding)?;
    Ok(padding)
}
