// Constructors whose official id is not the CRC32 of their normalized definition.
// Shared by the build script and the runtime id check (`#[path]`-included by build.rs).

/// Service schema: `msg_container` (its text uses `vector<%Message>`; the id was hashed from
/// `vector message`), `ipPortSecret` (hashed with `bytes` left as is), `accessPointRule` and
/// `help.configSimple` (published ids that no normalization of the published text gives).
pub const MTPROTO_ID_EXCEPTIONS: &[&str] = &[
    "msg_container",
    "ipPortSecret",
    "accessPointRule",
    "help.configSimple",
];

/// End-to-end schema: the layer-143 `decryptedMessageMediaDocument` (`size:long`) got a new
/// id that is not the hash of its text.
pub const SECRET_ID_EXCEPTIONS: &[&str] = &["decryptedMessageMediaDocument"];

/// API schema from @mtcute/tl: two legacy constructors that package keeps with their old ids
/// after dropping a field from their definition.
pub const API_ID_EXCEPTIONS: &[&str] = &[
    "inputPeerPhotoFileLocationLegacy",
    "inputStickerSetThumbLegacy",
];
