//! HTTP on the shared port: static files, MIME types, 404, traversal, /info, /rsa.pem,
//! malformed requests and the header limit.

mod common;

use common::*;
use mtproto_testdc::rsa::fingerprint;

#[tokio::test]
async fn serves_files_with_mime_types() {
    let dc = start_echo().await;
    let port = dc.port();
    for (path, mime, body) in [
        (
            "/",
            "text/html; charset=utf-8",
            &b"<!doctype html><title>demo</title>"[..],
        ),
        (
            "/index.html",
            "text/html; charset=utf-8",
            b"<!doctype html><title>demo</title>",
        ),
        (
            "/app.mjs",
            "text/javascript; charset=utf-8",
            b"export const x = 1;\n",
        ),
        ("/sub/style.css?v=2", "text/css; charset=utf-8", b"body{}"),
        (
            "/pkg/mtproto_wasm_bg.wasm",
            "application/wasm",
            b"\0asm\x01\0\0\0",
        ),
        (
            "/pkg/mtproto_wasm.d.ts",
            "application/typescript; charset=utf-8",
            b"export {};\n",
        ),
    ] {
        let r = http_get(port, path).await;
        assert_eq!(r.status, 200, "{path}");
        assert_eq!(r.header("content-type"), Some(mime), "{path}");
        assert_eq!(r.body, body, "{path}");
        assert_eq!(
            r.header("content-length"),
            Some(body.len().to_string().as_str())
        );
    }
    // HEAD: same head, no body.
    let r = http_raw(port, b"HEAD /app.mjs HTTP/1.1\r\nHost: x\r\n\r\n").await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-length"), Some("20"));
    assert!(r.body.is_empty());
}

#[tokio::test]
async fn not_found_and_traversal() {
    let dc = start_echo().await;
    let port = dc.port();
    assert_eq!(http_get(port, "/nope.js").await.status, 404);
    assert_eq!(http_get(port, "/pkg/nope.wasm").await.status, 404);
    assert_eq!(http_get(port, "/sub/").await.status, 404); // no index.html there
    for path in [
        "/../secret.txt",
        "/pkg/../secret.txt",
        "/sub/../../secret.txt",
        "/%2e%2e/secret.txt",
        "/%2E%2E%2Fsecret.txt",
        "/pkg/..%2f..%2fsecret.txt",
        "/..\\secret.txt",
        "/.hidden",
        "/%00",
    ] {
        let r = http_get(port, path).await;
        assert!(r.status == 403 || r.status == 404, "{path}: {}", r.status);
        assert!(
            !String::from_utf8_lossy(&r.body).contains("do not serve"),
            "{path}"
        );
    }
    // A symlink inside the root that points outside it is not followed.
    #[cfg(unix)]
    assert_eq!(http_get(port, "/link.txt").await.status, 404);
}

#[tokio::test]
async fn methods_malformed_requests_and_head_limit() {
    let dc = start_echo().await;
    let port = dc.port();
    let r = http_raw(port, b"POST / HTTP/1.1\r\nContent-Length: 0\r\n\r\n").await;
    assert_eq!(r.status, 405);
    let r = http_raw(port, b"OPTIONS / HTTP/1.1\r\n\r\n").await;
    assert_eq!(r.status, 405);
    for bad in [
        &b"GET / HTTP/9.9\r\n\r\n"[..],
        b"GET /\r\n\r\n",
        b"GET relative HTTP/1.1\r\n\r\n",
        b"GET / HTTP/1.1\r\nno colon here\r\n\r\n",
        b"GET / HTTP/1.1\r\n\xff\xfe: x\r\n\r\n",
    ] {
        assert_eq!(http_raw(port, bad).await.status, 400, "{bad:?}");
    }
    // The head limit (8 KiB by default): 431, and the connection is closed.
    let big = format!("GET / HTTP/1.1\r\nX-Big: {}\r\n\r\n", "a".repeat(10_000));
    assert_eq!(http_raw(port, big.as_bytes()).await.status, 431);
    let many = format!("GET / HTTP/1.1\r\n{}\r\n", "A: b\r\n".repeat(100));
    assert_eq!(http_raw(port, many.as_bytes()).await.status, 431);
    // The server still serves.
    assert_eq!(http_get(port, "/").await.status, 200);
}

#[tokio::test]
async fn info_and_rsa_pem_agree() {
    let dc = start_echo().await;
    let port = dc.port();
    let info = http_get(port, "/info").await;
    assert_eq!(info.status, 200);
    assert_eq!(info.header("content-type"), Some("application/json"));
    let v: serde_json::Value = serde_json::from_slice(&info.body).unwrap();
    assert_eq!(v["port"], port);
    assert_eq!(v["dc"], 2);
    let fp_text = v["rsa_fingerprint"].as_str().unwrap();
    let fp = u64::from_str_radix(fp_text.trim_start_matches("0x"), 16).unwrap();
    assert_eq!(fp, dc.dc().fingerprint());
    // The fixed test key's fingerprint, computed independently when the key was made.
    assert_eq!(fp, 0x37b8_5bc0_2dc6_a481);

    let pem = http_get(port, "/rsa.pem").await;
    assert_eq!(pem.status, 200);
    let text = String::from_utf8(pem.body).unwrap();
    assert!(text.starts_with("-----BEGIN RSA PUBLIC KEY-----\n"));
    assert!(text.ends_with("-----END RSA PUBLIC KEY-----\n"));
    let (n, e) = parse_pkcs1_pem(&text);
    assert_eq!(n.len(), 256);
    assert_eq!(e, [1, 0, 1]);
    assert_eq!(n, dc.dc().rsa().n_bytes());
    assert_eq!(fingerprint(&n, &e), fp);
}

#[tokio::test]
async fn placeholder_page_without_www() {
    let dc = start_echo().await;
    std::fs::remove_file(dc.site.dir.join("www/index.html")).unwrap();
    let r = http_get(dc.port(), "/").await;
    assert_eq!(r.status, 200);
    assert!(String::from_utf8_lossy(&r.body).contains("/rsa.pem"));
}
