//! The devnode's I/O shell: one TCP listener that speaks both raw libp2p-over-TCP and
//! libp2p-over-WebSocket (told apart by the first bytes: a WebSocket client starts with an HTTP
//! `GET`), a thread per connection driving smoldot's connection task, and one coordinator loop
//! that owns the [`Chain`] and the [`Network`] and produces a block every interval. With
//! [`ServeConfig::rpc`], a second listener serves JSON-RPC over WebSocket ([`crate::jsonrpc`]),
//! its requests answered by the same loop.
//!
//! Threads rather than an async runtime: a devnet has a handful of peers, and plain blocking
//! sockets with short read timeouts keep the shell small and obvious. No TLS (`wss`): browsers
//! allow `ws://127.0.0.1` from pages on localhost, and a public deployment puts a proxy in front.

use std::collections::HashMap;
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender, TryRecvError};
use std::time::{Duration, Instant};

use smoldot::libp2p::collection::ConnectionId;
use smoldot::libp2p::read_write::ReadWrite;

use crate::Chain;
use crate::jsonrpc::{self, RpcConfig};
use crate::network::{
    ConnectionToCoordinator, CoordinatorToConnection, NetEvent, Network, SingleStreamConnectionTask,
};

/// Longest a connection thread sleeps in a socket read before looking at its queue again.
const POLL: Duration = Duration::from_millis(10);
/// Bytes the connection task may queue for writing before it is asked to wait.
const WRITE_WINDOW: usize = 256 * 1024;

/// Messages to the coordinator loop.
enum Input {
    Accepted(TcpStream, SocketAddr),
    FromConnection(ConnectionId, ConnectionToCoordinator),
    /// The connection's thread exited.
    Closed(ConnectionId),
    /// A JSON-RPC request text and where its answer goes.
    Rpc(String, Sender<String>),
}

/// A listening socket bound before the chain spec is written, so the spec can name its port.
#[derive(Debug)]
pub struct Listener {
    listener: TcpListener,
}

impl Listener {
    /// Binds `127.0.0.1:port` (0 picks a free port).
    ///
    /// # Errors
    ///
    /// The bind error (port in use, ...).
    pub fn bind(port: u16) -> io::Result<Self> {
        Ok(Listener {
            listener: TcpListener::bind(("127.0.0.1", port))?,
        })
    }

    /// The bound port.
    ///
    /// # Errors
    ///
    /// When the OS cannot report the socket address.
    pub fn port(&self) -> io::Result<u16> {
        Ok(self.listener.local_addr()?.port())
    }

    /// The boot node address: WebSocket, which browsers and smoldot's native platform both
    /// dial. Raw TCP is served on the same port but not advertised: a client given both opens
    /// a connection to each, then drops the gossip link of one and bans the peer for a while.
    ///
    /// # Errors
    ///
    /// When the OS cannot report the socket address.
    pub fn multiaddrs(&self, peer_id: &str) -> io::Result<Vec<String>> {
        let port = self.port()?;
        Ok(vec![format!("/ip4/127.0.0.1/tcp/{port}/ws/p2p/{peer_id}")])
    }
}

/// The JSON-RPC endpoint's socket and behaviour.
#[derive(Debug)]
pub struct RpcServe {
    /// Where WebSocket clients connect (`ws://127.0.0.1:<port>`).
    pub listener: Listener,
    /// How it answers.
    pub config: RpcConfig,
}

/// How the node runs.
#[derive(Debug)]
pub struct ServeConfig {
    /// Wall-clock time between blocks.
    pub block_interval: Duration,
    /// Chain clock of the next block (advances one slot per block).
    pub clock: Duration,
    /// Stop after this many blocks (`None`: until `stop` is set).
    pub max_blocks: Option<u64>,
    /// Also serve JSON-RPC (finney's legacy methods) here.
    pub rpc: Option<RpcServe>,
}

/// How many blocks finality trails the best block, as on a live chain (GRANDPA finalizes a
/// block or two behind). Not zero: smoldot-light validates a transaction against its best
/// block and drops the result as obsolete if that block was finalized meanwhile, so with
/// best = finalized every validation raced the next commit and a submitted transfer could
/// wait minutes.
pub const FINALITY_LAG: u64 = 1;

/// Runs the node until `stop` is set or `max_blocks` were produced. `on_event` sees every block
/// and network event, for logging.
///
/// # Errors
///
/// A block that fails to build or finalize (a runtime error: nothing else can be done).
pub fn serve(
    chain: &mut Chain,
    network: &mut Network,
    listener: Listener,
    config: ServeConfig,
    stop: Arc<AtomicBool>,
    mut on_event: impl FnMut(&str),
) -> Result<(), String> {
    let (input_tx, input_rx) = mpsc::channel::<Input>();
    {
        let input_tx = input_tx.clone();
        let stop = stop.clone();
        listener
            .listener
            .set_nonblocking(true)
            .map_err(|e| e.to_string())?;
        std::thread::spawn(move || accept_loop(listener.listener, input_tx, stop));
    }
    let rpc_config = match config.rpc {
        Some(rpc) => {
            rpc.listener
                .listener
                .set_nonblocking(true)
                .map_err(|e| e.to_string())?;
            let input_tx = input_tx.clone();
            let stop = stop.clone();
            std::thread::spawn(move || rpc_accept_loop(rpc.listener.listener, input_tx, stop));
            rpc.config
        }
        None => RpcConfig::default(),
    };
    let mut to_connections: HashMap<ConnectionId, Sender<CoordinatorToConnection>> = HashMap::new();
    let slot = Duration::from_millis(chain.slot_duration().get());
    let mut clock = config.clock;
    let mut produced = 0u64;
    let mut next_block = Instant::now() + config.block_interval;

    while !stop.load(Ordering::Relaxed) {
        match input_rx.recv_timeout(next_block.saturating_duration_since(Instant::now())) {
            Ok(Input::Accepted(stream, addr)) => {
                let (id, task) = network.add_inbound(Instant::now());
                let (tx, rx) = mpsc::channel();
                to_connections.insert(id, tx);
                let input_tx = input_tx.clone();
                on_event(&format!("connection from {addr}"));
                std::thread::spawn(move || run_connection(id, task, stream, input_tx, rx));
            }
            Ok(Input::FromConnection(id, message)) => network.inject(id, message),
            Ok(Input::Closed(id)) => {
                to_connections.remove(&id);
            }
            Ok(Input::Rpc(request, reply)) => {
                let _ = reply.send(jsonrpc::answer(chain, &request, &rpc_config));
            }
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => break,
        }
        for event in network.process(chain) {
            on_event(&describe(&event));
        }
        deliver(network, &to_connections);

        if Instant::now() >= next_block {
            if config.max_blocks.is_some_and(|max| produced >= max) {
                break;
            }
            let started = Instant::now();
            let block = chain.produce_block(clock).map_err(|e| e.to_string())?;
            let (number, header) = (block.number, block.header.clone());
            let extrinsics = block.body.len();
            let target = number.saturating_sub(FINALITY_LAG);
            if target > chain.finalized_block().number {
                chain.finalize(target).map_err(|e| e.to_string())?;
            }
            network.announce(chain, &header);
            deliver(network, &to_connections);
            on_event(&format!(
                "#{number} best, #{} finalized, {extrinsics} extrinsics, {} ms, {} peers",
                chain.finalized_block().number,
                started.elapsed().as_millis(),
                network.peer_count()
            ));
            produced += 1;
            clock += slot;
            next_block += config.block_interval;
            if next_block < Instant::now() {
                next_block = Instant::now();
            }
        }
    }
    Ok(())
}

/// Hands every queued coordinator message to its connection's thread (a thread that already
/// exited just misses it).
fn deliver(
    network: &mut Network,
    to_connections: &HashMap<ConnectionId, Sender<CoordinatorToConnection>>,
) {
    while let Some((id, message)) = network.pull_message() {
        if let Some(tx) = to_connections.get(&id) {
            let _ = tx.send(message);
        }
    }
}

fn describe(event: &NetEvent) -> String {
    match event {
        NetEvent::Connected(peer) => format!("peer {peer} connected"),
        NetEvent::Disconnected(peer) => format!("peer {peer} disconnected"),
        NetEvent::Served {
            protocol,
            what,
            outcome: Ok(bytes),
        } => format!("{protocol} {what}: {bytes} bytes"),
        NetEvent::Served {
            protocol,
            what,
            outcome: Err(why),
        } => format!("{protocol} {what}: refused ({why})"),
        NetEvent::Garbage(what) => format!("peer sent garbage: {what}"),
    }
}

fn accept_loop(listener: TcpListener, input: Sender<Input>, stop: Arc<AtomicBool>) {
    while !stop.load(Ordering::Relaxed) {
        match listener.accept() {
            Ok((stream, addr)) => {
                if input.send(Input::Accepted(stream, addr)).is_err() {
                    return;
                }
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => std::thread::sleep(POLL),
            Err(_) => std::thread::sleep(POLL),
        }
    }
}

/// Accepts JSON-RPC clients, a thread each.
fn rpc_accept_loop(listener: TcpListener, input: Sender<Input>, stop: Arc<AtomicBool>) {
    while !stop.load(Ordering::Relaxed) {
        match listener.accept() {
            Ok((stream, _)) => {
                let input = input.clone();
                std::thread::spawn(move || rpc_connection(stream, &input));
            }
            Err(_) => std::thread::sleep(POLL),
        }
    }
}

/// One JSON-RPC WebSocket client: each text frame is a request, answered by the coordinator
/// (which owns the chain) in order.
fn rpc_connection(stream: TcpStream, input: &Sender<Input>) {
    if stream.set_nonblocking(false).is_err() {
        return;
    }
    let Ok(mut ws) = tungstenite::accept(stream) else {
        return;
    };
    loop {
        let request = match ws.read() {
            Ok(tungstenite::Message::Text(text)) => text.to_string(),
            Ok(tungstenite::Message::Close(_)) | Err(_) => return,
            Ok(_) => continue,
        };
        let (tx, rx) = mpsc::channel();
        if input.send(Input::Rpc(request, tx)).is_err() {
            return;
        }
        let Ok(answer) = rx.recv() else { return };
        if ws.send(tungstenite::Message::text(answer)).is_err() {
            return;
        }
    }
}

/// A connection's byte stream: raw TCP or the payload of WebSocket binary messages.
enum Transport {
    Tcp(TcpStream),
    Ws(Box<tungstenite::WebSocket<TcpStream>>),
}

impl Transport {
    /// Sniffs the first bytes and completes a WebSocket upgrade when it is one.
    fn open(stream: TcpStream) -> io::Result<Self> {
        stream.set_read_timeout(Some(Duration::from_secs(10)))?;
        stream.set_nodelay(true)?;
        let mut first = [0u8; 4];
        let mut seen = 0;
        while seen < first.len() {
            seen = stream.peek(&mut first)?;
            if seen == 0 {
                return Err(io::ErrorKind::UnexpectedEof.into());
            }
            if seen < first.len() {
                std::thread::sleep(Duration::from_millis(5));
            }
        }
        let transport = if &first == b"GET " {
            let ws = tungstenite::accept(stream).map_err(|e| io::Error::other(e.to_string()))?;
            Transport::Ws(Box::new(ws))
        } else {
            Transport::Tcp(stream)
        };
        transport.stream().set_read_timeout(Some(POLL))?;
        Ok(transport)
    }

    fn stream(&self) -> &TcpStream {
        match self {
            Transport::Tcp(s) => s,
            Transport::Ws(ws) => ws.get_ref(),
        }
    }

    /// Appends what arrives within [`POLL`]; `Ok(false)` once the remote closed.
    fn read_into(&mut self, buffer: &mut Vec<u8>) -> io::Result<bool> {
        let timed_out = |e: &io::Error| {
            matches!(
                e.kind(),
                io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
            )
        };
        match self {
            Transport::Tcp(s) => {
                let mut chunk = [0u8; 16 * 1024];
                match s.read(&mut chunk) {
                    Ok(0) => Ok(false),
                    Ok(n) => {
                        buffer.extend_from_slice(&chunk[..n]);
                        Ok(true)
                    }
                    Err(e) if timed_out(&e) => Ok(true),
                    Err(e) => Err(e),
                }
            }
            Transport::Ws(ws) => match ws.read() {
                Ok(tungstenite::Message::Binary(data)) => {
                    buffer.extend_from_slice(&data);
                    Ok(true)
                }
                Ok(tungstenite::Message::Close(_)) => Ok(false),
                Ok(tungstenite::Message::Text(_)) => Err(io::Error::other("text frame")),
                Ok(_) => Ok(true),
                Err(tungstenite::Error::Io(e)) if timed_out(&e) => Ok(true),
                Err(tungstenite::Error::ConnectionClosed | tungstenite::Error::AlreadyClosed) => {
                    Ok(false)
                }
                Err(e) => Err(io::Error::other(e.to_string())),
            },
        }
    }

    fn write_all(&mut self, buffers: Vec<Vec<u8>>) -> io::Result<()> {
        if buffers.iter().all(Vec::is_empty) {
            return Ok(());
        }
        match self {
            Transport::Tcp(s) => {
                for b in buffers {
                    s.write_all(&b)?;
                }
                s.flush()
            }
            Transport::Ws(ws) => {
                let data: Vec<u8> = buffers.concat();
                ws.send(tungstenite::Message::Binary(data.into()))
                    .map_err(|e| io::Error::other(e.to_string()))
            }
        }
    }
}

/// Drives one connection, then tells the coordinator its thread is gone.
fn run_connection(
    id: ConnectionId,
    task: SingleStreamConnectionTask<Instant>,
    stream: TcpStream,
    to_coordinator: Sender<Input>,
    from_coordinator: Receiver<CoordinatorToConnection>,
) {
    drive(id, task, stream, &to_coordinator, &from_coordinator);
    let _ = to_coordinator.send(Input::Closed(id));
}

/// Runs smoldot's connection task over the socket until it acknowledges its shutdown.
fn drive(
    id: ConnectionId,
    mut task: SingleStreamConnectionTask<Instant>,
    stream: TcpStream,
    to_coordinator: &Sender<Input>,
    from_coordinator: &Receiver<CoordinatorToConnection>,
) {
    let mut transport = Transport::open(stream).ok();
    if transport.is_none() {
        task.reset();
    }
    let mut incoming = Vec::new();
    let mut read_open = true;
    loop {
        let now = Instant::now();
        loop {
            match from_coordinator.try_recv() {
                Ok(message) => task.inject_coordinator_message(&now, message),
                Err(TryRecvError::Empty) => break,
                Err(TryRecvError::Disconnected) => return,
            }
        }
        let mut wake_up = None;
        if !task.is_reset_called() {
            let mut rw = ReadWrite {
                now,
                incoming_buffer: std::mem::take(&mut incoming),
                expected_incoming_bytes: read_open.then_some(0),
                read_bytes: 0,
                write_buffers: Vec::new(),
                write_bytes_queued: 0,
                write_bytes_queueable: Some(WRITE_WINDOW),
                wake_up_after: None,
            };
            task.read_write(&mut rw);
            incoming = rw.incoming_buffer;
            wake_up = rw.wake_up_after;
            let failed = match transport.as_mut() {
                Some(t) => t.write_all(rw.write_buffers).is_err(),
                None => true,
            };
            if failed || (rw.write_bytes_queueable.is_none() && !read_open) {
                task.reset();
            }
        }
        let mut sent = false;
        loop {
            let (next, message) = task.pull_message_to_coordinator();
            let got = message.is_some();
            if let Some(message) = message {
                sent = true;
                if to_coordinator
                    .send(Input::FromConnection(id, message))
                    .is_err()
                {
                    return;
                }
            }
            match next {
                Some(t) => task = t,
                None => return,
            }
            if !got {
                break;
            }
        }
        if sent || wake_up.is_some_and(|w| w <= Instant::now()) {
            continue;
        }
        match transport.as_mut() {
            Some(t) if read_open && !task.is_reset_called() => match t.read_into(&mut incoming) {
                Ok(open) => read_open = open,
                Err(_) => task.reset(),
            },
            _ => std::thread::sleep(POLL),
        }
    }
}
