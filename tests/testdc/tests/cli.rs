//! The `testdc` binary: it prints its port and fingerprint, and /info and /rsa.pem agree.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use common::*;

/// Kills the child process when the test ends, however it ends.
struct Kill(Child);

impl Drop for Kill {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn binary_prints_port_and_fingerprint() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_testdc"))
        .args([
            "--port",
            "0",
            "--fixed-key",
            "--handler",
            "echo",
            "--dc",
            "3",
            "--quiet",
        ])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let _kill = Kill(child);
    let lines = within(tokio::task::spawn_blocking(move || {
        let mut lines = Vec::new();
        for line in BufReader::new(stdout).lines() {
            let line = line.unwrap();
            let done = line.starts_with("open http://");
            lines.push(line);
            if done {
                break;
            }
        }
        lines
    }))
    .await
    .unwrap();
    let listening = lines
        .iter()
        .find(|l| l.starts_with("testdc listening on http://127.0.0.1:"))
        .unwrap();
    let rest = listening.trim_start_matches("testdc listening on http://127.0.0.1:");
    let port: u16 = rest.split(' ').next().unwrap().parse().unwrap();
    assert!(
        listening.ends_with("(dc 3, rsa fingerprint 0x37b85bc02dc6a481)"),
        "{listening}"
    );
    assert_eq!(
        lines.last().unwrap(),
        &format!("open http://127.0.0.1:{port}/ for the demo")
    );

    let info: serde_json::Value =
        serde_json::from_slice(&http_get(port, "/info").await.body).unwrap();
    assert_eq!(info["rsa_fingerprint"], "0x37b85bc02dc6a481");
    assert_eq!(info["dc"], 3);
    let pem = String::from_utf8(http_get(port, "/rsa.pem").await.body).unwrap();
    let (n, e) = parse_pkcs1_pem(&pem);
    assert_eq!(
        mtproto_testdc::rsa::fingerprint(&n, &e),
        0x37b8_5bc0_2dc6_a481
    );
    // The echo handler answers raw TCP.
    let mut s = within(tokio::net::TcpStream::connect(("127.0.0.1", port)))
        .await
        .unwrap();
    tcp_round_trip(&mut s, &[0xef, 1, 2, 3]).await;
}

#[test]
fn bad_arguments_exit_with_usage() {
    let out = Command::new(env!("CARGO_BIN_EXE_testdc"))
        .args(["--port", "x"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("usage: testdc"));
    let out = Command::new(env!("CARGO_BIN_EXE_testdc"))
        .arg("--help")
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("--fixed-key"));
}
