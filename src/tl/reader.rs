//! A bounds-checked cursor over TL input. Every read returns `Result`; nothing panics.
// `ok_or_else` on purpose where clippy would take `ok_or`: an eagerly built `TlError` is
// dropped on every successful read (its drop glue showed as a fifth of TL decode time).
#![allow(clippy::unnecessary_lazy_evaluations)]

use super::error::TlError;

/// A cursor over TL-serialized bytes.
#[derive(Debug, Clone)]
pub struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    /// Starts at the beginning of `buf`.
    pub fn new(buf: &'a [u8]) -> Self {
        Self { buf, pos: 0 }
    }

    /// Current offset.
    pub fn position(&self) -> usize {
        self.pos
    }

    /// Bytes not yet read.
    pub fn remaining(&self) -> usize {
        self.buf.len().saturating_sub(self.pos)
    }

    /// The unread part of the input.
    pub fn rest(&self) -> &'a [u8] {
        self.buf.get(self.pos..).unwrap_or(&[])
    }

    /// Fails with [`TlError::TrailingBytes`] unless everything was read.
    pub fn finish(&self) -> Result<(), TlError> {
        match self.remaining() {
            0 => Ok(()),
            count => Err(TlError::TrailingBytes { count }),
        }
    }

    /// Takes exactly `n` bytes.
    pub fn take(&mut self, n: usize) -> Result<&'a [u8], TlError> {
        let end = self
            .pos
            .checked_add(n)
            .ok_or_else(|| TlError::Truncated { offset: self.pos })?;
        let out = self
            .buf
            .get(self.pos..end)
            .ok_or_else(|| TlError::Truncated { offset: self.pos })?;
        self.pos = end;
        Ok(out)
    }

    /// Takes everything left.
    pub fn take_rest(&mut self) -> &'a [u8] {
        let out = self.rest();
        self.pos = self.buf.len();
        out
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], TlError> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N)?);
        Ok(out)
    }

    /// Peeks at the next `u32` without consuming it.
    pub fn peek_u32(&self) -> Option<u32> {
        let b = self.buf.get(self.pos..)?.first_chunk::<4>()?;
        Some(u32::from_le_bytes(*b))
    }

    /// `int` as unsigned (constructor ids).
    pub fn read_u32(&mut self) -> Result<u32, TlError> {
        self.array().map(u32::from_le_bytes)
    }

    /// `int`.
    pub fn read_i32(&mut self) -> Result<i32, TlError> {
        self.array().map(i32::from_le_bytes)
    }

    /// `long`.
    pub fn read_i64(&mut self) -> Result<i64, TlError> {
        self.array().map(i64::from_le_bytes)
    }

    /// `double`.
    pub fn read_f64(&mut self) -> Result<f64, TlError> {
        self.array().map(f64::from_le_bytes)
    }

    /// `int128` (wire order).
    pub fn read_int128(&mut self) -> Result<[u8; 16], TlError> {
        self.array()
    }

    /// `int256` (wire order).
    pub fn read_int256(&mut self) -> Result<[u8; 32], TlError> {
        self.array()
    }

    /// `bytes` / `string` payload, padding checked to be present (not to be zero).
    pub fn read_bytes(&mut self) -> Result<&'a [u8], TlError> {
        let start = self.pos;
        let first = *self
            .take(1)?
            .first()
            .ok_or_else(|| TlError::Truncated { offset: start })?;
        let (len, header): (usize, usize) = if first == 0xfe {
            let [b0, b1, b2] = self.array::<3>()?;
            (
                usize::from(b0) | usize::from(b1) << 8 | usize::from(b2) << 16,
                4,
            )
        } else if first == 0xff {
            // 0xff is reserved by the spec; treat it as an impossible length.
            return Err(TlError::LengthBeyondInput {
                length: usize::MAX,
                remaining: self.remaining(),
            });
        } else {
            (usize::from(first), 1)
        };
        if len > self.remaining() {
            return Err(TlError::LengthBeyondInput {
                length: len,
                remaining: self.remaining(),
            });
        }
        let data = self.take(len)?;
        // Up to the next multiple of 4: (-(header + len)) mod 4, exact in wrapping arithmetic.
        let pad = header.wrapping_add(len).wrapping_neg() & 3;
        self.take(pad)?;
        Ok(data)
    }

    /// [`Self::read_bytes`] as an owned vector. Out of line on purpose: the generated typed
    /// decoders call it once per field, and inlined copies made them several times larger.
    #[inline(never)]
    pub fn read_bytes_vec(&mut self) -> Result<Vec<u8>, TlError> {
        self.read_bytes().map(<[u8]>::to_vec)
    }

    /// A TL `string`: [`Self::read_bytes`] decoded as UTF-8, invalid sequences replaced
    /// (U+FFFD). Out of line for the same reason as [`Self::read_bytes_vec`].
    #[inline(never)]
    pub fn read_string_lossy(&mut self) -> Result<String, TlError> {
        self.read_bytes()
            .map(|b| String::from_utf8_lossy(b).into_owned())
    }

    /// `Bool` (boolTrue / boolFalse).
    pub fn read_bool(&mut self) -> Result<bool, TlError> {
        match self.read_u32()? {
            super::BOOL_TRUE_ID => Ok(true),
            super::BOOL_FALSE_ID => Ok(false),
            id => Err(TlError::UnknownConstructor { id }),
        }
    }

    /// Reads a vector count and checks that `count * min_elem_size` bytes remain.
    pub fn read_count(&mut self, min_elem_size: usize) -> Result<usize, TlError> {
        let n = self.read_i32()?;
        let n = usize::try_from(n).map_err(|_| TlError::LengthBeyondInput {
            length: usize::MAX,
            remaining: self.remaining(),
        })?;
        if n.saturating_mul(min_elem_size.max(1)) > self.remaining() {
            return Err(TlError::LengthBeyondInput {
                length: n,
                remaining: self.remaining(),
            });
        }
        Ok(n)
    }

    /// Reads the boxed `Vector` constructor id and the count.
    pub fn read_vector_header(&mut self, min_elem_size: usize) -> Result<usize, TlError> {
        match self.read_u32()? {
            super::VECTOR_ID => self.read_count(min_elem_size),
            id => Err(TlError::UnknownConstructor { id }),
        }
    }
}
