//! The commands that read a chain: `subnets`, `metagraph`, `replay`, `audit`, `snapshot`,
//! `head`.
//!
//! Each reads through the `chain` crate's model from one of four sources: the native light
//! client following a chain spec (`--chain SPEC.json`: every value verified by smoldot), a
//! JSON-RPC endpoint verified from a checkpoint (`--rpc URL`: GRANDPA justifications and read
//! proofs, checked with the smoldot library), a JSON-RPC endpoint believed as it answers
//! (`--trusted-rpc URL`, labelled so), or a snapshot file recorded earlier (`--snapshot FILE`:
//! labelled as such, nothing re-verified).
//! Bad arguments exit 2 with the usage; a source that cannot answer (a spec smoldot refuses, no
//! peer within the timeout, a netuid that does not exist) exits 1 saying why.
//!
//! `--json` prints one JSON value (accounts as SS58 addresses, amounts in rao, u16 outputs as
//! stored plus their float views); without it, a table for people.

use std::future::Future;
use std::path::PathBuf;
use std::time::Duration;

use chain::model::{self, Metagraph, Subnets};
use chain::replay::{self, Replay};
use chain::snapshot::{Recorder, Snapshot};
use chain::{MetadataCache, Source, View, ss58};
use light::verified::ws::WsTransport;
use light::verified::{
    Checkpoint, Config as RpcConfig, Step, Transport as _, TrustedRpc, VerifiedRpc,
};
use serde_json::{Value, json};

use crate::table::Table;

/// How a command failed: a refusal of its arguments (exit 2) or of its source (exit 1).
pub enum Failure {
    /// Bad arguments.
    Usage(String),
    /// The source or the chain could not answer.
    Source(String),
}

impl From<chain::ChainError> for Failure {
    fn from(e: chain::ChainError) -> Self {
        Failure::Source(e.to_string())
    }
}

impl From<chain::SourceError> for Failure {
    fn from(e: chain::SourceError) -> Self {
        Failure::Source(e.to_string())
    }
}

/// Where to read from.
enum Origin {
    /// The light client on a spec file, from a checkpoint file when given, dialing the boot
    /// nodes given instead of the spec's when there are any.
    Chain(PathBuf, Option<PathBuf>, Vec<String>),
    Snapshot(PathBuf),
    /// Verified RPC: endpoints (failover in order) and the checkpoint file (`None`: finney's).
    Rpc(Vec<String>, Option<PathBuf>),
    Trusted(Vec<String>),
}

/// finney's chain-spec checkpoint (#8,867,448, GRANDPA set 5 → 6), the default trust root of
/// `--rpc`: the same file the page ships.
const FINNEY_CHECKPOINT: &str = include_str!("../../../public/chainspecs/finney.checkpoint.json");

/// The arguments every reading command shares.
struct ReadArgs {
    from: Origin,
    json: bool,
    timeout: Duration,
    netuid: Option<u16>,
    out: Option<PathBuf>,
}

pub const USAGE: &str = "usage: taoscope subnets|metagraph|replay|audit|head SOURCE [options]
       taoscope snapshot (--chain SPEC.json | --rpc URL [--checkpoint FILE]) --out FILE
                         [--timeout SECS]
  SOURCE: --chain SPEC.json [--checkpoint FILE] [--bootnode MULTIADDR ...] | --rpc URL [--rpc URL2 ...] [--checkpoint FILE]
        | --trusted-rpc URL [--trusted-rpc URL2 ...] | --snapshot FILE

  subnets              every subnet: neurons, tempo, price, emission share, pruning order
  metagraph --netuid N every uid of a subnet: keys, stake, permit, consensus, incentive, dividends
  replay --netuid N    the subnet's last epoch recomputed with the chain's fixed point, compared
                       with what the chain stored: exact, differs (which uids and fields), or
                       unsupported (the rule the engine lacks)
  audit                replay for every subnet
  head                 the newest finalized block the source proves: number, hash, GRANDPA set
                       id, and how it was verified
  snapshot             record what the commands above read (at one finalized block) into FILE;
                       the dashboard and --snapshot read it back, labelled as a snapshot

  --chain SPEC.json    follow the chain with the light client (values verified by smoldot)
  --rpc URL            read a JSON-RPC endpoint (ws:// or wss://), verified: finality from the
                       checkpoint by GRANDPA justifications, every value by a read proof, runtime
                       calls run here on proven state; repeat for failover
  --checkpoint FILE    the trust root for --rpc (default: finney's chain-spec checkpoint,
                       #8,867,448), or where --chain starts instead of genesis (the spec may
                       then hold only the genesis state root); `taoscope devnode
                       --checkpoint-out` writes one
  --bootnode MULTIADDR dial this node instead of the spec's boot nodes (repeat for more)
  --trusted-rpc URL    read a JSON-RPC endpoint and believe it (nothing verified; labelled so)
  --snapshot FILE      read a snapshot instead (nothing re-verified)
  --json               one JSON value instead of a table
  --timeout SECS       give up after SECS (default 180): syncing, and waiting for an epoch a
                       replay needs (a light client keeps only the last 20 finalized blocks)";

fn parse(args: &[String], needs_netuid: bool, snapshot_cmd: bool) -> Result<ReadArgs, Failure> {
    let usage = |m: String| Failure::Usage(format!("{m}\n\n{USAGE}"));
    let mut chain = None;
    let mut snapshot = None;
    let mut rpc: Vec<String> = Vec::new();
    let mut trusted: Vec<String> = Vec::new();
    let mut checkpoint = None;
    let mut boot_nodes: Vec<String> = Vec::new();
    let mut json = false;
    let mut timeout = Duration::from_secs(180);
    let mut netuid = None;
    let mut out = None;
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let mut value = |flag: &str| {
            it.next()
                .cloned()
                .ok_or_else(|| usage(format!("{flag} needs a value")))
        };
        match arg.as_str() {
            "--chain" => {
                let spec = value("--chain")?;
                if spec == "finney" {
                    return Err(Failure::Source(
                        "taoscope ships no finney chain spec for the light client: finney's \
                         genesis is 12 MB of state, and its genesis state root (what a spec \
                         without that state needs) is not known here to check; pass finney's \
                         raw spec as --chain FILE --checkpoint public/chainspecs/finney.checkpoint.json \
                         (it needs a dialable boot node: the published one is plain /ws), or \
                         read finney with --rpc wss://entrypoint-finney.opentensor.ai:443 \
                         (verified) instead"
                            .into(),
                    ));
                }
                chain = Some(PathBuf::from(spec));
            }
            "--rpc" => rpc.push(endpoint(value("--rpc")?, "--rpc")?),
            "--trusted-rpc" if !snapshot_cmd => {
                trusted.push(endpoint(value("--trusted-rpc")?, "--trusted-rpc")?);
            }
            "--bootnode" => boot_nodes.push(value("--bootnode")?),
            "--checkpoint" => {
                checkpoint = Some(PathBuf::from(value("--checkpoint")?));
            }
            "--snapshot" if !snapshot_cmd => snapshot = Some(PathBuf::from(value("--snapshot")?)),
            "--json" if !snapshot_cmd => json = true,
            "--out" if snapshot_cmd => out = Some(PathBuf::from(value("--out")?)),
            "--timeout" => {
                let v = value("--timeout")?;
                timeout = match v.parse::<u64>() {
                    Ok(s) if (1..=86_400).contains(&s) => Duration::from_secs(s),
                    _ => {
                        return Err(usage(format!(
                            "--timeout: expected seconds 1..=86400, got {v:?}"
                        )));
                    }
                };
            }
            "--netuid" if needs_netuid => {
                let v = value("--netuid")?;
                netuid = Some(v.parse::<u16>().map_err(|_| {
                    usage(format!(
                        "--netuid: expected a subnet id 0..=65535, got {v:?}"
                    ))
                })?);
            }
            other => return Err(usage(format!("unknown argument {other:?}"))),
        }
    }
    let given = [
        chain.is_some(),
        snapshot.is_some(),
        !rpc.is_empty(),
        !trusted.is_empty(),
    ];
    let from = match (chain, snapshot, rpc.is_empty(), trusted.is_empty()) {
        _ if given.iter().filter(|g| **g).count() > 1 => {
            return Err(usage(
                "--chain, --rpc, --trusted-rpc and --snapshot exclude each other".into(),
            ));
        }
        (Some(c), ..) => Origin::Chain(c, checkpoint.take(), std::mem::take(&mut boot_nodes)),
        (_, Some(s), ..) => Origin::Snapshot(s),
        (_, _, false, _) => Origin::Rpc(rpc, checkpoint.take()),
        (_, _, _, false) => Origin::Trusted(trusted),
        _ => {
            return Err(usage(
                "one of --chain SPEC.json, --rpc URL, --trusted-rpc URL, --snapshot FILE is required"
                    .into(),
            ));
        }
    };
    if checkpoint.is_some() {
        return Err(usage("--checkpoint goes with --rpc or --chain".into()));
    }
    if !boot_nodes.is_empty() {
        return Err(usage("--bootnode goes with --chain".into()));
    }
    if needs_netuid && netuid.is_none() {
        return Err(usage("--netuid is required".into()));
    }
    if snapshot_cmd && out.is_none() {
        return Err(usage("--out FILE is required".into()));
    }
    Ok(ReadArgs {
        from,
        json,
        timeout,
        netuid,
        out,
    })
}

/// A `ws://` or `wss://` URL.
fn endpoint(url: String, flag: &str) -> Result<String, Failure> {
    if url.starts_with("ws://") || url.starts_with("wss://") {
        Ok(url)
    } else {
        Err(Failure::Usage(format!(
            "{flag}: expected a ws:// or wss:// URL, got {url:?}\n\n{USAGE}"
        )))
    }
}

/// The verified RPC client over `endpoints`, from `checkpoint` (finney's when `None`).
fn rpc_source(
    endpoints: &[String],
    checkpoint: Option<&PathBuf>,
) -> Result<VerifiedRpc<WsTransport>, Failure> {
    let text = match checkpoint {
        Some(path) => std::fs::read_to_string(path)
            .map_err(|e| Failure::Usage(format!("--checkpoint {}: {e}", path.display())))?,
        None => FINNEY_CHECKPOINT.to_owned(),
    };
    let name = checkpoint.map_or("finney's checkpoint".into(), |p| p.display().to_string());
    let checkpoint = Checkpoint::from_json(&text)
        .map_err(|e| Failure::Usage(format!("--checkpoint {name}: {e}")))?;
    VerifiedRpc::new(
        WsTransport::new(endpoints.to_vec()),
        &checkpoint,
        RpcConfig::for_checkpoint(&checkpoint),
    )
    .map_err(|e| Failure::Source(format!("--checkpoint {name}: {e}")))
}

/// Syncs the verified client until block `number` is proven, pausing between attempts.
async fn rpc_wait(source: &VerifiedRpc<WsTransport>, number: u64) {
    loop {
        match source.sync().await {
            Ok(head) if head.block.number >= number => return,
            Ok(_) => {}
            Err(e) => eprintln!("taoscope: {e}"),
        }
        smol::Timer::after(Duration::from_secs(2)).await;
    }
}

/// Runs `work` with a deadline.
fn with_timeout<T>(
    timeout: Duration,
    work: impl Future<Output = Result<T, Failure>>,
) -> Result<T, Failure> {
    light::native::block_on(async {
        let work = std::pin::pin!(work);
        let timer = std::pin::pin!(smol::Timer::after(timeout));
        match futures_util::future::select(work, timer).await {
            futures_util::future::Either::Left((result, _)) => result,
            futures_util::future::Either::Right(_) => Err(Failure::Source(format!(
                "no answer within {} s (is the node up? see --timeout)",
                timeout.as_secs()
            ))),
        }
    })
}

/// A light client following the chain of `spec`, from `checkpoint` when given (smoldot-light
/// then starts at its block, verified from its GRANDPA set, not at genesis).
fn light_source(
    spec: &PathBuf,
    checkpoint: Option<&PathBuf>,
    boot_nodes: &[String],
) -> Result<light::LightSource<light::native::NativePlatform>, Failure> {
    let text = std::fs::read_to_string(spec)
        .map_err(|e| Failure::Usage(format!("--chain {}: {e}", spec.display())))?;
    let text = light::with_boot_nodes(&text, boot_nodes)
        .map_err(|e| Failure::Usage(format!("--chain {}: {e}", spec.display())))?;
    let database = match checkpoint {
        None => String::new(),
        Some(path) => {
            let cp = std::fs::read_to_string(path)
                .map_err(|e| Failure::Usage(format!("--checkpoint {}: {e}", path.display())))?;
            light::start::start_point(&text, Some(&cp), None)
                .map_err(|e| Failure::Usage(format!("--checkpoint {}: {e}", path.display())))?
                .database
        }
    };
    let client = light::Client::new(light::native::platform());
    let chain = client
        .add_chain_at(&text, &database)
        .map_err(|e| Failure::Source(format!("--chain {}: {e}", spec.display())))?;
    Ok(light::LightSource::new(chain))
}

fn snapshot_source(path: &PathBuf) -> Result<Snapshot, Failure> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Failure::Usage(format!("--snapshot {}: {e}", path.display())))?;
    Snapshot::from_json(&text)
        .map_err(|e| Failure::Source(format!("--snapshot {}: {e}", path.display())))
}

/// Runs one reading command, dispatching on the source.
pub fn run(command: &str, args: &[String]) -> Result<String, Failure> {
    let args = parse(
        args,
        matches!(command, "metagraph" | "replay"),
        command == "snapshot",
    )?;
    if command == "head" {
        return with_timeout(args.timeout, head(&args));
    }
    match &args.from {
        Origin::Rpc(endpoints, checkpoint) => {
            let source = rpc_source(endpoints, checkpoint.as_ref())?;
            let wait = |n: u64| {
                let source = &source;
                async move { rpc_wait(source, n).await }
            };
            with_timeout(args.timeout, async {
                source
                    .sync()
                    .await
                    .map_err(|e| Failure::Source(e.to_string()))?;
                if command == "snapshot" {
                    let identity = rpc_identity(&source).await?;
                    return snapshot(&source, identity, &args, &wait).await;
                }
                command_on(&source, command, &args, &wait).await
            })
        }
        Origin::Trusted(endpoints) => {
            let source = TrustedRpc::new(WsTransport::new(endpoints.clone()));
            with_timeout(
                args.timeout,
                command_on(&source, command, &args, &|_| async {
                    smol::Timer::after(Duration::from_secs(2)).await;
                }),
            )
        }
        Origin::Snapshot(path) => {
            let source = snapshot_source(path)?;
            with_timeout(
                args.timeout,
                command_on(&source, command, &args, &|_| async {}),
            )
        }
        Origin::Chain(spec, checkpoint, boot_nodes) => {
            let source = light_source(spec, checkpoint.as_ref(), boot_nodes)?;
            let wait = |n: u64| {
                let source = &source;
                async move { source.wait_finalized(n).await }
            };
            if command == "snapshot" {
                with_timeout(args.timeout, async {
                    snapshot(&source, light_identity(&source).await?, &args, &wait).await
                })
            } else {
                with_timeout(args.timeout, command_on(&source, command, &args, &wait))
            }
        }
    }
}

/// `taoscope head`: the newest finalized block the source proves, and how.
async fn head(args: &ReadArgs) -> Result<String, Failure> {
    let (block, set_id, how, steps) = match &args.from {
        Origin::Rpc(endpoints, checkpoint) => {
            let source = rpc_source(endpoints, checkpoint.as_ref())?;
            let head = source
                .sync()
                .await
                .map_err(|e| Failure::Source(e.to_string()))?;
            let how = match head.steps.last() {
                Some(Step::Justified { number, set_id, .. }) => format!(
                    "verified RPC ({}): GRANDPA justification of #{number} by set {set_id}, \
                     from the checkpoint through {} justification(s); the endpoint's own \
                     finalized head is #{}",
                    head.endpoint,
                    head.steps.len() - 1,
                    head.endpoint_finalized
                ),
                _ => format!(
                    "verified RPC ({}): the checkpoint itself; no newer justification yet (the \
                     endpoint's finalized head is #{})",
                    head.endpoint, head.endpoint_finalized
                ),
            };
            let how = if head.distrusted.is_empty() {
                how
            } else {
                format!(
                    "{how}; left for serving data that failed a check: {}",
                    head.distrusted.join("; ")
                )
            };
            let steps: Vec<Value> = head.steps.iter().map(step_json).collect();
            let block = chain::BlockRef {
                number: head.block.number,
                hash: head.block.hash,
            };
            (block, Some(head.set_id), how, steps)
        }
        Origin::Chain(spec, checkpoint, boot_nodes) => {
            let source = light_source(spec, checkpoint.as_ref(), boot_nodes)?;
            source.wait_finalized(0).await;
            let block = source.finalized().await?;
            let how = match checkpoint {
                None => "light client (smoldot-light): headers, GRANDPA finality and proofs \
                         checked from the chain spec"
                    .to_owned(),
                Some(path) => format!(
                    "light client (smoldot-light) from the checkpoint {}: headers, GRANDPA \
                     finality and proofs checked from its authority set on",
                    path.display()
                ),
            };
            (block, None, how, Vec::new())
        }
        Origin::Trusted(endpoints) => {
            let source = TrustedRpc::new(WsTransport::new(endpoints.clone()));
            let block = source.finalized().await?;
            let how = format!("trusted RPC ({}): not verified", endpoints.join(", "));
            (block, None, how, Vec::new())
        }
        Origin::Snapshot(path) => {
            let block = snapshot_source(path)?.finalized().await?;
            (
                block,
                None,
                "snapshot: recorded, not re-verified".into(),
                Vec::new(),
            )
        }
    };
    let hash = chain::hexser::to_hex(&block.hash);
    Ok(if args.json {
        json!({
            "number": block.number,
            "hash": hash,
            "grandpa_set_id": set_id,
            "verified": how,
            "steps": steps,
        })
        .to_string()
    } else {
        let set = set_id.map_or(String::new(), |s| format!("\nGRANDPA set {s}"));
        format!("#{} {hash}{set}\n{how}", block.number)
    })
}

fn step_json(step: &Step) -> Value {
    match step {
        Step::Checkpoint { number, set_id } => {
            json!({"checkpoint": number, "set_id": set_id})
        }
        Step::Justified {
            number,
            set_id,
            new_set,
        } => json!({"justified": number, "set_id": set_id, "new_set": new_set}),
    }
}

async fn command_on<S: Source, W, F>(
    source: &S,
    command: &str,
    args: &ReadArgs,
    wait: &W,
) -> Result<String, Failure>
where
    W: Fn(u64) -> F,
    F: Future<Output = ()>,
{
    let cache = MetadataCache::default();
    let at = source.finalized().await?;
    let view = View::open(source, at, &cache).await?;
    let netuid = args.netuid.unwrap_or(0);
    Ok(match command {
        "subnets" => {
            let subnets = model::read_subnets(&view).await?;
            if args.json {
                subnets_json(&subnets).to_string()
            } else {
                subnets_table(&subnets)
            }
        }
        "metagraph" => {
            let m = model::read_metagraph(&view, netuid)
                .await
                .map_err(not_found)?;
            if args.json {
                metagraph_json(&m).to_string()
            } else {
                metagraph_table(&m)
            }
        }
        "replay" => {
            if !model::subnet_exists(&view, netuid).await? || netuid == 0 {
                return Err(Failure::Source(format!(
                    "netuid {netuid} is not a subnet with epochs"
                )));
            }
            let r = replay_one(source, netuid, &cache, wait).await?;
            if args.json {
                replay_json(&r).to_string()
            } else {
                replay_table(&[r])
            }
        }
        "audit" => {
            let mut all = Vec::new();
            let mut waiting = Vec::new();
            for netuid in model::netuids(&view).await? {
                if netuid == 0 {
                    continue;
                }
                match replay_one(source, netuid, &cache, wait).await {
                    Ok(r) => all.push(r),
                    Err(Failure::Source(_)) if is_fresh(&view, netuid).await => {
                        waiting.push(netuid)
                    }
                    Err(e) => return Err(e),
                }
            }
            for netuid in &waiting {
                eprintln!("taoscope: netuid {netuid} has not run an epoch yet: nothing to replay");
            }
            if args.json {
                Value::Array(all.iter().map(replay_json).collect()).to_string()
            } else {
                let mut text = replay_table(&all);
                for netuid in &waiting {
                    text.push_str(&format!("netuid {netuid}: no epoch yet\n"));
                }
                text
            }
        }
        other => return Err(Failure::Usage(format!("unknown command {other:?}"))),
    })
}

/// Whether `netuid` has not run an epoch yet (`LastMechansimStepBlock` is 0).
async fn is_fresh<S: Source>(view: &View<'_, S>, netuid: u16) -> bool {
    matches!(
        view.value::<u64>(
            "SubtensorModule",
            "LastMechansimStepBlock",
            vec![netuid.to_le_bytes().to_vec()]
        )
        .await,
        Ok(None | Some(0))
    )
}

fn not_found(e: chain::ChainError) -> Failure {
    Failure::Source(e.to_string())
}

async fn replay_one<S: Source, W, F>(
    source: &S,
    netuid: u16,
    cache: &MetadataCache,
    wait: &W,
) -> Result<Replay, Failure>
where
    W: Fn(u64) -> F,
    F: Future<Output = ()>,
{
    let record = replay::read_last_epoch_waiting(source, netuid, cache, 3, |b| {
        eprintln!("taoscope: netuid {netuid}: waiting for its next epoch (block #{b}) to read it");
        wait(b)
    })
    .await?;
    Ok(replay::replay(&record))
}

/// `taoscope snapshot`: everything the dashboard reads, recorded at one finalized block at
/// which every subnet's last epoch is still readable.
/// The chain's name and genesis hash as the light client has them from its spec.
async fn light_identity(
    source: &light::LightSource<light::native::NativePlatform>,
) -> Result<(String, [u8; 32]), Failure> {
    let chain = source.chain();
    let name = chain
        .request("chainSpec_v1_chainName", json!([]))
        .await
        .map_err(|e| Failure::Source(e.to_string()))?;
    let genesis = chain
        .request("chainSpec_v1_genesisHash", json!([]))
        .await
        .map_err(|e| Failure::Source(e.to_string()))?;
    Ok((
        name.as_str().unwrap_or("chain").to_owned(),
        genesis_of(&genesis)?,
    ))
}

/// The chain's name (`system_chain`, a label) and genesis hash from a verified RPC endpoint,
/// after a sync, which compared that genesis with the checkpoint's.
async fn rpc_identity(source: &VerifiedRpc<WsTransport>) -> Result<(String, [u8; 32]), Failure> {
    let ask = |method: &'static str, params: Value| async move {
        source
            .transport()
            .request(method, params)
            .await
            .map_err(|e| Failure::Source(e.to_string()))
    };
    let name = ask("system_chain", json!([])).await?;
    let genesis = ask("chain_getBlockHash", json!([0])).await?;
    Ok((
        name.as_str().unwrap_or("chain").to_owned(),
        genesis_of(&genesis)?,
    ))
}

fn genesis_of(value: &Value) -> Result<[u8; 32], Failure> {
    value
        .as_str()
        .and_then(|g| chain::hexser::parse(g).ok())
        .and_then(|g| g.try_into().ok())
        .ok_or_else(|| Failure::Source(format!("genesis hash {value} is not 32 bytes of hex")))
}

async fn snapshot<S: Source, W, F>(
    source: &S,
    (name, genesis): (String, [u8; 32]),
    args: &ReadArgs,
    wait: &W,
) -> Result<String, Failure>
where
    W: Fn(u64) -> F,
    F: Future<Output = ()>,
{
    for attempt in 0..4 {
        let recorder = Recorder::new(source);
        let cache = MetadataCache::default();
        let at = recorder.finalized().await?;
        // Keep `at` readable for the whole recording: at a block a second, reading every
        // metagraph through the light client can outlast the finalized blocks it keeps pinned.
        recorder.hold(&[at])?;
        let recorded = record_at(&recorder, at, &cache).await;
        recorder.unhold(&[at]);
        if let Some((netuid, tempo)) = recorded? {
            // The light client keeps recent blocks only: wait for this subnet's next epoch.
            eprintln!(
                "taoscope: netuid {netuid}'s last epoch is older than the light client keeps; \
                 waiting {} blocks (attempt {})",
                u64::from(tempo) + 2,
                attempt + 1
            );
            wait(at.number + u64::from(tempo) + 2).await;
            continue;
        }
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .ok();
        let snapshot = recorder.snapshot(&name, genesis, at, now);
        let out = args.out.clone().unwrap_or_default();
        let text = snapshot.to_json();
        std::fs::write(&out, &text)
            .map_err(|e| Failure::Usage(format!("--out {}: {e}", out.display())))?;
        return Ok(format!(
            "snapshot of {} at #{} ({} blocks, {} bytes) written to {}",
            snapshot.chain,
            at.number,
            snapshot.blocks.len(),
            text.len(),
            out.display()
        ));
    }
    Err(Failure::Source(
        "could not find a block at which every subnet's last epoch was readable".into(),
    ))
}

/// Reads everything the dashboard shows at `at` through `recorder`. `Some((netuid, tempo))`
/// when a subnet's last epoch is no longer readable (its tempo says how long to wait).
async fn record_at<S: chain::Source>(
    recorder: &Recorder<S>,
    at: chain::BlockRef,
    cache: &MetadataCache,
) -> Result<Option<(u16, u16)>, Failure> {
    let view = View::open(recorder, at, cache).await?;
    let ids = model::netuids(&view).await?;
    let tempo_of = async |netuid: u16| -> Result<u16, Failure> {
        Ok(model::read_subnets(&view)
            .await?
            .subnets
            .iter()
            .find(|s| s.netuid == netuid)
            .and_then(|s| s.tempo)
            .unwrap_or(360))
    };
    // Hold every subnet's epoch blocks before reading any: read one after another, the first
    // subnets' epochs could age out of the light client's window while the last are read.
    let mut held = Vec::new();
    let mut stale = None;
    for netuid in ids.iter().copied().filter(|n| *n != 0) {
        match replay::last_epoch_blocks(&view, netuid).await {
            Ok(blocks) if recorder.hold(&blocks).is_ok() => held.extend(blocks),
            Err(chain::ChainError::NoEpochYet { .. }) => {}
            Ok(_) | Err(chain::ChainError::Source(chain::SourceError::BlockUnavailable { .. })) => {
                stale = Some(netuid);
                break;
            }
            Err(e) => {
                recorder.unhold(&held);
                return Err(e.into());
            }
        }
    }
    let read = async {
        if let Some(netuid) = stale {
            return Ok(Some((netuid, tempo_of(netuid).await?)));
        }
        for netuid in ids.iter().copied().filter(|n| *n != 0) {
            match replay::read_last_epoch(&view, netuid, cache).await {
                Ok(_) | Err(chain::ChainError::NoEpochYet { .. }) => {}
                Err(e) => return Err(e.into()),
            }
        }
        model::read_overview(&view).await?;
        let subnets = model::read_subnets(&view).await?;
        // Every page a snapshot link can open: each neuron (its weights and bonds rows) and
        // each coldkey's account, owners' and neurons' alike.
        let mut coldkeys = std::collections::BTreeSet::new();
        for netuid in &ids {
            let metagraph = model::read_metagraph(&view, *netuid).await?;
            model::read_hyperparams(&view, *netuid).await?;
            let uids: Vec<u16> = metagraph.neurons.iter().map(|n| n.uid).collect();
            model::read_all_rows(&view, *netuid, &uids).await?;
            coldkeys.extend(metagraph.neurons.iter().filter_map(|n| n.coldkey));
        }
        coldkeys.extend(subnets.subnets.iter().filter_map(|s| s.owner_coldkey));
        for coldkey in coldkeys {
            model::read_account_priced(&view, coldkey, &subnets).await?;
        }
        Ok(None)
    }
    .await;
    recorder.unhold(&held);
    read
}

fn prop(v: u16) -> f64 {
    f64::from(v) / 65_535.0
}

fn tao(rao: u64) -> String {
    format!("{:.4}", rao as f64 / 1e9)
}

fn subnets_json(s: &Subnets) -> Value {
    let mut v = serde_json::to_value(&s.subnets).unwrap_or_default();
    if let Value::Array(rows) = &mut v {
        for row in rows {
            // Price as TAO per alpha beside the rao figure.
            let price = row["price"].as_u64().map(|p| p as f64 / 1e9);
            row["price_tao"] = price.into();
        }
    }
    v
}

fn subnets_table(s: &Subnets) -> String {
    let mut t = Table::new(&[
        "netuid",
        "name",
        "neurons",
        "tempo",
        "price τ/α",
        "emission",
        "TAO in",
        "rule",
    ]);
    for n in &s.subnets {
        t.row(vec![
            n.netuid.to_string(),
            n.name.clone().or(n.symbol.clone()).unwrap_or_default(),
            match (n.neurons, n.max_neurons) {
                (Some(a), Some(b)) => format!("{a}/{b}"),
                _ => "—".into(),
            },
            n.tempo.map_or("—".into(), |t| t.to_string()),
            n.price
                .map_or("—".into(), |p| format!("{:.6}", p as f64 / 1e9)),
            n.emission_share
                .map_or("—".into(), |e| format!("{:.2}%", e * 100.0)),
            n.tao_in.map_or("—".into(), tao),
            match (n.yuma3, n.liquid_alpha) {
                (Some(true), Some(true)) => "yuma3+liquid".into(),
                (Some(true), _) => "yuma3".into(),
                (Some(false), _) => "yuma1".into(),
                _ => "—".into(),
            },
        ]);
    }
    let pruning = if s.prunes {
        format!("next to be pruned: {:?}", s.pruning_order)
    } else {
        "this runtime does not prune subnets".into()
    };
    format!(
        "{} subnets at block #{} ({}); {pruning}\n{}",
        s.subnets.len(),
        s.block.number,
        s.provenance.id(),
        t.render()
    )
}

fn metagraph_json(m: &Metagraph) -> Value {
    let mut v = serde_json::to_value(m).unwrap_or_default();
    v["block"] = m.block.number.into();
    v["block_hash"] = chain::hexser::to_hex(&m.block.hash).into();
    if let Value::Array(neurons) = &mut v["neurons"] {
        for (row, n) in neurons.iter_mut().zip(&m.neurons) {
            for (name, value) in [
                ("consensus", n.consensus),
                ("incentive", n.incentive),
                ("dividends", n.dividends),
                ("validator_trust", n.validator_trust),
            ] {
                row[format!("{name}_u16")] = value.into();
                row[name] = prop(value).into();
            }
        }
    }
    v
}

fn metagraph_table(m: &Metagraph) -> String {
    let mut t = Table::new(&[
        "uid",
        "hotkey",
        "stake α",
        "permit",
        "consensus",
        "incentive",
        "dividends",
        "vtrust",
        "emission α",
    ]);
    for n in &m.neurons {
        let hotkey = ss58::encode(&n.hotkey);
        t.row(vec![
            n.uid.to_string(),
            format!("{}…", &hotkey[..10]),
            tao(n.stake),
            if n.validator_permit {
                "✓".into()
            } else {
                String::new()
            },
            format!("{:.4}", prop(n.consensus)),
            format!("{:.4}", prop(n.incentive)),
            format!("{:.4}", prop(n.dividends)),
            format!("{:.4}", prop(n.validator_trust)),
            tao(n.emission),
        ]);
    }
    format!(
        "netuid {} at block #{} ({}): {} uids\n{}",
        m.netuid,
        m.block.number,
        m.provenance.id(),
        m.neurons.len(),
        t.render()
    )
}

fn replay_json(r: &Replay) -> Value {
    serde_json::to_value(r).unwrap_or_default()
}

fn replay_table(all: &[Replay]) -> String {
    let mut t = Table::new(&[
        "netuid",
        "epoch block",
        "spec",
        "rule",
        "verdict",
        "mismatches",
        "reason",
    ]);
    for r in all {
        t.row(vec![
            r.netuid.to_string(),
            r.block.to_string(),
            r.spec_version.to_string(),
            r.rule.clone(),
            format!("{:?}", r.verdict).to_lowercase(),
            r.mismatch_count.to_string(),
            r.reason.clone().unwrap_or_default(),
        ]);
    }
    let mut text = t.render();
    for r in all {
        for m in r.mismatches.iter().take(10) {
            text.push_str(&format!(
                "  netuid {} uid {} {}: chain {} vs replay {}\n",
                r.netuid, m.uid, m.field, m.stored, m.computed
            ));
        }
    }
    text
}
