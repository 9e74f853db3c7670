//! A tiny HTTP/1.1 server side, sans-IO: request-head parsing with limits, static-file path
//! resolution that never leaves its root, MIME types and response heads.
//!
//! Spec: <https://www.rfc-editor.org/rfc/rfc9112> (message syntax). Only what the demo needs:
//! GET and HEAD, one request per connection (`Connection: close`), and the WebSocket upgrade.

use std::path::{Component, Path, PathBuf};

/// The most header lines a request may have.
pub const MAX_HEADERS: usize = 64;

/// A parsed request head.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// `GET`, `HEAD`, ...
    pub method: String,
    /// The path part of the request target, without the query.
    pub path: String,
    /// Header names (lowercased) and values (trimmed), in order.
    pub headers: Vec<(String, String)>,
}

impl Request {
    /// The first header named `name` (lowercase).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Whether header `name` holds `token` in its comma-separated list (case-insensitive).
    pub fn header_has_token(&self, name: &str, token: &str) -> bool {
        self.headers
            .iter()
            .filter(|(n, _)| n == name)
            .flat_map(|(_, v)| v.split(','))
            .any(|t| t.trim().eq_ignore_ascii_case(token))
    }
}

/// Why a request head is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HttpError {
    /// Not HTTP/1.x syntax (400).
    Malformed(&'static str),
    /// The head is longer than the limit or has too many lines (431).
    HeadTooLarge,
}

impl HttpError {
    /// The status line's code and reason.
    pub fn status(self) -> (u16, &'static str) {
        match self {
            Self::Malformed(_) => (400, "Bad Request"),
            Self::HeadTooLarge => (431, "Request Header Fields Too Large"),
        }
    }
}

/// Whether the first bytes of a connection are the start of an HTTP request.
///
/// This works because an obfuscated MTProto client never starts with these words: per
/// <https://core.telegram.org/mtproto/mtproto-transports> (Transport obfuscation), the
/// client regenerates its random 64-byte header while "the first 4 bytes ... are HEAD,
/// POST, GET , OPTI, 0xdddddddd or 0xeeeeeeee" (or byte 0 is 0xef, or bytes 4..8 are
/// zero). Plain abridged (0xef), intermediate (0xeeeeeeee), padded intermediate
/// (0xdddddddd) and full (a little-endian length) never start with ASCII letters either.
///
/// Returns `Some(true)`/`Some(false)` once decided, `None` while more bytes are needed
/// (only while the bytes so far are a prefix of one of the four words).
pub fn sniff_http(first: &[u8]) -> Option<bool> {
    const WORDS: [&[u8; 4]; 4] = [b"GET ", b"HEAD", b"POST", b"OPTI"];
    let n = first.len().min(4);
    let prefix = &first[..n];
    let mut any_prefix = false;
    for w in WORDS {
        if w[..n] == *prefix {
            if n == 4 {
                return Some(true);
            }
            any_prefix = true;
        }
    }
    if any_prefix { None } else { Some(false) }
}

/// Parses a request head from the start of `buf`. `Ok(None)` while the head is incomplete;
/// `Ok(Some((request, head_len)))` once `\r\n\r\n` is found within `max_head` bytes.
pub fn parse_request(buf: &[u8], max_head: usize) -> Result<Option<(Request, usize)>, HttpError> {
    let window = &buf[..buf.len().min(max_head)];
    let Some(end) = window.windows(4).position(|w| w == b"\r\n\r\n") else {
        return if buf.len() >= max_head {
            Err(HttpError::HeadTooLarge)
        } else {
            Ok(None)
        };
    };
    let head =
        core::str::from_utf8(&buf[..end]).map_err(|_| HttpError::Malformed("head is not UTF-8"))?;
    let mut lines = head.split("\r\n");
    let request_line = lines.next().unwrap_or_default();
    let mut parts = request_line.split(' ');
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(HttpError::Malformed(
            "request line is not METHOD TARGET VERSION",
        ));
    };
    if method.is_empty() || !method.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(HttpError::Malformed("bad method"));
    }
    if !matches!(version, "HTTP/1.1" | "HTTP/1.0") {
        return Err(HttpError::Malformed("not HTTP/1.0 or HTTP/1.1"));
    }
    if !target.starts_with('/') {
        return Err(HttpError::Malformed(
            "request target is not an absolute path",
        ));
    }
    let path = target
        .split(['?', '#'])
        .next()
        .unwrap_or_default()
        .to_owned();
    let mut headers = Vec::new();
    for line in lines {
        if headers.len() >= MAX_HEADERS {
            return Err(HttpError::HeadTooLarge);
        }
        let Some((name, value)) = line.split_once(':') else {
            return Err(HttpError::Malformed("header line without a colon"));
        };
        if name.is_empty()
            || name
                .bytes()
                .any(|b| b.is_ascii_whitespace() || b.is_ascii_control())
        {
            return Err(HttpError::Malformed("bad header name"));
        }
        headers.push((name.to_ascii_lowercase(), value.trim().to_owned()));
    }
    Ok(Some((
        Request {
            method: method.to_owned(),
            path,
            headers,
        },
        end + 4,
    )))
}

/// Percent-decodes a URL path; `None` on a bad escape or a result that is not UTF-8.
pub fn percent_decode(path: &str) -> Option<String> {
    let b = path.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = core::str::from_utf8(b.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// The file under `root` that URL path `rel` (already stripped of its route prefix) names,
/// or `None` if the path tries to leave the root (`..`, absolute parts, backslashes, NUL,
/// hidden files) or does not decode. A trailing `/` or empty path means `index.html`.
/// The result is checked again after following symlinks by [`confine`].
pub fn resolve(root: &Path, rel: &str) -> Option<PathBuf> {
    let decoded = percent_decode(rel)?;
    if decoded.contains(['\\', '\0']) {
        return None;
    }
    let mut path = root.to_path_buf();
    for segment in decoded.split('/') {
        if segment.is_empty() {
            continue;
        }
        if segment.starts_with('.') {
            return None; // "..", ".", and hidden files
        }
        let mut comps = Path::new(segment).components();
        match (comps.next(), comps.next()) {
            (Some(Component::Normal(_)), None) => path.push(segment),
            _ => return None,
        }
    }
    if decoded.is_empty() || decoded.ends_with('/') {
        path.push("index.html");
    }
    Some(path)
}

/// `path` if, with symlinks resolved, it is a file inside `root`.
pub fn confine(root: &Path, path: &Path) -> Option<PathBuf> {
    let root = root.canonicalize().ok()?;
    let real = path.canonicalize().ok()?;
    (real.starts_with(&root) && real.is_file()).then_some(real)
}

/// The `Content-Type` for a file name.
pub fn mime_type(path: &Path) -> &'static str {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default()
        .to_ascii_lowercase();
    let ext = name.rsplit_once('.').map(|(_, e)| e).unwrap_or_default();
    match ext {
        "html" | "htm" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "wasm" => "application/wasm",
        "css" => "text/css; charset=utf-8",
        "json" | "map" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        // TypeScript sources and declarations (`.ts`, `.d.ts`).
        "ts" => "application/typescript; charset=utf-8",
        "txt" | "md" => "text/plain; charset=utf-8",
        "pem" => "application/x-pem-file",
        _ => "application/octet-stream",
    }
}

/// A response head with `Content-Length` and `Connection: close`.
pub fn response_head(
    status: u16,
    reason: &str,
    content_type: &str,
    len: usize,
    extra: &[(&str, &str)],
) -> Vec<u8> {
    let mut h = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: {content_type}\r\nContent-Length: {len}\r\n\
         Connection: close\r\nCache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\n"
    );
    for (name, value) in extra {
        h.push_str(name);
        h.push_str(": ");
        h.push_str(value);
        h.push_str("\r\n");
    }
    h.push_str("\r\n");
    h.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffing() {
        assert_eq!(sniff_http(b"GET /"), Some(true));
        assert_eq!(sniff_http(b"HEAD"), Some(true));
        assert_eq!(sniff_http(b"OPTIONS"), Some(true));
        assert_eq!(sniff_http(b"POST"), Some(true));
        assert_eq!(sniff_http(b"GE"), None);
        assert_eq!(sniff_http(b"P"), None);
        assert_eq!(sniff_http(b"GEX"), Some(false));
        assert_eq!(sniff_http(b"GETX"), Some(false));
        assert_eq!(sniff_http(&[0xef]), Some(false));
        assert_eq!(sniff_http(&[0xee, 0xee, 0xee, 0xee]), Some(false));
        assert_eq!(sniff_http(b""), None);
    }

    #[test]
    fn parse_heads() {
        let req =
            b"GET /pkg/a.js?x=1 HTTP/1.1\r\nHost: x\r\nConnection: keep-alive, Upgrade\r\n\r\nrest";
        let (r, n) = parse_request(req, 1024).unwrap().unwrap();
        assert_eq!(n, req.len() - 4);
        assert_eq!(r.method, "GET");
        assert_eq!(r.path, "/pkg/a.js");
        assert_eq!(r.header("host"), Some("x"));
        assert!(r.header_has_token("connection", "upgrade"));
        assert_eq!(parse_request(b"GET / HTTP/1.1\r\nHost:", 1024), Ok(None));
        assert_eq!(
            parse_request(b"GET / HTTP/1.1\r\nHost: aaaa", 10),
            Err(HttpError::HeadTooLarge)
        );
        for bad in [
            &b"GET / HTTP/2.0\r\n\r\n"[..],
            b"GET  / HTTP/1.1\r\n\r\n",
            b"GET x HTTP/1.1\r\n\r\n",
            b"get / HTTP/1.1\r\n\r\n",
            b"GET / HTTP/1.1\r\nNoColon\r\n\r\n",
            b"GET / HTTP/1.1\r\nBad Name: v\r\n\r\n",
            b"GET /\xff HTTP/1.1\r\n\r\n",
        ] {
            assert!(
                matches!(parse_request(bad, 1024), Err(HttpError::Malformed(_))),
                "{bad:?}"
            );
        }
        let many = format!(
            "GET / HTTP/1.1\r\n{}\r\n",
            "a: b\r\n".repeat(MAX_HEADERS + 1)
        );
        assert_eq!(
            parse_request(many.as_bytes(), 4096),
            Err(HttpError::HeadTooLarge)
        );
    }

    #[test]
    fn resolving_stays_inside_root() {
        let root = Path::new("/srv/www");
        assert_eq!(
            resolve(root, "/"),
            Some(PathBuf::from("/srv/www/index.html"))
        );
        assert_eq!(
            resolve(root, ""),
            Some(PathBuf::from("/srv/www/index.html"))
        );
        assert_eq!(
            resolve(root, "/a/b.js"),
            Some(PathBuf::from("/srv/www/a/b.js"))
        );
        assert_eq!(
            resolve(root, "/a%20b.js"),
            Some(PathBuf::from("/srv/www/a b.js"))
        );
        for bad in [
            "/../etc/passwd",
            "/a/../../x",
            "/%2e%2e/x",
            "/a%2f..%2f..%2fx",
            "/.git/config",
            "/a\\..\\b",
            "/%00",
            "/%zz",
            "/%2",
        ] {
            assert_eq!(resolve(root, bad), None, "{bad}");
        }
    }

    #[test]
    fn mime_types() {
        for (name, mime) in [
            ("index.html", "text/html; charset=utf-8"),
            ("a.js", "text/javascript; charset=utf-8"),
            ("a.mjs", "text/javascript; charset=utf-8"),
            ("m_bg.wasm", "application/wasm"),
            ("s.css", "text/css; charset=utf-8"),
            ("package.json", "application/json"),
            ("i.svg", "image/svg+xml"),
            ("i.PNG", "image/png"),
            ("m.ts", "application/typescript; charset=utf-8"),
            ("m.d.ts", "application/typescript; charset=utf-8"),
            ("blob", "application/octet-stream"),
        ] {
            assert_eq!(mime_type(Path::new(name)), mime, "{name}");
        }
    }
}
