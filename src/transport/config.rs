//! Client and server configuration: framing, obfuscation, the DC id field, MTProxy secrets.
//!
//! Spec: <https://core.telegram.org/mtproto/mtproto-transports#transport-obfuscation>.

use super::{DEFAULT_MAX_FRAME_LEN, Framing, TransportError};

/// How a client connection is set up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransportConfig {
    /// The framing. A 0xdd-prefixed MTProxy secret forces [`Framing::PaddedIntermediate`].
    pub framing: Framing,
    /// Wrap the framing in the obfuscation layer (required for WebSocket and MTProxy;
    /// not available for [`Framing::Full`]). A secret forces obfuscation.
    pub obfuscated: bool,
    /// The DC id field of the obfuscation header, already encoded: see
    /// [`TransportConfig::encode_dc_id`].
    pub dc_id: i16,
    /// An MTProxy secret: 16 bytes, or 0xdd followed by 16 bytes.
    pub secret: Option<Vec<u8>>,
    /// The largest payload accepted from the peer (default [`DEFAULT_MAX_FRAME_LEN`]).
    pub max_frame_len: usize,
}

impl TransportConfig {
    /// A plain (not obfuscated) configuration with the default frame limit.
    pub fn new(framing: Framing) -> Self {
        Self {
            framing,
            obfuscated: false,
            dc_id: 0,
            secret: None,
            max_frame_len: DEFAULT_MAX_FRAME_LEN,
        }
    }

    /// An obfuscated configuration for DC `dc_id` (already encoded).
    pub fn obfuscated(framing: Framing, dc_id: i16) -> Self {
        Self {
            obfuscated: true,
            dc_id,
            ..Self::new(framing)
        }
    }

    /// Encodes a DC id for the obfuscation header: `dc + 10000` for test DCs, negated for
    /// media DCs. `dc` must be in 1..=9999.
    pub fn encode_dc_id(dc: u16, test: bool, media: bool) -> Result<i16, TransportError> {
        if !(1..=9999).contains(&dc) {
            return Err(TransportError::BadConfig("the DC id must be in 1..=9999"));
        }
        let base =
            i16::try_from(dc).map_err(|_| TransportError::BadConfig("DC id out of range"))?;
        let out_of_range = TransportError::BadConfig("DC id out of range");
        // 1..=9999 (checked above): 10000 + 9999 and its negation fit an i16.
        let v = if test {
            base.checked_add(10000).ok_or(out_of_range.clone())?
        } else {
            base
        };
        Ok(if media {
            v.checked_neg().ok_or(out_of_range)?
        } else {
            v
        })
    }

    /// The framing and the 16-byte MTProxy key material after applying the secret's rules.
    pub(crate) fn resolve(&self) -> Result<(Framing, bool, Option<[u8; 16]>), TransportError> {
        let secret = self.secret.as_deref().map(parse_secret).transpose()?;
        let (framing, obfuscated) = match &secret {
            Some((_, true)) => (Framing::PaddedIntermediate, true),
            Some((_, false)) => (self.framing, true),
            None => (self.framing, self.obfuscated),
        };
        if obfuscated && framing == Framing::Full {
            return Err(TransportError::BadConfig(
                "the full transport cannot be obfuscated",
            ));
        }
        Ok((framing, obfuscated, secret.map(|(s, _)| s)))
    }
}

/// Splits an MTProxy secret into its 16 key bytes and whether it forces padding.
pub(crate) fn parse_secret(secret: &[u8]) -> Result<([u8; 16], bool), TransportError> {
    match secret.len() {
        16 => Ok((
            secret
                .try_into()
                .map_err(|_| TransportError::BadSecret("length"))?,
            false,
        )),
        17 => match secret.split_first() {
            Some((0xdd, rest)) => Ok((
                rest.try_into()
                    .map_err(|_| TransportError::BadSecret("length"))?,
                true,
            )),
            _ => Err(TransportError::BadSecret(
                "a 17-byte secret must start with 0xdd (fake-TLS 0xee secrets are not supported)",
            )),
        },
        _ => Err(TransportError::BadSecret(
            "must be 16 bytes, or 0xdd followed by 16 bytes",
        )),
    }
}

/// Options for the server side ([`TransportCodec::accept`](super::TransportCodec::accept)).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AcceptConfig {
    /// When set, act as an MTProxy: only obfuscated connections keyed with this secret are
    /// accepted (a 0xdd secret also requires padded intermediate).
    pub secret: Option<Vec<u8>>,
    /// The largest payload accepted from the client.
    pub max_frame_len: usize,
}

impl Default for AcceptConfig {
    fn default() -> Self {
        Self {
            secret: None,
            max_frame_len: DEFAULT_MAX_FRAME_LEN,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dc_id_encoding() {
        assert_eq!(TransportConfig::encode_dc_id(2, false, false), Ok(2));
        assert_eq!(TransportConfig::encode_dc_id(2, true, false), Ok(10002));
        assert_eq!(TransportConfig::encode_dc_id(4, false, true), Ok(-4));
        assert_eq!(TransportConfig::encode_dc_id(4, true, true), Ok(-10004));
        assert!(TransportConfig::encode_dc_id(0, false, false).is_err());
        assert!(TransportConfig::encode_dc_id(10000, false, false).is_err());
    }

    #[test]
    fn secrets() {
        assert_eq!(parse_secret(&[7; 16]), Ok(([7; 16], false)));
        let mut dd = vec![0xdd];
        dd.extend([9; 16]);
        assert_eq!(parse_secret(&dd), Ok(([9; 16], true)));
        dd[0] = 0xee;
        assert!(matches!(
            parse_secret(&dd),
            Err(TransportError::BadSecret(_))
        ));
        assert!(matches!(
            parse_secret(&[1; 15]),
            Err(TransportError::BadSecret(_))
        ));
        assert!(matches!(
            parse_secret(&[1; 18]),
            Err(TransportError::BadSecret(_))
        ));
    }

    #[test]
    fn secret_forces_obfuscation_and_padding() {
        let mut c = TransportConfig::new(Framing::Abridged);
        c.secret = Some([1; 16].to_vec());
        assert_eq!(c.resolve(), Ok((Framing::Abridged, true, Some([1; 16]))));
        let mut dd = vec![0xdd];
        dd.extend([2; 16]);
        c.secret = Some(dd);
        assert_eq!(
            c.resolve(),
            Ok((Framing::PaddedIntermediate, true, Some([2; 16])))
        );
        let full = TransportConfig::obfuscated(Framing::Full, 2);
        assert!(matches!(full.resolve(), Err(TransportError::BadConfig(_))));
    }
}
