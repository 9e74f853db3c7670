//! `invokeWithLayer(layer, initConnection(..., query))` around the first request of a session.
//!
//! Spec: <https://core.telegram.org/api/invoking#layers>,
//! <https://core.telegram.org/method/initConnection>.

use crate::tl::{self, Object, TlError, Value};

/// What `initConnection` tells the server about the app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppInfo {
    /// api_id from my.telegram.org.
    pub api_id: i32,
    /// The API layer sent in `invokeWithLayer` (default [`tl::API_LAYER`]).
    pub layer: i32,
    /// device_model.
    pub device_model: String,
    /// system_version.
    pub system_version: String,
    /// app_version.
    pub app_version: String,
    /// system_lang_code.
    pub system_lang_code: String,
    /// lang_pack (empty for third-party apps).
    pub lang_pack: String,
    /// lang_code.
    pub lang_code: String,
}

impl AppInfo {
    /// Defaults for `api_id`: the compiled-in layer, device "mtproto-wasm", language "en".
    pub fn new(api_id: i32) -> Self {
        Self {
            api_id,
            layer: i32::try_from(tl::API_LAYER).unwrap_or(i32::MAX),
            device_model: "mtproto-wasm".into(),
            system_version: "WebAssembly".into(),
            app_version: env!("CARGO_PKG_VERSION").into(),
            system_lang_code: "en".into(),
            lang_pack: String::new(),
            lang_code: "en".into(),
        }
    }

    /// `query` (a boxed TL function) wrapped in invokeWithLayer(initConnection(...)).
    pub fn wrap(&self, query: &[u8]) -> Result<Vec<u8>, TlError> {
        // Encode with a placeholder query (`help.getConfig`, no fields), then replace its
        // four bytes, which are last: `query:!X` is the last field of both wrappers.
        let placeholder = Object::new("help.getConfig");
        let init = Object::new("initConnection")
            .with("api_id", Value::Int(self.api_id))
            .with("device_model", Value::String(self.device_model.clone()))
            .with("system_version", Value::String(self.system_version.clone()))
            .with("app_version", Value::String(self.app_version.clone()))
            .with(
                "system_lang_code",
                Value::String(self.system_lang_code.clone()),
            )
            .with("lang_pack", Value::String(self.lang_pack.clone()))
            .with("lang_code", Value::String(self.lang_code.clone()))
            .with("query", Value::Object(placeholder));
        let outer = Object::new("invokeWithLayer")
            .with("layer", Value::Int(self.layer))
            .with("query", Value::Object(init));
        let mut bytes = tl::encode_value(&Value::Object(outer))?;
        let keep = bytes.len().saturating_sub(4);
        bytes.truncate(keep);
        bytes.extend_from_slice(query);
        Ok(bytes)
    }
}

/// The DC number of a `*_MIGRATE_N` error message (`PHONE_MIGRATE_2` -> 2).
pub fn migrate_dc(message: &str) -> Option<i32> {
    let (name, n) = message.rsplit_once('_')?;
    if !name.ends_with("_MIGRATE") {
        return None;
    }
    n.parse().ok().filter(|&d: &i32| d > 0)
}

/// The seconds of a `FLOOD_WAIT_N` / `FLOOD_PREMIUM_WAIT_N` / `SLOWMODE_WAIT_N` message.
pub fn flood_wait_seconds(message: &str) -> Option<u32> {
    let (name, n) = message.rsplit_once('_')?;
    if !matches!(name, "FLOOD_WAIT" | "FLOOD_PREMIUM_WAIT" | "SLOWMODE_WAIT") {
        return None;
    }
    n.parse().ok()
}

/// MTProto service functions (`ping`, `get_future_salts`, ...) travel unwrapped: they are
/// not API queries and answer outside `rpc_result` (pong).
pub(super) fn is_service_function(body: &[u8]) -> bool {
    use crate::tl::mtproto::functions as f;
    let Some(id) = body
        .get(..4)
        .and_then(|b| b.try_into().ok())
        .map(u32::from_le_bytes)
    else {
        return false;
    };
    [
        f::Ping::CONSTRUCTOR_ID,
        f::PingDelayDisconnect::CONSTRUCTOR_ID,
        f::GetFutureSalts::CONSTRUCTOR_ID,
        f::DestroySession::CONSTRUCTOR_ID,
        f::RpcDropAnswer::CONSTRUCTOR_ID,
    ]
    .contains(&id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_the_query_last() {
        let query = 0x1fb3_3026u32.to_le_bytes(); // help.getNearestDc
        let b = AppInfo::new(12345).wrap(&query).unwrap();
        assert_eq!(&b[..4], &0xda9b_0d0du32.to_le_bytes()); // invokeWithLayer
        assert_eq!(&b[4..8], &(tl::API_LAYER as i32).to_le_bytes());
        assert_eq!(&b[8..12], &0xc1cd_5ea9u32.to_le_bytes()); // initConnection
        assert!(b.ends_with(&query));
        let v = tl::decode_value(&b).unwrap();
        let Value::Object(o) = v else { panic!() };
        let Some(Value::Object(init)) = o.get("query") else {
            panic!()
        };
        assert_eq!(init.get("api_id"), Some(&Value::Int(12345)));
        let Some(Value::Object(q)) = init.get("query") else {
            panic!()
        };
        assert_eq!(q.name, "help.getNearestDc");
    }

    #[test]
    fn error_names() {
        assert_eq!(migrate_dc("PHONE_MIGRATE_2"), Some(2));
        assert_eq!(migrate_dc("USER_MIGRATE_4"), Some(4));
        assert_eq!(migrate_dc("NETWORK_MIGRATE_x"), None);
        assert_eq!(migrate_dc("FLOOD_WAIT_3"), None);
        assert_eq!(flood_wait_seconds("FLOOD_WAIT_31"), Some(31));
        assert_eq!(flood_wait_seconds("FLOOD_PREMIUM_WAIT_5"), Some(5));
        assert_eq!(flood_wait_seconds("PHONE_MIGRATE_2"), None);
        assert_eq!(flood_wait_seconds("FLOOD_WAIT_"), None);
    }
}
