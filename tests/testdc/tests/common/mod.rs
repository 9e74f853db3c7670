//! Helpers shared by the integration tests: a server on 127.0.0.1:0 with temporary web
//! roots, a raw HTTP client, a small WebSocket client and a DER reader.
#![allow(dead_code)]

pub mod client;

use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use mtproto_testdc::encoding::base64_encode;
use mtproto_testdc::ws::{self, opcode};
use mtproto_testdc::{
    Config, ConnInfo, ConnectionHandler, Dc, EchoFactory, HandlerError, HandlerFactory, Limits,
    RsaKeyPair, ServerHandle,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Every network step of a test must finish within this.
pub const STEP: Duration = Duration::from_secs(20);

/// Awaits `f`, failing the test if it takes longer than [`STEP`].
pub async fn within<F: Future>(f: F) -> F::Output {
    tokio::time::timeout(STEP, f)
        .await
        .expect("test step timed out")
}

/// A temporary folder with a `www/` and a `pkg/` root and a secret file beside them.
pub struct Site {
    pub dir: PathBuf,
}

impl Site {
    pub fn new() -> Self {
        static N: AtomicU32 = AtomicU32::new(0);
        let dir = std::env::temp_dir().join(format!(
            "mtproto-testdc-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("www/sub")).unwrap();
        std::fs::create_dir_all(dir.join("pkg/snippets")).unwrap();
        std::fs::write(
            dir.join("www/index.html"),
            "<!doctype html><title>demo</title>",
        )
        .unwrap();
        std::fs::write(dir.join("www/app.mjs"), "export const x = 1;\n").unwrap();
        std::fs::write(dir.join("www/sub/style.css"), "body{}").unwrap();
        std::fs::write(dir.join("www/.hidden"), "hidden").unwrap();
        std::fs::write(dir.join("pkg/mtproto_wasm_bg.wasm"), b"\0asm\x01\0\0\0").unwrap();
        std::fs::write(dir.join("pkg/mtproto_wasm.d.ts"), "export {};\n").unwrap();
        std::fs::write(dir.join("secret.txt"), "do not serve").unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink(dir.join("secret.txt"), dir.join("www/link.txt")).unwrap();
        Self { dir }
    }
}

impl Drop for Site {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A running test server and its site.
pub struct TestDc {
    pub server: ServerHandle,
    pub site: Site,
}

impl TestDc {
    pub fn port(&self) -> u16 {
        self.server.port()
    }

    pub fn dc(&self) -> &Arc<Dc> {
        self.server.dc()
    }

    pub async fn connect(&self) -> TcpStream {
        within(TcpStream::connect(("127.0.0.1", self.port())))
            .await
            .unwrap()
    }

    /// Waits until exactly `n` sockets are open on the server.
    pub async fn wait_active(&self, n: usize) {
        let mut rx = self.dc().watch_active_sockets();
        within(rx.wait_for(|&k| k == n)).await.unwrap();
    }
}

/// Starts a server with the fixed key, `factory`, and limits changed by `tweak`.
pub async fn start_with(
    factory: Arc<dyn HandlerFactory>,
    tweak: impl FnOnce(&mut Limits),
) -> TestDc {
    let site = Site::new();
    let mut config = Config::for_tests();
    config.www = site.dir.join("www");
    config.pkg = site.dir.join("pkg");
    tweak(&mut config.limits);
    let server = mtproto_testdc::start(config, RsaKeyPair::fixed_test_key(), factory)
        .await
        .unwrap();
    TestDc { server, site }
}

/// Starts an echo server with default limits.
pub async fn start_echo() -> TestDc {
    start_with(Arc::new(EchoFactory), |_| {}).await
}

/// Echoes streams that start with the abridged tag 0xef; anything else is an error that
/// sends `-404` (as an int32) and closes: a stand-in for a strict protocol handler.
pub struct StrictFactory;

struct StrictHandler {
    checked: bool,
}

impl HandlerFactory for StrictFactory {
    fn create(&self, _info: &ConnInfo, _dc: &Arc<Dc>) -> Box<dyn ConnectionHandler> {
        Box::new(StrictHandler { checked: false })
    }
}

impl ConnectionHandler for StrictHandler {
    fn on_bytes(&mut self, bytes: &[u8], _now: Instant) -> Result<Vec<Vec<u8>>, HandlerError> {
        if !self.checked {
            if bytes[0] != 0xef {
                return Err(HandlerError::with_farewell(
                    "bad transport tag",
                    (-404i32).to_le_bytes().to_vec(),
                ));
            }
            self.checked = true;
        }
        Ok(vec![bytes.to_vec()])
    }
}

/// Reads until the server closes; returns what was read. Errors (reset) count as closed.
pub async fn read_to_close(stream: &mut TcpStream) -> Vec<u8> {
    let mut all = Vec::new();
    let mut buf = [0u8; 8192];
    loop {
        match within(stream.read(&mut buf)).await {
            Ok(0) | Err(_) => return all,
            Ok(n) => all.extend_from_slice(&buf[..n]),
        }
    }
}

/// A parsed HTTP response.
#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

pub fn parse_response(raw: &[u8]) -> Response {
    let end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("no end of head");
    let head = std::str::from_utf8(&raw[..end]).unwrap();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers = lines
        .map(|l| {
            let (n, v) = l.split_once(':').unwrap();
            (n.trim().to_owned(), v.trim().to_owned())
        })
        .collect();
    Response {
        status,
        headers,
        body: raw[end + 4..].to_vec(),
    }
}

/// Sends raw request bytes and reads the whole response (the server closes after one).
pub async fn http_raw(port: u16, request: &[u8]) -> Response {
    let mut s = within(TcpStream::connect(("127.0.0.1", port)))
        .await
        .unwrap();
    within(s.write_all(request)).await.unwrap();
    parse_response(&read_to_close(&mut s).await)
}

/// `GET path`.
pub async fn http_get(port: u16, path: &str) -> Response {
    http_raw(
        port,
        format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").as_bytes(),
    )
    .await
}

pub fn upgrade_request(path: &str, protocol: Option<&str>) -> String {
    let key = base64_encode(b"0123456789abcdef");
    let proto = protocol
        .map(|p| format!("Sec-WebSocket-Protocol: {p}\r\n"))
        .unwrap_or_default();
    format!(
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n{proto}\r\n"
    )
}

/// Opens a WebSocket at `path` with subprotocol `binary` and checks the 101 response.
pub async fn ws_connect(port: u16, path: &str) -> TcpStream {
    let mut s = within(TcpStream::connect(("127.0.0.1", port)))
        .await
        .unwrap();
    within(s.write_all(upgrade_request(path, Some("binary")).as_bytes()))
        .await
        .unwrap();
    // Read the head byte by byte so no frame bytes are consumed.
    let mut head = Vec::new();
    while !head.ends_with(b"\r\n\r\n") {
        let mut b = [0u8; 1];
        within(s.read_exact(&mut b)).await.unwrap();
        head.push(b[0]);
        assert!(head.len() < 4096);
    }
    let r = parse_response(&head);
    assert_eq!(r.status, 101, "{r:?}");
    assert_eq!(r.header("sec-websocket-protocol"), Some("binary"));
    assert_eq!(
        r.header("sec-websocket-accept"),
        Some(ws::accept_key(&base64_encode(b"0123456789abcdef")).as_str())
    );
    assert!(
        r.header("upgrade")
            .unwrap()
            .eq_ignore_ascii_case("websocket")
    );
    s
}

/// Sends one masked client frame.
pub async fn ws_send(s: &mut TcpStream, op: u8, payload: &[u8], fin: bool) {
    let mut frame = Vec::new();
    ws::encode_client_frame(&mut frame, op, payload, [0xa1, 0xb2, 0xc3, 0xd4]);
    if !fin {
        frame[0] &= 0x7f;
    }
    within(s.write_all(&frame)).await.unwrap();
}

/// Reads one server frame: (opcode, payload). Server frames must be unmasked with FIN.
pub async fn ws_recv(s: &mut TcpStream) -> (u8, Vec<u8>) {
    let mut h = [0u8; 2];
    within(s.read_exact(&mut h)).await.unwrap();
    assert_eq!(h[0] & 0xf0, 0x80, "FIN without RSV");
    assert_eq!(h[1] & 0x80, 0, "server frames are not masked");
    let len = match h[1] & 0x7f {
        126 => {
            let mut l = [0u8; 2];
            within(s.read_exact(&mut l)).await.unwrap();
            u16::from_be_bytes(l) as usize
        }
        127 => {
            let mut l = [0u8; 8];
            within(s.read_exact(&mut l)).await.unwrap();
            u64::from_be_bytes(l) as usize
        }
        n => n as usize,
    };
    let mut payload = vec![0u8; len];
    within(s.read_exact(&mut payload)).await.unwrap();
    (h[0] & 0x0f, payload)
}

/// Reads binary messages until `n` bytes of stream data arrived.
pub async fn ws_recv_data(s: &mut TcpStream, n: usize) -> Vec<u8> {
    let mut data = Vec::new();
    while data.len() < n {
        let (op, payload) = ws_recv(s).await;
        assert_eq!(op, opcode::BINARY);
        data.extend_from_slice(&payload);
    }
    data
}

/// Expects a close frame with `code`, then the end of the stream.
pub async fn ws_expect_close(s: &mut TcpStream, code: u16) {
    let (op, payload) = ws_recv(s).await;
    assert_eq!(op, opcode::CLOSE);
    assert_eq!(payload[..2], code.to_be_bytes());
    assert!(read_to_close(s).await.is_empty());
}

/// A raw TCP echo round trip on an open connection.
pub async fn tcp_round_trip(s: &mut TcpStream, data: &[u8]) {
    within(s.write_all(data)).await.unwrap();
    let mut back = vec![0u8; data.len()];
    within(s.read_exact(&mut back)).await.unwrap();
    assert_eq!(back, data);
}

/// A small deterministic generator for random test bytes (xorshift64*).
pub struct TestRng(pub u64);

impl TestRng {
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    pub fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next_u64() as u8).collect()
    }
}

/// Reads a DER TLV at the start of `der`: (tag, content, rest).
pub fn der_tlv(der: &[u8]) -> (u8, &[u8], &[u8]) {
    let tag = der[0];
    let (len, off) = if der[1] < 0x80 {
        (der[1] as usize, 2)
    } else {
        let k = (der[1] & 0x7f) as usize;
        (
            der[2..2 + k]
                .iter()
                .fold(0usize, |a, &b| (a << 8) | b as usize),
            2 + k,
        )
    };
    (tag, &der[off..off + len], &der[off + len..])
}

/// Parses a PKCS#1 PEM public key into big-endian (n, e) without leading zeros.
pub fn parse_pkcs1_pem(pem: &str) -> (Vec<u8>, Vec<u8>) {
    let b64: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    let der = mtproto_testdc::encoding::base64_decode(&b64).unwrap();
    let (tag, seq, rest) = der_tlv(&der);
    assert_eq!((tag, rest.len()), (0x30, 0));
    let (tag_n, n, rest) = der_tlv(seq);
    let (tag_e, e, rest) = der_tlv(rest);
    assert_eq!((tag_n, tag_e, rest.len()), (0x02, 0x02, 0));
    // A positive INTEGER: a leading 0x00 only when the next byte has its top bit set.
    assert!(n[0] != 0 || n[1] & 0x80 != 0);
    let strip = |x: &[u8]| {
        x.iter()
            .skip_while(|&&b| b == 0)
            .copied()
            .collect::<Vec<u8>>()
    };
    (strip(n), strip(e))
}
