//! TL values to and from JavaScript objects, by hand (no serde): the convention of
//! `crate::tl::value`.
//!
//! | JavaScript                         | [`Value`]                                      |
//! |------------------------------------|------------------------------------------------|
//! | `{ _: 'name', field: ... }`        | `Object` (`null`/`undefined` fields are absent; `_` may be left out for a bare type) |
//! | boolean                            | `Bool`                                         |
//! | number, safe integer               | `Int` if it fits 32 bits, else `Long`          |
//! | number, other                      | `Double`                                       |
//! | bigint in -2^63 .. 2^64-1          | `Int` if it fits 32 bits, else `Long` (bits kept) |
//! | string                             | `String`                                       |
//! | Uint8Array, ArrayBuffer            | `Bytes`                                        |
//! | Array                              | `Vector`                                       |
//! | Map with string keys               | `Object`, as a plain object                    |
//!
//! Anything else (functions, symbols, other iterables such as Set, Map keys that are not
//! strings, holes and `null` inside arrays, arrays over 2^20 items) is refused with an error
//! naming the path to it, and so is a value whose getters or Proxy traps throw. Input deeper
//! than the codec can encode is refused before it can exhaust the stack.
//!
//! Out: `Long` is a bigint, `Int`/`Double` numbers, `Bytes` a Uint8Array, objects plain
//! objects with `_` first.

use super::imports::{self, Kind};
use crate::tl::{self, Object as TlObject, Value};
use js_sys::{Array, BigInt, Object, Reflect, Uint8Array};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;

/// Deeper than the codec's limit (plus the top object and one level of slack) is refused.
const MAX_INPUT_DEPTH: usize = tl::MAX_DEPTH + 2;
/// 2^53 - 1.
const MAX_SAFE_INTEGER: f64 = 9_007_199_254_740_991.0;

/// A JavaScript TL value as a [`Value`]; the error names the path (`peer.user_id`).
pub(crate) fn from_js(v: &JsValue) -> Result<Value, String> {
    let mut path = Vec::new();
    convert(v, 0, &mut path).map_err(|e| {
        if path.is_empty() {
            e
        } else {
            format!("{}: {e}", path.join("."))
        }
    })
}

/// A [`Value`] as a JavaScript value.
pub(crate) fn to_js(v: &Value) -> JsValue {
    match v {
        Value::Bool(b) => JsValue::from_bool(*b),
        Value::Int(i) => JsValue::from_f64(f64::from(*i)),
        Value::Long(l) => BigInt::from(*l).into(),
        Value::Double(d) => JsValue::from_f64(*d),
        Value::String(s) => JsValue::from_str(s),
        Value::Bytes(b) => Uint8Array::from(&b[..]).into(),
        Value::Vector(items) => items.iter().map(to_js).collect::<Array>().into(),
        Value::Object(o) => {
            let obj = Object::new();
            set(&obj, "_", &JsValue::from_str(&o.name));
            for (k, v) in &o.fields {
                set(&obj, k, &to_js(v));
            }
            obj.into()
        }
    }
}

fn set(obj: &Object, key: &str, v: &JsValue) {
    // Keys are schema field names (a bounded set), so interning them pays off.
    let _ = Reflect::set(obj, &JsValue::from_str(wasm_bindgen::intern(key)), v);
}

fn int_value(v: i64) -> Value {
    match i32::try_from(v) {
        Ok(i) => Value::Int(i),
        Err(_) => Value::Long(v),
    }
}

fn convert(v: &JsValue, depth: usize, path: &mut Vec<String>) -> Result<Value, String> {
    if depth > MAX_INPUT_DEPTH {
        return Err("TL value nested too deeply".into());
    }
    // Every look into an object goes through `imports` (imported with `catch`): a getter or a
    // Proxy trap that throws gives an error here instead of unwinding through the wasm.
    match imports::kind(v)? {
        Kind::Bool => Ok(Value::Bool(v.as_bool().unwrap_or_default())),
        Kind::Number => {
            let n = v.as_f64().unwrap_or(f64::NAN);
            Ok(if n.fract() == 0.0 && n.abs() <= MAX_SAFE_INTEGER {
                int_value(n as i64)
            } else {
                Value::Double(n)
            })
        }
        // A bigint above i64::MAX keeps its bit pattern: `long` is 64 bits on the wire.
        Kind::BigInt => match i64::try_from(v.clone()) {
            Ok(i) => Ok(int_value(i)),
            Err(v) => u64::try_from(v)
                .map(|u| Value::Long(u as i64))
                .map_err(|_| "bigint out of 64-bit range".to_string()),
        },
        Kind::String => Ok(Value::String(v.as_string().unwrap_or_default())),
        Kind::Array => {
            let arr = imports::items(v)?;
            let mut items = Vec::with_capacity((arr.length() as usize).min(4096));
            for (i, item) in arr.iter().enumerate() {
                path.push(i.to_string());
                if item.is_null() || item.is_undefined() {
                    return Err("expected a TL value, got null or undefined".into());
                }
                items.push(convert(&item, depth.saturating_add(1), path)?);
                path.pop();
            }
            Ok(Value::Vector(items))
        }
        Kind::Bytes => Ok(Value::Bytes(
            imports::bytes_of(v, true)?.unwrap_or_default(),
        )),
        Kind::Map | Kind::Object => object(&imports::entries(v)?, depth, path),
        Kind::Refused => Err(
            "expected a TL value (object with `_`, number, bigint, string, bytes, array, boolean)"
                .into(),
        ),
    }
}

/// An object from its `[key, value]` entries (a plain array of plain pairs, from
/// `imports::entries`).
fn object(entries: &Array, depth: usize, path: &mut Vec<String>) -> Result<Value, String> {
    let mut out = TlObject::default();
    for entry in entries.iter() {
        let entry: Array = entry.unchecked_into();
        let Some(key) = entry.get(0).as_string() else {
            return Err("object keys must be strings".into());
        };
        let value = entry.get(1);
        if key == "_" {
            out.name = value
                .as_string()
                .ok_or_else(|| "`_` must be a constructor name (a string)".to_string())?;
        } else if !(value.is_null() || value.is_undefined()) {
            path.push(key);
            let v = convert(&value, depth.saturating_add(1), path)?;
            let key = path.pop().unwrap_or_default();
            out.fields.push((key, v));
        }
    }
    Ok(Value::Object(out))
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};
    wasm_bindgen_test_configure!(run_in_browser);

    fn js(src: &str) -> JsValue {
        js_sys::eval(&format!("({src})")).unwrap()
    }

    #[wasm_bindgen_test]
    fn scalars_follow_the_convention() {
        assert_eq!(from_js(&js("true")), Ok(Value::Bool(true)));
        assert_eq!(from_js(&js("7")), Ok(Value::Int(7)));
        assert_eq!(from_js(&js("-0")), Ok(Value::Int(0)));
        assert_eq!(from_js(&js("2**40")), Ok(Value::Long(1 << 40)));
        assert_eq!(from_js(&js("1.5")), Ok(Value::Double(1.5)));
        assert_eq!(from_js(&js("2**60")), Ok(Value::Double(2f64.powi(60))));
        assert_eq!(from_js(&js("5n")), Ok(Value::Int(5)));
        assert_eq!(from_js(&js("-(2n**63n)")), Ok(Value::Long(i64::MIN)));
        assert_eq!(from_js(&js("2n**64n - 1n")), Ok(Value::Long(-1)));
        assert!(from_js(&js("2n**64n")).unwrap_err().contains("64-bit"));
        assert!(from_js(&js("-(2n**63n) - 1n")).is_err());
        assert_eq!(from_js(&js("'hi'")), Ok(Value::String("hi".into())));
        assert_eq!(
            from_js(&js("new Uint8Array([1, 2])")),
            Ok(Value::Bytes(vec![1, 2]))
        );
        assert_eq!(
            from_js(&js("new Uint8Array([3]).buffer")),
            Ok(Value::Bytes(vec![3]))
        );
        for bad in [
            "null",
            "undefined",
            "() => 1",
            "Symbol()",
            "new Set()",
            "new Map([[1, 2]])",
        ] {
            assert!(from_js(&js(bad)).is_err(), "{bad}");
        }
    }

    #[wasm_bindgen_test]
    fn objects_skip_absent_fields_and_name_the_bad_path() {
        let v = from_js(&js(
            "{ _: 'inputPeerUser', user_id: 1, access_hash: 2n, extra: null, more: undefined }",
        ))
        .unwrap();
        let o = v.as_object().unwrap();
        assert_eq!(o.name, "inputPeerUser");
        assert_eq!(o.fields.len(), 2);
        // a bare object may leave `_` out
        assert_eq!(
            from_js(&js("{ a: 1 }")).unwrap().as_object().unwrap().name,
            ""
        );
        assert!(from_js(&js("{ _: 5 }")).unwrap_err().contains("`_`"));
        // a Map with string keys is an object; other non-iterable objects have no fields
        let m = from_js(&js("new Map([['_', 'inputPeerSelf'], ['x', 1]])")).unwrap();
        assert_eq!(m.as_object().unwrap().name, "inputPeerSelf");
        assert_eq!(m.as_object().unwrap().fields.len(), 1);
        let d = from_js(&js("new Date(0)")).unwrap();
        assert_eq!(d.as_object().unwrap().fields.len(), 0);
        let e = from_js(&js("{ _: 'x', peer: { _: 'y', ids: [1, null] } }")).unwrap_err();
        assert!(e.starts_with("peer.ids.1: "), "{e}");
        let e = from_js(&js("{ _: 'x', f: () => 1 }")).unwrap_err();
        assert!(e.starts_with("f: "), "{e}");
    }

    #[wasm_bindgen_test]
    fn values_that_throw_when_read_are_errors_not_exceptions() {
        for (src, at) in [
            (
                "{ _: 'a', get x() { throw new Error('getter') } }",
                "getter",
            ),
            (
                "new Proxy({}, { ownKeys() { throw new Error('ownKeys') } })",
                "ownKeys",
            ),
            (
                "{ _: 'a', v: new Proxy([1], { get() { throw new Error('index') } }) }",
                "index",
            ),
            (
                "(() => { const m = new Map([['_', 'a']]); m[Symbol.iterator] = function* () { yield null; }; return m; })()",
                "",
            ),
            (
                "(() => { const p = Proxy.revocable({}, {}); p.revoke(); return p.proxy; })()",
                "",
            ),
            ("new Proxy(new Uint8Array(4), {})", ""),
            (
                "{ _: 'a', b: (() => { const u = new Uint8Array(2); Object.defineProperty(u, 'length', { value: 2 }); Object.defineProperty(u, 'buffer', { get() { throw 'buffer' } }); return u; })() }",
                "buffer",
            ),
            (
                "{ _: 'a', v: { length: 2 ** 32 - 1, __proto__: Array.prototype } }",
                "",
            ),
            (
                "{ _: 'a', v: (() => { const a = []; a.length = 2 ** 21; return a; })() }",
                "longer",
            ),
        ] {
            let e = from_js(&js(src)).unwrap_err();
            assert!(e.contains("threw") || e.contains("expected"), "{src}: {e}");
            assert!(e.contains(at), "{src}: {e}");
        }
        // a Uint8Array's own `length` is never read: the bytes come from a fresh view (and a
        // plain one goes to the glue as it is)
        let u = js(
            "(() => { const u = new Uint8Array([1, 2]); Object.defineProperty(u, 'length', { get() { throw 1 } }); return u; })()",
        );
        assert_eq!(from_js(&u), Ok(Value::Bytes(vec![1, 2])));
    }

    #[wasm_bindgen_test]
    fn deep_input_is_refused_before_the_stack_runs_out() {
        let deep = js(&format!("{}{}", "[".repeat(100), "]".repeat(100)));
        assert!(from_js(&deep).unwrap_err().contains("nested too deeply"));
        let cyclic = js("(() => { const o = { _: 'a' }; o.self = o; return o; })()");
        assert!(from_js(&cyclic).unwrap_err().contains("nested too deeply"));
    }

    #[wasm_bindgen_test]
    fn values_go_out_and_back() {
        let v: Value = TlObject::new("messages.sendMessage")
            .with("random_id", 1i64 << 40)
            .with("message", "hi")
            .with("silent", true)
            .with("x", Value::Bytes(vec![9]))
            .with("v", Value::Vector(vec![Value::Int(1), Value::Double(0.5)]))
            .into();
        let out = to_js(&v);
        let keys: Vec<String> = Object::keys(out.unchecked_ref::<Object>())
            .iter()
            .filter_map(|k| k.as_string())
            .collect();
        assert_eq!(keys, ["_", "random_id", "message", "silent", "x", "v"]);
        assert!(Reflect::get(&out, &"random_id".into()).unwrap().is_bigint());
        assert_eq!(from_js(&out), Ok(v));
    }
}
