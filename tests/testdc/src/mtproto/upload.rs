//! upload.saveFilePart / saveBigFilePart, encrypted files attached to secret messages, and
//! upload.getFile for inputEncryptedFileLocation.
//! Spec: <https://core.telegram.org/api/files>.

use mtproto_wasm::secret::file::md5_hex;
use mtproto_wasm::tl::{Object, Value};

use super::api::{ApiCtx, RpcFail, encode, fail, field, int_field};
use super::secret_state::{EncFile, MAX_FILE, MAX_FILES, MAX_PART};
use super::state::{User, random_i64};

fn part_bytes(o: &Object) -> Result<&[u8], RpcFail> {
    match field(o, "bytes")? {
        Value::Bytes(b) => Ok(b),
        Value::String(s) => Ok(s.as_bytes()),
        _ => Err(fail(400, "INPUT_REQUEST_INVALID")),
    }
}

/// upload.saveFilePart and upload.saveBigFilePart.
pub fn save_part(ctx: &mut ApiCtx<'_>, o: &Object, me: &User) -> Result<Vec<u8>, RpcFail> {
    let file_id = int_field(o, "file_id")?;
    let part =
        i32::try_from(int_field(o, "file_part")?).map_err(|_| fail(400, "FILE_PART_INVALID"))?;
    if !(0..=8000).contains(&part) {
        return Err(fail(400, "FILE_PART_INVALID"));
    }
    let bytes = part_bytes(o)?;
    if bytes.is_empty() {
        return Err(fail(400, "FILE_PART_EMPTY"));
    }
    if bytes.len() > MAX_PART {
        return Err(fail(400, "FILE_PART_SIZE_INVALID"));
    }
    let s = &mut ctx.state.secret;
    if !s.uploads.contains_key(&(me.id, file_id)) && s.uploads.len() + s.files.len() >= MAX_FILES {
        return Err(fail(400, "FILE_PARTS_INVALID"));
    }
    let up = s.uploads.entry((me.id, file_id)).or_default();
    let old = up.parts.get(&part).map_or(0, Vec::len);
    if up.size - old + bytes.len() > MAX_FILE {
        return Err(fail(400, "FILE_PARTS_INVALID"));
    }
    up.size = up.size - old + bytes.len();
    up.parts.insert(part, bytes.to_vec());
    encode(&Value::Bool(true))
}

/// Turns an InputEncryptedFile into a stored file; returns the EncryptedFile object.
pub fn attach(ctx: &mut ApiCtx<'_>, v: &Value, me: &User) -> Result<Value, RpcFail> {
    let o = v
        .as_object()
        .ok_or_else(|| fail(400, "INPUT_REQUEST_INVALID"))?;
    match o.name.as_str() {
        "inputEncryptedFileEmpty" => Ok(Object::new("encryptedFileEmpty").into()),
        "inputEncryptedFileUploaded" | "inputEncryptedFileBigUploaded" => {
            let id = int_field(o, "id")?;
            let parts = int_field(o, "parts")?;
            let fp = i32::try_from(int_field(o, "key_fingerprint")?)
                .map_err(|_| fail(400, "FILE_EMTPY"))?;
            let up = ctx
                .state
                .secret
                .uploads
                .remove(&(me.id, id))
                .ok_or_else(|| fail(400, "FILE_PARTS_INVALID"))?;
            let mut bytes = Vec::with_capacity(up.size);
            for n in 0..parts {
                let p = up
                    .parts
                    .get(&(i32::try_from(n).unwrap_or(-1)))
                    .ok_or_else(|| fail(400, "FILE_PART_MISSING"))?;
                bytes.extend_from_slice(p);
            }
            if u64::try_from(up.parts.len()).ok() != u64::try_from(parts).ok() {
                return Err(fail(400, "FILE_PARTS_INVALID"));
            }
            if let Some(Value::String(md5)) = o.get("md5_checksum") {
                if !md5.is_empty() && md5.to_ascii_lowercase() != md5_hex(&bytes) {
                    return Err(fail(400, "MD5_CHECKSUM_INVALID"));
                }
            }
            let file_id = random_i64();
            let file = EncFile {
                access_hash: random_i64(),
                bytes,
                key_fingerprint: fp,
            };
            let obj = file_object(file_id, &file, ctx.dc_id);
            ctx.state.secret.files.insert(file_id, file);
            Ok(obj)
        }
        "inputEncryptedFile" => {
            let id = int_field(o, "id")?;
            let f = stored(ctx, id, int_field(o, "access_hash")?)?;
            Ok(file_object(id, f, ctx.dc_id))
        }
        _ => Err(fail(400, "INPUT_REQUEST_INVALID")),
    }
}

/// upload.getFile for inputEncryptedFileLocation. "offset must be divisible by 4096 (1024
/// for precise requests), limit by 1024 (up to 1 MB), and offset / (1 MB) must equal
/// (offset + limit - 1) / (1 MB)" for non-precise requests.
pub fn get_file(ctx: &mut ApiCtx<'_>, o: &Object) -> Result<Vec<u8>, RpcFail> {
    let loc = field(o, "location")?
        .as_object()
        .ok_or_else(|| fail(400, "INPUT_REQUEST_INVALID"))?;
    if loc.name != "inputEncryptedFileLocation" {
        return Err(fail(400, "LOCATION_INVALID"));
    }
    let id = int_field(loc, "id")?;
    let hash = int_field(loc, "access_hash")?;
    let offset = int_field(o, "offset")?;
    let limit = int_field(o, "limit")?;
    let precise = matches!(o.get("precise"), Some(Value::Bool(true)));
    let mb = 1024 * 1024;
    if offset < 0 || offset % if precise { 1024 } else { 4096 } != 0 {
        return Err(fail(400, "OFFSET_INVALID"));
    }
    if limit <= 0
        || limit % 1024 != 0
        || limit > mb
        || (!precise && offset / mb != (offset + limit - 1) / mb)
    {
        return Err(fail(400, "LIMIT_INVALID"));
    }
    let f = stored(ctx, id, hash)?;
    let start = usize::try_from(offset)
        .unwrap_or(usize::MAX)
        .min(f.bytes.len());
    let end = start
        .saturating_add(usize::try_from(limit).unwrap_or(0))
        .min(f.bytes.len());
    let chunk = f.bytes.get(start..end).unwrap_or_default().to_vec();
    encode(
        &Object::new("upload.file")
            .with("type", Object::new("storage.fileUnknown"))
            .with("mtime", i32::try_from(ctx.now).unwrap_or(i32::MAX))
            .with("bytes", chunk)
            .into(),
    )
}

/// The stored file `id` if `hash` is its access_hash.
fn stored<'s>(ctx: &'s ApiCtx<'_>, id: i64, hash: i64) -> Result<&'s EncFile, RpcFail> {
    ctx.state
        .secret
        .files
        .get(&id)
        .filter(|f| f.access_hash == hash)
        .ok_or_else(|| fail(400, "FILE_ID_INVALID"))
}

/// The encryptedFile object of a stored file.
fn file_object(id: i64, f: &EncFile, dc_id: i32) -> Value {
    Object::new("encryptedFile")
        .with("id", id)
        .with("access_hash", f.access_hash)
        .with("size", i64::try_from(f.bytes.len()).unwrap_or(i64::MAX))
        .with("dc_id", dc_id)
        .with("key_fingerprint", f.key_fingerprint)
        .into()
}
