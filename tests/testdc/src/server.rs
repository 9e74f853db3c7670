//! The listener and the per-connection tasks.
//!
//! One port serves everything. On accept the server reads the first bytes: if they start
//! with `GET `, `HEAD`, `POST` or `OPTI` the connection is HTTP (see
//! [`sniff_http`](crate::http::sniff_http) for why no MTProto client can start that way),
//! otherwise it is raw MTProto over TCP. An HTTP request for `/apiws` or `/apiws_test` with a
//! WebSocket upgrade becomes a WebSocket MTProto connection; any other request gets one
//! response and the connection closes.
//!
//! Every failure is per connection: it closes that connection only. Nothing read from the
//! network can panic the server; every buffer has a bound ([`Limits`](crate::Limits)).

use std::collections::VecDeque;
use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, mpsc, oneshot};
use tokio::task::JoinHandle;
use tokio::time::timeout;

use crate::handler::{
    ConnId, ConnInfo, ConnectionHandler, HandlerError, HandlerFactory, Output, TransportKind,
};
use crate::http::{self, HttpError, Request};
use crate::ws::{self, WsDecoder, WsEvent, close_code, opcode};
use crate::{Config, ConnEntry, Dc, RsaKeyPair};

/// How long the server keeps trying to deliver its last bytes (a farewell, a close frame,
/// an HTTP response) before it drops the connection anyway.
const FLUSH_TIMEOUT: Duration = Duration::from_secs(5);

/// A running server. Dropping it (or [`ServerHandle::shutdown`]) stops accepting; open
/// connections finish on their own.
#[derive(Debug)]
pub struct ServerHandle {
    dc: Arc<Dc>,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<()>,
}

impl ServerHandle {
    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.dc.addr()
    }

    /// The port the server listens on.
    pub fn port(&self) -> u16 {
        self.dc.addr().port()
    }

    /// The shared DC state.
    pub fn dc(&self) -> &Arc<Dc> {
        &self.dc
    }

    /// Stops accepting connections.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let _ = (&mut self.task).await;
    }

    /// Runs until the accept loop ends (it does not, unless shut down).
    pub async fn wait(mut self) {
        let _ = (&mut self.task).await;
    }
}

impl Drop for ServerHandle {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// Binds 127.0.0.1:`config.port` and starts serving in the current tokio runtime.
pub async fn start(
    config: Config,
    rsa: RsaKeyPair,
    factory: Arc<dyn HandlerFactory>,
) -> io::Result<ServerHandle> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, config.port)).await?;
    let addr = listener.local_addr()?;
    let slots = Arc::new(Semaphore::new(config.limits.max_connections));
    let dc = Arc::new(Dc::new(config, addr, rsa, factory));
    let (stop_tx, stop_rx) = oneshot::channel();
    let task = tokio::spawn(accept_loop(listener, Arc::clone(&dc), slots, stop_rx));
    Ok(ServerHandle {
        dc,
        stop: Some(stop_tx),
        task,
    })
}

async fn accept_loop(
    listener: TcpListener,
    dc: Arc<Dc>,
    slots: Arc<Semaphore>,
    mut stop: oneshot::Receiver<()>,
) {
    loop {
        let accepted = tokio::select! {
            _ = &mut stop => return,
            accepted = listener.accept() => accepted,
        };
        match accepted {
            Ok((stream, peer)) => {
                let Ok(permit) = Arc::clone(&slots).try_acquire_owned() else {
                    dc.log(format_args!("{peer}: connection limit reached, closing"));
                    drop(stream);
                    continue;
                };
                let _ = stream.set_nodelay(true);
                let guard = ActiveGuard::new(Arc::clone(&dc), permit);
                tokio::spawn(async move {
                    let dc = Arc::clone(&guard.dc);
                    if let Err(why) = serve_connection(stream, peer, &dc).await {
                        dc.log(format_args!("{peer}: {why}"));
                    }
                    drop(guard);
                });
            }
            Err(e) => {
                // Out of file descriptors and the like: back off a little instead of spinning.
                dc.log(format_args!("accept: {e}"));
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }
}

/// Holds a connection slot and the count of open sockets while a connection lives.
struct ActiveGuard {
    dc: Arc<Dc>,
    _permit: OwnedSemaphorePermit,
}

impl ActiveGuard {
    fn new(dc: Arc<Dc>, permit: OwnedSemaphorePermit) -> Self {
        dc.active.send_modify(|n| *n += 1);
        Self {
            dc,
            _permit: permit,
        }
    }
}

impl Drop for ActiveGuard {
    fn drop(&mut self) {
        self.dc.active.send_modify(|n| *n = n.saturating_sub(1));
    }
}

/// Why a connection ended early (for the log).
type Why = String;

async fn read_some(
    stream: &mut TcpStream,
    buf: &mut Vec<u8>,
    deadline: tokio::time::Instant,
) -> Result<(), Why> {
    let mut chunk = [0u8; 4096];
    match tokio::time::timeout_at(deadline, stream.read(&mut chunk)).await {
        Err(_) => Err("timed out before sending a complete request".into()),
        Ok(Err(e)) => Err(format!("read: {e}")),
        Ok(Ok(0)) => Err("closed by the client".into()),
        Ok(Ok(n)) => {
            buf.extend_from_slice(&chunk[..n]);
            Ok(())
        }
    }
}

async fn serve_connection(
    mut stream: TcpStream,
    peer: SocketAddr,
    dc: &Arc<Dc>,
) -> Result<(), Why> {
    let limits = dc.limits().clone();
    let deadline = tokio::time::Instant::now() + limits.first_byte_timeout;
    let mut buf = Vec::new();
    let is_http = loop {
        if let Some(decided) = http::sniff_http(&buf) {
            break decided;
        }
        read_some(&mut stream, &mut buf, deadline).await?;
    };
    if !is_http {
        return run_session(stream, peer, dc, TransportKind::Tcp, buf).await;
    }
    let (request, head_len) = loop {
        match http::parse_request(&buf, limits.max_http_head) {
            Ok(Some(parsed)) => break parsed,
            Ok(None) => read_some(&mut stream, &mut buf, deadline).await?,
            Err(e) => {
                let (code, reason) = e.status();
                let body = match e {
                    HttpError::Malformed(why) => format!("{reason}: {why}\n"),
                    HttpError::HeadTooLarge => format!("{reason}\n"),
                };
                send_and_close(&mut stream, &text_response(code, reason, &body, false)).await;
                return Err(format!("HTTP {code}: {e:?}"));
            }
        }
    };
    let rest = buf.split_off(head_len);
    match websocket_upgrade(&request) {
        Upgrade::NotWebSocket => {
            let response = http_response(dc, &request).await;
            send_and_close(&mut stream, &response).await;
            Ok(())
        }
        Upgrade::Refuse(response) => {
            send_and_close(&mut stream, &response).await;
            Ok(())
        }
        Upgrade::Accept { response, test } => {
            timeout(FLUSH_TIMEOUT, stream.write_all(&response))
                .await
                .map_err(|_| "timed out sending the upgrade".to_owned())?
                .map_err(|e| format!("write: {e}"))?;
            run_session(stream, peer, dc, TransportKind::WebSocket { test }, rest).await
        }
    }
}

async fn send_and_close(stream: &mut TcpStream, bytes: &[u8]) {
    let _ = timeout(FLUSH_TIMEOUT, async {
        stream.write_all(bytes).await?;
        stream.shutdown().await
    })
    .await;
}

fn text_response(code: u16, reason: &str, body: &str, head_only: bool) -> Vec<u8> {
    let mut r = http::response_head(code, reason, "text/plain; charset=utf-8", body.len(), &[]);
    if !head_only {
        r.extend_from_slice(body.as_bytes());
    }
    r
}

enum Upgrade {
    NotWebSocket,
    Refuse(Vec<u8>),
    Accept { response: Vec<u8>, test: bool },
}

/// The opening handshake of RFC 6455 section 4.2, for `/apiws` and `/apiws_test` only.
fn websocket_upgrade(req: &Request) -> Upgrade {
    let test = match req.path.as_str() {
        "/apiws" => false,
        "/apiws_test" => true,
        _ => return Upgrade::NotWebSocket,
    };
    let refuse = |code, reason, body: &str, extra: &[(&str, &str)]| {
        let mut r =
            http::response_head(code, reason, "text/plain; charset=utf-8", body.len(), extra);
        r.extend_from_slice(body.as_bytes());
        Upgrade::Refuse(r)
    };
    if req.method != "GET" {
        return refuse(
            405,
            "Method Not Allowed",
            "WebSocket only\n",
            &[("Allow", "GET")],
        );
    }
    if !req.header_has_token("upgrade", "websocket")
        || !req.header_has_token("connection", "upgrade")
    {
        return refuse(
            426,
            "Upgrade Required",
            "this path speaks WebSocket only\n",
            &[("Upgrade", "websocket")],
        );
    }
    if req.header("sec-websocket-version") != Some("13") {
        return refuse(
            426,
            "Upgrade Required",
            "WebSocket version 13 only\n",
            &[("Sec-WebSocket-Version", "13")],
        );
    }
    let key = req.header("sec-websocket-key").unwrap_or_default();
    if crate::encoding::base64_decode(key).map(|k| k.len()) != Some(16) {
        return refuse(
            400,
            "Bad Request",
            "Sec-WebSocket-Key must be 16 bytes in base64\n",
            &[],
        );
    }
    if !req.header_has_token("sec-websocket-protocol", "binary") {
        return refuse(
            400,
            "Bad Request",
            "the WebSocket subprotocol \"binary\" is required\n",
            &[],
        );
    }
    let response = format!(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Accept: {}\r\nSec-WebSocket-Protocol: binary\r\n\r\n",
        ws::accept_key(key)
    );
    Upgrade::Accept {
        response: response.into_bytes(),
        test,
    }
}

const PLACEHOLDER_PAGE: &str = "<!doctype html>\n<meta charset=\"utf-8\">\n<title>mtproto-wasm test DC</title>\n\
<h1>mtproto-wasm test DC</h1>\n<p>The demo page (<code>www/index.html</code>) is not there yet.\n\
<ul><li><a href=\"/info\">/info</a><li><a href=\"/rsa.pem\">/rsa.pem</a><li><a href=\"/pkg/mtproto_wasm.js\">/pkg/mtproto_wasm.js</a></ul>\n";

/// The response to a plain HTTP request.
async fn http_response(dc: &Dc, req: &Request) -> Vec<u8> {
    let head_only = match req.method.as_str() {
        "GET" => false,
        "HEAD" => true,
        _ => {
            let body = "GET and HEAD only\n";
            let mut r = http::response_head(
                405,
                "Method Not Allowed",
                "text/plain; charset=utf-8",
                body.len(),
                &[("Allow", "GET, HEAD")],
            );
            r.extend_from_slice(body.as_bytes());
            return r;
        }
    };
    let body_response = |mime: &str, body: &[u8]| {
        let mut r = http::response_head(200, "OK", mime, body.len(), &[]);
        if !head_only {
            r.extend_from_slice(body);
        }
        r
    };
    let not_found = || text_response(404, "Not Found", "not found\n", head_only);
    if let Some(rest) = req.path.strip_prefix("/__faults/") {
        let (name, value) = rest.split_once('/').unwrap_or((rest, "1"));
        return match dc.factory.control(dc, name, value) {
            Ok(json) => body_response("application/json", json.as_bytes()),
            Err(e) => text_response(400, "Bad Request", &format!("{e}\n"), head_only),
        };
    }
    match req.path.as_str() {
        "/rsa.pem" => return body_response("application/x-pem-file", dc.public_pem().as_bytes()),
        "/info" => return body_response("application/json", dc.info_json().as_bytes()),
        _ => {}
    }
    let config = dc.config();
    let (root, rel): (&Path, &str) = match req.path.strip_prefix("/pkg/") {
        Some(rel) => (&config.pkg, rel),
        None => (&config.www, &req.path),
    };
    let Some(candidate) = http::resolve(root, rel) else {
        return text_response(403, "Forbidden", "forbidden path\n", head_only);
    };
    let Some(file) = http::confine(root, &candidate) else {
        if req.path == "/" || req.path == "/index.html" {
            return body_response("text/html; charset=utf-8", PLACEHOLDER_PAGE.as_bytes());
        }
        return not_found();
    };
    match tokio::fs::read(&file).await {
        Ok(body) => body_response(http::mime_type(&file), &body),
        Err(_) => not_found(),
    }
}

/// Bytes waiting to be written, with their total.
#[derive(Default)]
struct Outbox {
    chunks: VecDeque<Vec<u8>>,
    /// Bytes of the front chunk already written.
    offset: usize,
    bytes: usize,
}

impl Outbox {
    fn push(&mut self, chunk: Vec<u8>) {
        if !chunk.is_empty() {
            self.bytes += chunk.len();
            self.chunks.push_back(chunk);
        }
    }

    fn front(&self) -> &[u8] {
        self.chunks
            .front()
            .map(|c| &c[self.offset..])
            .unwrap_or_default()
    }

    fn advance(&mut self, n: usize) {
        self.offset += n;
        self.bytes -= n;
        if self.chunks.front().is_some_and(|c| self.offset >= c.len()) {
            self.chunks.pop_front();
            self.offset = 0;
        }
    }

    fn is_empty(&self) -> bool {
        self.chunks.is_empty()
    }
}

/// The sans-IO part of an MTProto connection: framing (raw or WebSocket) around the handler.
struct Session {
    handler: Box<dyn ConnectionHandler>,
    ws: Option<WsDecoder>,
    out: Outbox,
    /// Set when the connection must end after flushing `out`.
    ending: Option<Why>,
}

impl Session {
    fn send(&mut self, output: Output) {
        for chunk in output {
            match &self.ws {
                Some(_) => {
                    let mut frame = Vec::with_capacity(chunk.len() + 10);
                    ws::encode_frame(&mut frame, opcode::BINARY, &chunk);
                    self.out.push(frame);
                }
                None => self.out.push(chunk),
            }
        }
    }

    fn handler_result(&mut self, result: Result<Output, HandlerError>) {
        match result {
            Ok(output) => self.send(output),
            Err(e) => {
                if let Some(bytes) = e.farewell {
                    self.send(vec![bytes]);
                }
                if self.ws.is_some() {
                    self.out.push(ws::close_frame(close_code::POLICY_VIOLATION));
                }
                self.ending = Some(format!("handler: {}", e.reason));
            }
        }
    }

    fn on_bytes(&mut self, bytes: &[u8], now: Instant) {
        if bytes.is_empty() || self.ending.is_some() {
            return;
        }
        let Some(decoder) = &mut self.ws else {
            let result = self.handler.on_bytes(bytes, now);
            self.handler_result(result);
            return;
        };
        decoder.feed(bytes);
        while self.ending.is_none() {
            let Some(decoder) = &mut self.ws else { return };
            match decoder.poll() {
                Ok(None) => return,
                Ok(Some(WsEvent::Data(data))) => {
                    let result = self.handler.on_bytes(&data, now);
                    self.handler_result(result);
                }
                Ok(Some(WsEvent::Ping(payload))) => {
                    let mut pong = Vec::with_capacity(payload.len() + 2);
                    ws::encode_frame(&mut pong, opcode::PONG, &payload);
                    self.out.push(pong);
                }
                Ok(Some(WsEvent::Pong)) => {}
                Ok(Some(WsEvent::Close(_code))) => {
                    // Section 5.5.1: answer with a close frame (1000), then close TCP.
                    self.out.push(ws::close_frame(close_code::NORMAL));
                    self.ending = Some("WebSocket closed by the client".into());
                }
                Err(e) => {
                    self.out.push(ws::close_frame(e.close_code()));
                    self.ending = Some(e.to_string());
                }
            }
        }
    }
}

/// Removes a connection from the registry when it ends, however it ends.
struct Registration<'a> {
    dc: &'a Dc,
    id: ConnId,
}

impl Drop for Registration<'_> {
    fn drop(&mut self) {
        self.dc.conns().remove(&self.id);
    }
}

async fn run_session(
    mut stream: TcpStream,
    peer: SocketAddr,
    dc: &Arc<Dc>,
    transport: TransportKind,
    initial: Vec<u8>,
) -> Result<(), Why> {
    let limits = dc.limits().clone();
    let id = ConnId(
        dc.next_id
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed),
    );
    let (push_tx, mut push_rx) = mpsc::channel(limits.push_queue.max(1));
    let kill = Arc::new(tokio::sync::Notify::new());
    dc.conns().insert(
        id,
        ConnEntry {
            transport,
            push: push_tx,
            kill: Arc::clone(&kill),
        },
    );
    let _registration = Registration { dc, id };
    let info = ConnInfo {
        id,
        peer,
        transport,
    };
    let ws = matches!(transport, TransportKind::WebSocket { .. })
        .then(|| WsDecoder::new(limits.max_message));
    let mut session = Session {
        handler: dc.factory.create(&info, dc),
        ws,
        out: Outbox::default(),
        ending: None,
    };
    session.on_bytes(&initial, Instant::now());

    let mut buf = vec![0u8; limits.read_chunk.max(1)];
    let mut last_read = Instant::now();
    let (mut rd, mut wr) = stream.split();
    let end: Result<(), Why> = loop {
        if session.out.bytes > limits.max_outbox_bytes {
            break Err(format!(
                "{id}: outgoing queue over {} bytes, dropping",
                limits.max_outbox_bytes
            ));
        }
        if let Some(why) = &session.ending {
            // Deliver what is queued (the farewell, the close frame), within a bound.
            let out = &mut session.out;
            let _ = timeout(FLUSH_TIMEOUT, async {
                while !out.is_empty() {
                    let n = wr.write(out.front()).await?;
                    if n == 0 {
                        break;
                    }
                    out.advance(n);
                }
                wr.shutdown().await
            })
            .await;
            break Err(format!("{id}: {why}"));
        }
        let idle_deadline = last_read + limits.idle_timeout;
        let deadline = session
            .handler
            .poll_timeout()
            .map_or(idle_deadline, |t| t.min(idle_deadline));
        tokio::select! {
            _ = kill.notified() => break Err(format!("{id}: dropped (push queue full or closed by the DC)")),
            read = rd.read(&mut buf) => match read {
                Ok(0) => break Ok(()),
                Ok(n) => {
                    last_read = Instant::now();
                    session.on_bytes(&buf[..n], last_read);
                }
                Err(e) => break Err(format!("{id}: read: {e}")),
            },
            Some(payload) = push_rx.recv() => {
                let result = session.handler.on_push(payload, Instant::now());
                session.handler_result(result);
            }
            written = wr.write(session.out.front()), if !session.out.is_empty() => match written {
                Ok(0) => break Err(format!("{id}: write returned 0")),
                Ok(n) => session.out.advance(n),
                Err(e) => break Err(format!("{id}: write: {e}")),
            },
            _ = tokio::time::sleep_until(tokio::time::Instant::from_std(deadline)) => {
                let now = Instant::now();
                if now >= idle_deadline {
                    break Err(format!("{id}: idle for {:?}, closing", limits.idle_timeout));
                }
                let result = session.handler.on_timeout(now);
                session.handler_result(result);
            }
        }
    };
    session.handler.on_close();
    end
}
