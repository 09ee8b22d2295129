//! Follows a chain from a chain spec file and prints best and finalized blocks as they arrive,
//! then peers and, with `--key`, one storage value; a manual check against a devnode or any
//! Substrate chain with ws:// or TCP boot nodes.
//!
//! ```text
//! cargo run -p light --example follow -- dev.json [--blocks N] [--key 0xHEX]
//! ```
//!
//! Left out: logging smoldot's own messages (it logs through the `log` crate, and no logger is
//! installed here to keep the dependency list short).

use std::process::ExitCode;

use light::{FollowEvent, native};

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let Some(path) = args.next() else {
        eprintln!("usage: follow <chain spec file> [--blocks N] [--key 0xHEX]");
        return ExitCode::from(2);
    };
    let mut blocks = u64::MAX;
    let mut key = None;
    while let Some(flag) = args.next() {
        let value = args.next();
        match (flag.as_str(), value) {
            ("--blocks", Some(v)) => match v.parse() {
                Ok(n) => blocks = n,
                Err(e) => return fail(&format!("--blocks: {e}")),
            },
            ("--key", Some(v)) => match hex::decode(v.trim_start_matches("0x")) {
                Ok(k) => key = Some(k),
                Err(e) => return fail(&format!("--key: {e}")),
            },
            _ => return fail(&format!("unknown or incomplete argument {flag}")),
        }
    }
    let spec = match std::fs::read_to_string(&path) {
        Ok(spec) => spec,
        Err(e) => return fail(&format!("{path}: {e}")),
    };
    let client = light::Client::new(native::platform());
    let chain = match client.add_chain(&spec) {
        Ok(chain) => chain,
        Err(e) => return fail(&e.to_string()),
    };
    native::block_on(async {
        let mut events = chain.follow();
        while let Some(event) = events.next().await {
            match event {
                Ok(FollowEvent::Initialized { finalized, runtime }) => {
                    println!("initialized at #{} {:?}", finalized.number, runtime);
                }
                Ok(FollowEvent::BestBlock(b)) => {
                    println!("best      #{} 0x{}", b.number, hex::encode(b.hash));
                }
                Ok(FollowEvent::Finalized(b)) => {
                    println!("finalized #{} 0x{}", b.number, hex::encode(b.hash));
                    if b.number >= blocks {
                        break;
                    }
                }
                Ok(FollowEvent::Stopped) => println!("follow stopped; following again"),
                Ok(_) => {}
                Err(e) => eprintln!("error: {e}"),
            }
        }
        match chain.health().await {
            Ok(h) => println!("{h:?}"),
            Err(e) => eprintln!("health: {e}"),
        }
        if let Some(key) = key {
            match chain.storage(&key).await {
                Ok(v) => println!("0x{} = {:?}", hex::encode(&key), v.map(hex::encode)),
                Err(e) => eprintln!("storage: {e}"),
            }
        }
    });
    ExitCode::SUCCESS
}

fn fail(message: &str) -> ExitCode {
    eprintln!("follow: {message}");
    ExitCode::FAILURE
}
