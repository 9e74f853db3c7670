//! `testdc`: the local data center of mtproto-wasm. See `testdc --help`.

use std::process::ExitCode;
use std::sync::Arc;

use mtproto_testdc::cli::{self, Command, HandlerKind};
use mtproto_testdc::mtproto::MtprotoOptions;
use mtproto_testdc::{Config, EchoFactory, HandlerFactory, Limits, MtprotoFactory, RsaKeyPair};

fn main() -> ExitCode {
    let args = match cli::parse(std::env::args().skip(1)) {
        Ok(Command::Run(args)) => args,
        Ok(Command::Help) => {
            println!("{}", cli::USAGE);
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("testdc: {e}\n{}", cli::USAGE);
            return ExitCode::from(2);
        }
    };
    let rsa = if args.fixed_key {
        println!("using the fixed test-only RSA key (tests/testdc/data/test_rsa_key.json)");
        RsaKeyPair::fixed_test_key()
    } else {
        match RsaKeyPair::load_or_generate(&args.key_file) {
            Ok((key, generated)) => {
                let verb = if generated {
                    "generated a new RSA key pair in"
                } else {
                    "RSA key pair from"
                };
                println!("{verb} {}", args.key_file.display());
                key
            }
            Err(e) => {
                eprintln!("testdc: {}: {e}", args.key_file.display());
                return ExitCode::FAILURE;
            }
        }
    };
    let factory: Arc<dyn HandlerFactory> = match args.handler {
        HandlerKind::Mtproto => Arc::new(MtprotoFactory::new(MtprotoOptions {
            dh_gen_retry_once: args.dh_gen_retry_once,
        })),
        HandlerKind::Echo => Arc::new(EchoFactory),
    };
    let config = Config {
        port: args.port,
        dc_id: args.dc_id,
        www: args.www,
        pkg: args.pkg,
        limits: Limits {
            max_connections: args.max_connections,
            ..Limits::default()
        },
        verbose: !args.quiet,
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("testdc: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async move {
        let server = match mtproto_testdc::start(config, rsa, Arc::clone(&factory)).await {
            Ok(server) => server,
            Err(e) => {
                eprintln!("testdc: cannot listen on 127.0.0.1:{}: {e}", args.port);
                return ExitCode::FAILURE;
            }
        };
        let dc = server.dc();
        for (name, value) in &args.faults {
            if let Err(e) = factory.control(dc, name, value) {
                eprintln!("testdc: --fault {name}={value}: {e}");
                return ExitCode::FAILURE;
            }
        }
        let port = server.port();
        println!(
            "testdc listening on http://127.0.0.1:{port} (dc {}, rsa fingerprint {:#018x})",
            dc.dc_id(),
            dc.fingerprint()
        );
        println!("open http://127.0.0.1:{port}/ for the demo");
        server.wait().await;
        ExitCode::SUCCESS
    })
}
