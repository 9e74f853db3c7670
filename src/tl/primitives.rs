//! TL primitive writers used by the core before the schema-driven engine is involved.
//!
//! ```text
//!   bytes/string, len <= 253:  len(1) | data | 0-padding to a multiple of 4
//!   bytes/string, len >= 254:  0xfe | len(3, LE) | data | 0-padding to a multiple of 4
//! ```

/// Appends `data` as a TL `bytes` value.
pub fn write_bytes(out: &mut Vec<u8>, data: &[u8]) {
    let header: usize = if data.len() <= 253 {
        out.push(data.len() as u8);
        1
    } else {
        let n = data.len() as u32;
        out.extend_from_slice(&[0xfe, n as u8, (n >> 8) as u8, (n >> 16) as u8]);
        4
    };
    out.extend_from_slice(data);
    // Up to the next multiple of 4: (-(header + len)) mod 4, exact in wrapping arithmetic.
    let pad = header.wrapping_add(data.len()).wrapping_neg() & 3;
    out.extend(core::iter::repeat_n(0u8, pad));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_and_long() {
        let mut v = Vec::new();
        write_bytes(&mut v, b"abc");
        assert_eq!(v, [3, b'a', b'b', b'c']);
        let mut v = Vec::new();
        write_bytes(&mut v, &[7; 254]);
        assert_eq!(&v[..4], &[0xfe, 254, 0, 0]);
        assert_eq!(v.len(), 4 + 256);
    }
}
