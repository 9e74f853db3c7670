//! A chat's whole state as bytes, so it survives a page reload.
//!
//! ```text
//!   "MTSC" version:u8=2 flags:u8 (creator, closed, layer_notified)
//!   id:i32 access_hash:i64 peer_id:i64 key:256 picture? old_key?:256 rekey
//!   raw_out:u32 raw_in:u32 peer_received:u32 resend_asked:u32
//!   peer_layer:i32 ttl:i32 key_uses:u32 key_since:i64
//!   sent: n:u32 (raw:u32 len:u32 bytes)*   queue: n:u32 (raw:u32 fp:i64 len:u32 bytes)*
//!   rekey = 0 | 1 exchange_id:i64 exponent:256 | 2 exchange_id:i64 key:256
//! ```
//! All integers little-endian; `x?` is a tag byte 0 (absent) or 1 followed by x; `picture`
//! is the 36-byte key picture of the original key. The snapshot holds the keys: store it like
//! a password.
//!
//! Version 1 (no picture) still restores: its picture is recomputed from the key when the
//! chat was never rotated (then key_uses == raw_out + raw_in, as every message sent or
//! processed counts once for both and only a rotation resets key_uses); otherwise it is
//! unknown (`None`), never the current key's.

use std::collections::BTreeMap;

use zeroize::Zeroizing;

use super::chat::{ChatInfo, Queued, SecretChat};
use super::exchange::DhHalf;
use super::keys::{key_fingerprint, visualization_hash};
use super::rekey::Rekey;
use super::seq::SeqState;
use super::{MAX_MESSAGE_SIZE, MAX_QUEUED, MAX_STORED, SecretError};
use crate::crypto::{AuthKey, DhParams};

const MAGIC: &[u8; 4] = b"MTSC";
const VERSION: u8 = 2;

impl SecretChat {
    /// The chat's state as bytes (holds the keys: wipe and store carefully). The buffer is
    /// sized exactly before the first byte is written, so it never grows: a grown Vec would
    /// leave its old block, key bytes included, unwiped in freed memory.
    pub fn snapshot(&self) -> Zeroizing<Vec<u8>> {
        let mut count = Count(0);
        self.write(&mut count);
        let mut o = Zeroizing::new(Vec::with_capacity(count.0));
        self.write(&mut *o);
        o
    }

    /// Writes the snapshot to `o` (a [`Count`] or the buffer).
    fn write(&self, o: &mut dyn Sink) {
        o.put(MAGIC);
        o.put(&[VERSION]);
        o.put(&[u8::from(self.info.creator)
            | u8::from(self.closed) << 1
            | u8::from(self.layer_notified) << 2]);
        o.put(&self.info.id.to_le_bytes());
        o.put(&self.info.access_hash.to_le_bytes());
        o.put(&self.info.peer_id.to_le_bytes());
        o.put(self.key.as_bytes());
        match &self.picture {
            Some(p) => {
                o.put(&[1]);
                o.put(p);
            }
            None => o.put(&[0]),
        }
        match &self.old_key {
            Some(k) => {
                o.put(&[1]);
                o.put(k.as_bytes());
            }
            None => o.put(&[0]),
        }
        match &self.rekey {
            Rekey::Idle => o.put(&[0]),
            Rekey::Requested { exchange_id, half } => {
                o.put(&[1]);
                o.put(&exchange_id.to_le_bytes());
                let mut e = [0u8; 256];
                let x = half.exponent();
                let start = 256usize.saturating_sub(x.len());
                if let (Some(dst), Some(src)) =
                    (e.get_mut(start..), x.get(x.len().saturating_sub(256)..))
                {
                    dst.copy_from_slice(src);
                }
                o.put(&e);
                zeroize::Zeroize::zeroize(&mut e);
            }
            Rekey::Accepted { exchange_id, key } => {
                o.put(&[2]);
                o.put(&exchange_id.to_le_bytes());
                o.put(key.as_bytes());
            }
        }
        for v in [
            self.seq.raw_out,
            self.seq.raw_in,
            self.seq.peer_received,
            self.resend_asked,
        ] {
            o.put(&v.to_le_bytes());
        }
        o.put(&self.peer_layer.to_le_bytes());
        o.put(&self.ttl.to_le_bytes());
        o.put(&self.key_uses.to_le_bytes());
        o.put(&self.key_since.to_le_bytes());
        o.put(&(self.sent.len() as u32).to_le_bytes());
        for (raw, bytes) in &self.sent {
            o.put(&raw.to_le_bytes());
            o.put(&(bytes.len() as u32).to_le_bytes());
            o.put(bytes);
        }
        o.put(&(self.queue.len() as u32).to_le_bytes());
        for (raw, q) in &self.queue {
            o.put(&raw.to_le_bytes());
            o.put(&q.fingerprint.to_le_bytes());
            o.put(&(q.layer_bytes.len() as u32).to_le_bytes());
            o.put(&q.layer_bytes);
        }
    }

    /// A chat from [`SecretChat::snapshot`] bytes. `dh` is needed only to restore a key
    /// rotation we started.
    pub fn restore(bytes: &[u8], dh: &DhParams) -> Result<Self, SecretError> {
        let mut r = Cursor { b: bytes, at: 0 };
        if r.take(4)? != MAGIC {
            return Err(SecretError::BadSnapshot("not a secret chat snapshot"));
        }
        let version = r.u8()?;
        if !(1..=VERSION).contains(&version) {
            return Err(SecretError::BadSnapshot("unknown version"));
        }
        let flags = r.u8()?;
        if flags > 7 {
            return Err(SecretError::BadSnapshot("unknown flags"));
        }
        let info = ChatInfo {
            creator: flags & 1 != 0,
            id: r.i32()?,
            access_hash: r.i64()?,
            peer_id: r.i64()?,
        };
        let key = r.key()?;
        let stored_picture = match version {
            1 => None,
            _ => match r.u8()? {
                0 => None,
                1 => Some(r.arr::<36>()?),
                _ => return Err(SecretError::BadSnapshot("bad picture tag")),
            },
        };
        let old_key = match r.u8()? {
            0 => None,
            1 => Some(r.key()?),
            _ => return Err(SecretError::BadSnapshot("bad old key tag")),
        };
        let rekey = match r.u8()? {
            0 => Rekey::Idle,
            1 => Rekey::Requested {
                exchange_id: r.i64()?,
                half: DhHalf::from_exponent(dh, r.take(256)?),
            },
            2 => Rekey::Accepted {
                exchange_id: r.i64()?,
                key: Box::new(r.key()?),
            },
            _ => return Err(SecretError::BadSnapshot("bad rekey tag")),
        };
        let mut seq = SeqState::new(info.creator);
        seq.raw_out = r.u32()?;
        seq.raw_in = r.u32()?;
        seq.peer_received = r.u32()?;
        if seq.peer_received > seq.raw_out {
            return Err(SecretError::BadSnapshot("peer_received above raw_out"));
        }
        let resend_asked = r.u32()?;
        let peer_layer = r.i32()?;
        let ttl = r.i32()?;
        let key_uses = r.u32()?;
        let key_since = r.i64()?;
        let mut sent = BTreeMap::new();
        for _ in 0..r.count(MAX_STORED)? {
            let raw = r.u32()?;
            let item = r.item()?;
            if raw >= seq.raw_out {
                return Err(SecretError::BadSnapshot("stored message ahead of raw_out"));
            }
            sent.insert(raw, item);
        }
        let mut queue = BTreeMap::new();
        for _ in 0..r.count(MAX_QUEUED)? {
            let raw = r.u32()?;
            let fingerprint = r.i64()?;
            let layer_bytes = r.item()?;
            queue.insert(
                raw,
                Queued {
                    layer_bytes,
                    fingerprint,
                },
            );
        }
        if r.at != bytes.len() {
            return Err(SecretError::BadSnapshot("trailing bytes"));
        }
        let never_rotated =
            u64::from(key_uses) == u64::from(seq.raw_out).saturating_add(u64::from(seq.raw_in));
        let picture = match version {
            1 => never_rotated.then(|| visualization_hash(&key)),
            _ => stored_picture,
        };
        Ok(Self {
            fingerprint: key_fingerprint(&key),
            picture,
            info,
            key,
            old_key,
            rekey,
            seq,
            peer_layer,
            layer_notified: flags & 4 != 0,
            key_uses,
            key_since,
            ttl,
            resend_asked,
            sent,
            queue,
            closed: flags & 2 != 0,
        })
    }
}

/// Where [`SecretChat::write`] puts the snapshot's bytes.
trait Sink {
    fn put(&mut self, bytes: &[u8]);
}

/// Counts the bytes, to size the buffer.
struct Count(usize);

impl Sink for Count {
    fn put(&mut self, bytes: &[u8]) {
        self.0 = self.0.saturating_add(bytes.len());
    }
}

impl Sink for Vec<u8> {
    fn put(&mut self, bytes: &[u8]) {
        self.extend_from_slice(bytes);
    }
}

struct Cursor<'a> {
    b: &'a [u8],
    at: usize,
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], SecretError> {
        let end = self
            .at
            .checked_add(n)
            .ok_or(SecretError::BadSnapshot("truncated"))?;
        let s = self
            .b
            .get(self.at..end)
            .ok_or(SecretError::BadSnapshot("truncated"))?;
        self.at = end;
        Ok(s)
    }
    fn arr<const N: usize>(&mut self) -> Result<[u8; N], SecretError> {
        self.take(N)?
            .try_into()
            .map_err(|_| SecretError::BadSnapshot("truncated"))
    }
    fn u8(&mut self) -> Result<u8, SecretError> {
        Ok(self.arr::<1>()?[0])
    }
    fn u32(&mut self) -> Result<u32, SecretError> {
        Ok(u32::from_le_bytes(self.arr()?))
    }
    fn i32(&mut self) -> Result<i32, SecretError> {
        Ok(i32::from_le_bytes(self.arr()?))
    }
    fn i64(&mut self) -> Result<i64, SecretError> {
        Ok(i64::from_le_bytes(self.arr()?))
    }
    fn key(&mut self) -> Result<AuthKey, SecretError> {
        Ok(AuthKey::from_bytes(self.take(256)?)?)
    }
    fn count(&mut self, max: usize) -> Result<usize, SecretError> {
        let n = self.u32()? as usize;
        if n > max {
            return Err(SecretError::BadSnapshot("too many items"));
        }
        Ok(n)
    }
    /// A stored message, copied into a buffer wiped when dropped.
    fn item(&mut self) -> Result<Zeroizing<Vec<u8>>, SecretError> {
        let n = self.u32()? as usize;
        // The chat never holds a larger one (refused on arrival and on send).
        if n > MAX_MESSAGE_SIZE {
            return Err(SecretError::BadSnapshot("item too large"));
        }
        Ok(Zeroizing::new(self.take(n)?.to_vec()))
    }
}
