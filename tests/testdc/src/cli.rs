//! The command line of the `testdc` binary, parsed by hand.

use std::path::PathBuf;

use crate::workspace_root;

/// Which protocol handler the connections get.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HandlerKind {
    /// MTProto (the default; a stub until the protocol lands).
    Mtproto,
    /// Echo every byte (network tests, smoke tests).
    Echo,
}

/// Parsed arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Args {
    /// `--port N` (0: a free port). Default 8080.
    pub port: u16,
    /// `--dc N`. Default 2.
    pub dc_id: i32,
    /// `--www DIR`. Default `<workspace>/www`.
    pub www: PathBuf,
    /// `--pkg DIR`. Default `<workspace>/pkg`.
    pub pkg: PathBuf,
    /// `--key-file PATH`. Default `<workspace>/tests/testdc/state/rsa_key.json`.
    pub key_file: PathBuf,
    /// `--fixed-key`: use the committed test-only key instead of the key file.
    pub fixed_key: bool,
    /// `--handler mtproto|echo`.
    pub handler: HandlerKind,
    /// `--max-connections N`. Default 1024.
    pub max_connections: usize,
    /// `--quiet`: no per-connection log.
    pub quiet: bool,
    /// `--dh-gen-retry-once`: fault switch, answer each handshake's first
    /// set_client_DH_params with dh_gen_retry.
    pub dh_gen_retry_once: bool,
    /// `--fault NAME=VALUE` switches, in order.
    pub faults: Vec<(String, String)>,
}

/// The usage text.
pub const USAGE: &str =
    "usage: testdc [--port N] [--dc N] [--www DIR] [--pkg DIR] [--key-file PATH] [--fixed-key]
              [--handler mtproto|echo] [--max-connections N] [--quiet]
              [--dh-gen-retry-once] [--fault NAME=VALUE]...

  --port N             port on 127.0.0.1 (default 8080; 0 picks a free one and prints it)
  --dc N               the DC id this server plays (default 2)
  --www DIR            the demo page, served at / (default <workspace>/www)
  --pkg DIR            the built wasm package, served at /pkg/ (default <workspace>/pkg)
  --key-file PATH      the RSA key pair, generated there at first start
                       (default <workspace>/tests/testdc/state/rsa_key.json)
  --fixed-key          use the committed test-only key (tests/testdc/data/test_rsa_key.json)
  --handler KIND       mtproto (default) or echo
  --max-connections N  open sockets at once (default 1024)
  --quiet              do not log per-connection errors
  --dh-gen-retry-once  fault switch: answer the first set_client_DH_params of every
                       handshake with dh_gen_retry (the client must retry)
  --fault NAME=VALUE   a fault switch (also GET /__faults/NAME/VALUE at run time):
                       drop_after_frames, drop_at_request, delay_ms, duplicate, reorder,
                       corrupt, bad_salt, clock_offset, forget_sessions, restart,
                       wipe_keys, drop_encrypted_messages, duplicate_encrypted_messages,
                       corrupt_encrypted_messages (see src/faults.rs)

Login rules (test numbers only): a phone number starting with 99966 gets a code by
auth.sendCode; the code is always 22222.";

impl Default for Args {
    fn default() -> Self {
        let root = workspace_root();
        Self {
            port: 8080,
            dc_id: 2,
            www: root.join("www"),
            pkg: root.join("pkg"),
            key_file: root.join("tests/testdc/state/rsa_key.json"),
            fixed_key: false,
            handler: HandlerKind::Mtproto,
            max_connections: 1024,
            quiet: false,
            dh_gen_retry_once: false,
            faults: Vec::new(),
        }
    }
}

/// What the command line asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// Run the server.
    Run(Args),
    /// Print the usage.
    Help,
}

/// Parses the arguments after the program name.
pub fn parse<I: IntoIterator<Item = String>>(args: I) -> Result<Command, String> {
    let mut a = Args::default();
    let mut it = args.into_iter();
    while let Some(flag) = it.next() {
        let mut value = |name: &str| it.next().ok_or_else(|| format!("{name} needs a value"));
        match flag.as_str() {
            "-h" | "--help" => return Ok(Command::Help),
            "--port" => a.port = number(&value("--port")?, "--port")?,
            "--dc" => a.dc_id = number(&value("--dc")?, "--dc")?,
            "--www" => a.www = PathBuf::from(value("--www")?),
            "--pkg" => a.pkg = PathBuf::from(value("--pkg")?),
            "--key-file" => a.key_file = PathBuf::from(value("--key-file")?),
            "--fixed-key" => a.fixed_key = true,
            "--handler" => {
                a.handler = match value("--handler")?.as_str() {
                    "mtproto" => HandlerKind::Mtproto,
                    "echo" => HandlerKind::Echo,
                    other => {
                        return Err(format!(
                            "--handler: unknown handler {other:?} (mtproto or echo)"
                        ));
                    }
                }
            }
            "--max-connections" => {
                a.max_connections = number(&value("--max-connections")?, "--max-connections")?
            }
            "--quiet" => a.quiet = true,
            "--dh-gen-retry-once" => a.dh_gen_retry_once = true,
            "--fault" => {
                let v = value("--fault")?;
                let (n, x) = v
                    .split_once('=')
                    .ok_or_else(|| format!("--fault: {v:?} is not NAME=VALUE"))?;
                a.faults.push((n.to_string(), x.to_string()));
            }
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok(Command::Run(a))
}

fn number<T: std::str::FromStr>(text: &str, name: &str) -> Result<T, String> {
    text.parse()
        .map_err(|_| format!("{name}: {text:?} is not a valid number"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(args: &[&str]) -> Result<Command, String> {
        parse(args.iter().map(|s| s.to_string()))
    }

    #[test]
    fn parses_every_flag() {
        let Command::Run(a) = run(&[
            "--port",
            "0",
            "--dc",
            "4",
            "--www",
            "/w",
            "--pkg",
            "/p",
            "--key-file",
            "/k.json",
            "--fixed-key",
            "--handler",
            "echo",
            "--max-connections",
            "7",
            "--quiet",
            "--dh-gen-retry-once",
        ])
        .unwrap() else {
            panic!("not run")
        };
        assert_eq!((a.port, a.dc_id, a.max_connections), (0, 4, 7));
        assert_eq!(
            (a.www, a.pkg, a.key_file),
            ("/w".into(), "/p".into(), "/k.json".into())
        );
        assert!(a.fixed_key && a.quiet && a.dh_gen_retry_once);
        assert_eq!(a.handler, HandlerKind::Echo);
        assert_eq!(run(&[]).unwrap(), Command::Run(Args::default()));
        assert_eq!(run(&["--help"]).unwrap(), Command::Help);
    }

    #[test]
    fn rejects_bad_input() {
        assert!(run(&["--port"]).is_err());
        assert!(run(&["--port", "70000"]).is_err());
        assert!(run(&["--dc", "x"]).is_err());
        assert!(run(&["--handler", "http"]).is_err());
        assert!(run(&["--bogus"]).is_err());
    }
}
