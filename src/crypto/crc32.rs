//! CRC-32 (IEEE 802.3, reflected, polynomial 0xEDB88320): the TL constructor id and the
//! checksum of the full transport.
#![deny(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

const TABLE: [u32; 256] = make_table();

// Evaluated at compile time: an index or a step out of range would fail the build, not panic
// at run time. i < 256 and k < 8 bound every index and increment.
#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
const fn make_table() -> [u32; 256] {
    let mut table = [0u32; 256];
    let mut i = 0;
    while i < 256 {
        let mut c = i as u32;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 != 0 {
                0xEDB8_8320 ^ (c >> 1)
            } else {
                c >> 1
            };
            k += 1;
        }
        table[i] = c;
        i += 1;
    }
    table
}

/// A running CRC-32.
#[derive(Debug, Clone, Copy)]
pub struct Crc32(u32);

impl Default for Crc32 {
    fn default() -> Self {
        Self::new()
    }
}

impl Crc32 {
    /// A fresh checksum.
    pub const fn new() -> Self {
        Self(0xFFFF_FFFF)
    }

    /// Feeds more bytes.
    pub fn update(&mut self, data: &[u8]) {
        let mut c = self.0;
        for &b in data {
            // The index is masked to 0..=255, the table's length: in range for every input.
            #[allow(clippy::indexing_slicing)]
            let t = TABLE[((c ^ u32::from(b)) & 0xFF) as usize];
            c = t ^ (c >> 8);
        }
        self.0 = c;
    }

    /// The checksum of everything fed so far.
    pub fn finish(&self) -> u32 {
        !self.0
    }
}

/// CRC-32 of `data` in one call.
pub fn crc32(data: &[u8]) -> u32 {
    let mut c = Crc32::new();
    c.update(data);
    c.finish()
}

#[cfg(test)]
// Tests: a panic here is a failed test, not a crash on input.
#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
mod tests {
    use super::*;

    #[test]
    fn check_value() {
        // The standard check value of CRC-32/ISO-HDLC.
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        assert_eq!(crc32(b""), 0);
    }

    #[test]
    fn tl_constructor_id() {
        // https://core.telegram.org/mtproto/TL-abstract-types: the id of resPQ.
        let def = "resPQ nonce:int128 server_nonce:int128 pq:string \
                   server_public_key_fingerprints:Vector long = ResPQ";
        assert_eq!(crc32(def.as_bytes()), 0x0516_2463);
    }
}
