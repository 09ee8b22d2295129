//! `BrowserPlatform`: smoldot-light's [`PlatformRef`] on the JS global scope, for
//! wasm32-unknown-unknown in a page or a Web Worker.
//!
//! Everything comes from globals that exist in both (no `window`, no DOM): `WebSocket` for
//! connections (binary frames; `ws://` to IP addresses and `ws://`/`wss://` to host names),
//! `setTimeout`/`clearTimeout` for timers, `performance.now()` for [`PlatformRef::now`],
//! `Date.now()` for wall time, `crypto.getRandomValues` (through getrandom) for randomness,
//! and the microtask queue (`wasm-bindgen-futures`) for tasks.
//!
//! smoldot requires `Send` futures and handles, while JS objects are not `Send`. The JS objects
//! (sockets, timer callbacks) therefore live in thread-local tables keyed by a number, and
//! the `Send` handles hold only that number and an `Arc<Mutex<_>>` of plain Rust state that the
//! callbacks update. wasm32-unknown-unknown has one thread, so the tables are never shared.
//!
//! Left out: plain TCP (a browser cannot open it) and WebRTC (smoldot's multistream
//! connections); a spec whose boot nodes all need them is refused by `add_chain`.

use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll, Waker};
use core::time::Duration;
use std::borrow::Cow;
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use futures_util::future;
use smoldot_light::platform::{
    Address, ConnectionType, LogLevel, MultiStreamAddress, MultiStreamWebRtcConnection,
    PlatformRef, SubstreamDirection, read_write::ReadWrite,
};
use wasm_bindgen::JsCast as _;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_name = setTimeout)]
    fn set_timeout(handler: &js_sys::Function, ms: i32) -> i32;
    #[wasm_bindgen(js_name = clearTimeout)]
    fn clear_timeout(id: i32);
    #[wasm_bindgen(js_namespace = performance, js_name = now)]
    fn performance_now() -> f64;
    #[wasm_bindgen(js_namespace = console, js_name = error)]
    fn console_error(text: &str);
    #[wasm_bindgen(js_namespace = console, js_name = warn)]
    fn console_warn(text: &str);
    #[wasm_bindgen(js_namespace = console, js_name = info)]
    fn console_info(text: &str);
    #[wasm_bindgen(js_namespace = console, js_name = debug)]
    fn console_debug(text: &str);
}

/// Most bytes queued in a WebSocket (`bufferedAmount`) before writers are asked to wait.
const WRITE_WINDOW: u32 = 1 << 20;
/// How often a writer that waits for `bufferedAmount` to drain looks again (the browser has no
/// event for it).
const DRAIN_POLL: Duration = Duration::from_millis(20);

/// smoldot-light's platform in a browser page or Web Worker. Cheap to clone.
#[derive(Clone)]
pub struct BrowserPlatform {
    inner: Arc<Config>,
}

struct Config {
    name: String,
    version: String,
    max_log_level: u8,
}

impl core::panic::UnwindSafe for BrowserPlatform {}

impl Default for BrowserPlatform {
    fn default() -> Self {
        Self::new()
    }
}

impl BrowserPlatform {
    /// A platform that logs warnings and errors to the console.
    pub fn new() -> Self {
        Self::with_log_level(LogLevel::Warn)
    }

    /// A platform that logs smoldot's messages up to `level` to the console.
    pub fn with_log_level(level: LogLevel) -> Self {
        BrowserPlatform {
            inner: Arc::new(Config {
                name: env!("CARGO_PKG_NAME").into(),
                version: env!("CARGO_PKG_VERSION").into(),
                max_log_level: level_number(&level),
            }),
        }
    }
}

fn level_number(level: &LogLevel) -> u8 {
    match level {
        LogLevel::Error => 1,
        LogLevel::Warn => 2,
        LogLevel::Info => 3,
        LogLevel::Debug => 4,
        LogLevel::Trace => 5,
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

fn next_key() -> u32 {
    thread_local!(static NEXT: Cell<u32> = const { Cell::new(0) });
    NEXT.with(|n| {
        let key = n.get().wrapping_add(1);
        n.set(key);
        key
    })
}

// ---------------------------------------------------------------------------------------------
// Timers

/// A `setTimeout` id and its callback.
type Timer = (i32, Closure<dyn FnMut()>);

thread_local! {
    /// Pending `setTimeout`s, kept alive until their `Delay` drops.
    static TIMERS: RefCell<HashMap<u32, Timer>> = RefCell::new(HashMap::new());
}

#[derive(Default)]
struct TimerState {
    fired: bool,
    waker: Option<Waker>,
}

/// [`PlatformRef::Delay`]: a `setTimeout` whose callback wakes the future.
pub struct Delay {
    key: Option<u32>,
    state: Arc<Mutex<TimerState>>,
}

impl Delay {
    fn after(duration: Duration) -> Self {
        let state = Arc::new(Mutex::new(TimerState::default()));
        if duration.is_zero() {
            lock(&state).fired = true;
            return Delay { key: None, state };
        }
        // Longer than setTimeout's 2^31-1 ms (24.8 days) would fire at once; clamp instead.
        let ms = i32::try_from(duration.as_millis().saturating_add(1)).unwrap_or(i32::MAX);
        let callback = Closure::<dyn FnMut()>::new({
            let state = state.clone();
            move || {
                let mut state = lock(&state);
                state.fired = true;
                if let Some(waker) = state.waker.take() {
                    waker.wake();
                }
            }
        });
        let id = set_timeout(callback.as_ref().unchecked_ref(), ms);
        let key = next_key();
        TIMERS.with(|t| t.borrow_mut().insert(key, (id, callback)));
        Delay {
            key: Some(key),
            state,
        }
    }
}

impl Future for Delay {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut state = lock(&self.state);
        if state.fired {
            Poll::Ready(())
        } else {
            state.waker = Some(cx.waker().clone());
            Poll::Pending
        }
    }
}

impl Drop for Delay {
    fn drop(&mut self) {
        if let Some(key) = self.key
            && let Some((id, callback)) = TIMERS.with(|t| t.borrow_mut().remove(&key))
        {
            // Dropped outside the callback (a `Delay` is only dropped by Rust code), so the
            // closure is never freed while it runs.
            if !lock(&self.state).fired {
                clear_timeout(id);
            }
            drop(callback);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// WebSocket streams

/// A WebSocket and its event callbacks, kept in [`SOCKETS`] while its [`Stream`] lives.
struct Socket {
    ws: web_sys::WebSocket,
    _on_open: Closure<dyn FnMut()>,
    _on_message: Closure<dyn FnMut(web_sys::MessageEvent)>,
    _on_close: Closure<dyn FnMut(web_sys::CloseEvent)>,
    _on_error: Closure<dyn FnMut()>,
}

thread_local! {
    static SOCKETS: RefCell<HashMap<u32, Socket>> = RefCell::new(HashMap::new());
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Connecting,
    Open,
    /// The remote closed the connection cleanly.
    Closed,
    Failed,
}

/// What the callbacks tell the stream.
struct SocketState {
    phase: Phase,
    /// Received bytes not yet handed to smoldot.
    incoming: Vec<u8>,
    /// Why the connection failed.
    error: Option<String>,
    /// Bumped by every callback, so a waiter sees that something happened.
    generation: u64,
    waker: Option<Waker>,
}

impl SocketState {
    fn changed(&mut self) {
        self.generation += 1;
        if let Some(waker) = self.waker.take() {
            waker.wake();
        }
    }
}

/// Why a browser connection failed ([`PlatformRef::StreamErrorRef`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamError(String);

impl core::fmt::Display for StreamError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(&self.0)
    }
}

/// [`PlatformRef::Stream`]: one WebSocket connection.
pub struct Stream {
    key: u32,
    state: Arc<Mutex<SocketState>>,
    /// Copied from the shared state when first seen, to hand out references to it.
    error: Option<StreamError>,
    /// Generation seen at the last `read_write_access`.
    seen: u64,
    accessed: bool,
    now: Duration,
    wake_up_after: Option<Duration>,
    write_closed: bool,
}

fn ws_url(address: &Address<'_>) -> Result<String, String> {
    Ok(match *address {
        Address::WebSocketIp {
            ip: IpAddr::V4(ip),
            port,
        } => format!("ws://{ip}:{port}"),
        Address::WebSocketIp {
            ip: IpAddr::V6(ip),
            port,
        } => format!("ws://[{ip}]:{port}"),
        Address::WebSocketDns {
            hostname,
            port,
            secure,
        } => format!("{}://{hostname}:{port}", if secure { "wss" } else { "ws" }),
        Address::TcpIp { .. } | Address::TcpDns { .. } => {
            return Err("a browser cannot open plain TCP connections".into());
        }
    })
}

fn open_socket(url: &str, state: &Arc<Mutex<SocketState>>) -> Result<Socket, String> {
    let ws = web_sys::WebSocket::new(url).map_err(|e| format!("WebSocket({url}): {e:?}"))?;
    ws.set_binary_type(web_sys::BinaryType::Arraybuffer);
    let on_open = Closure::<dyn FnMut()>::new({
        let state = state.clone();
        move || {
            let mut state = lock(&state);
            if state.phase == Phase::Connecting {
                state.phase = Phase::Open;
            }
            state.changed();
        }
    });
    let on_message = Closure::<dyn FnMut(web_sys::MessageEvent)>::new({
        let state = state.clone();
        move |event: web_sys::MessageEvent| {
            let mut state = lock(&state);
            match event.data().dyn_into::<js_sys::ArrayBuffer>() {
                Ok(buffer) => {
                    let bytes = js_sys::Uint8Array::new(&buffer);
                    let start = state.incoming.len();
                    state.incoming.resize(start + bytes.length() as usize, 0);
                    bytes.copy_to(&mut state.incoming[start..]);
                }
                // libp2p over WebSocket is binary only.
                Err(_) => {
                    state.phase = Phase::Failed;
                    state.error = Some("received a text WebSocket frame".into());
                }
            }
            state.changed();
        }
    });
    let on_close = Closure::<dyn FnMut(web_sys::CloseEvent)>::new({
        let state = state.clone();
        move |event: web_sys::CloseEvent| {
            let mut state = lock(&state);
            if state.phase != Phase::Failed {
                if event.was_clean() && state.phase == Phase::Open {
                    state.phase = Phase::Closed;
                } else {
                    state.phase = Phase::Failed;
                    state.error = Some(format!(
                        "WebSocket closed (code {}, {:?})",
                        event.code(),
                        event.reason()
                    ));
                }
            }
            state.changed();
        }
    });
    let on_error = Closure::<dyn FnMut()>::new({
        let state = state.clone();
        move || {
            let mut state = lock(&state);
            if state.phase != Phase::Closed {
                state.phase = Phase::Failed;
                // Browsers give no detail on purpose; the close event that follows has a code.
                state.error.get_or_insert_with(|| "WebSocket error".into());
            }
            state.changed();
        }
    });
    ws.set_onopen(Some(on_open.as_ref().unchecked_ref()));
    ws.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    ws.set_onclose(Some(on_close.as_ref().unchecked_ref()));
    ws.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    Ok(Socket {
        ws,
        _on_open: on_open,
        _on_message: on_message,
        _on_close: on_close,
        _on_error: on_error,
    })
}

impl Stream {
    fn connect(address: &Address<'_>) -> Stream {
        let state = Arc::new(Mutex::new(SocketState {
            phase: Phase::Connecting,
            incoming: Vec::new(),
            error: None,
            generation: 0,
            waker: None,
        }));
        let key = next_key();
        match ws_url(address).and_then(|url| open_socket(&url, &state)) {
            Ok(socket) => {
                SOCKETS.with(|s| s.borrow_mut().insert(key, socket));
            }
            Err(error) => {
                let mut state = lock(&state);
                state.phase = Phase::Failed;
                state.error = Some(error);
            }
        }
        Stream {
            key,
            state,
            error: None,
            seen: 0,
            accessed: false,
            now: Duration::ZERO,
            wake_up_after: None,
            write_closed: false,
        }
    }

    fn with_socket<R>(&self, f: impl FnOnce(&web_sys::WebSocket) -> R) -> Option<R> {
        SOCKETS.with(|s| s.borrow().get(&self.key).map(|socket| f(&socket.ws)))
    }
}

impl Drop for Stream {
    fn drop(&mut self) {
        if let Some(socket) = SOCKETS.with(|s| s.borrow_mut().remove(&self.key)) {
            // Detach the callbacks before they are freed, then close.
            socket.ws.set_onopen(None);
            socket.ws.set_onmessage(None);
            socket.ws.set_onclose(None);
            socket.ws.set_onerror(None);
            let _ = socket.ws.close();
        }
    }
}

/// [`PlatformRef::ReadWriteAccess`]: smoldot's view of the buffers; pushes writes to the
/// WebSocket when dropped.
pub struct ReadWriteAccess<'a> {
    read_write: ReadWrite<Duration>,
    stream: &'a mut Stream,
    incoming_before: usize,
}

impl core::ops::Deref for ReadWriteAccess<'_> {
    type Target = ReadWrite<Duration>;
    fn deref(&self) -> &Self::Target {
        &self.read_write
    }
}

impl core::ops::DerefMut for ReadWriteAccess<'_> {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.read_write
    }
}

impl Drop for ReadWriteAccess<'_> {
    fn drop(&mut self) {
        let rw = &mut self.read_write;
        let left = core::mem::take(&mut rw.incoming_buffer);
        let consumed = self.incoming_before != left.len();
        {
            // Bytes not consumed go back in front of what arrived meanwhile.
            let mut state = lock(&self.stream.state);
            if !left.is_empty() {
                let newer = core::mem::replace(&mut state.incoming, left);
                state.incoming.extend_from_slice(&newer);
            }
        }
        let writes: Vec<u8> = rw.write_buffers.drain(..).flatten().collect();
        let wrote = !writes.is_empty();
        if wrote {
            let sent = self
                .stream
                .with_socket(|ws| ws.send_with_u8_array(&writes).is_ok());
            if sent != Some(true) {
                let mut state = lock(&self.stream.state);
                state.phase = Phase::Failed;
                state
                    .error
                    .get_or_insert_with(|| "WebSocket send failed".into());
            }
        }
        if rw.write_bytes_queueable.is_none() && !self.stream.write_closed {
            // WebSocket has no half-close: closing the writing side closes the connection.
            self.stream.write_closed = true;
            let _ = self.stream.with_socket(web_sys::WebSocket::close);
        }
        self.stream.wake_up_after = rw.wake_up_after.take();
        // As smoldot's own `with_buffers`: progress on either side means "call again now".
        if (consumed && rw.expected_incoming_bytes.is_some())
            || (wrote && !self.stream.write_closed)
        {
            self.stream.wake_up_after = Some(rw.now);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// PlatformRef

impl PlatformRef for BrowserPlatform {
    type Delay = Delay;
    type Instant = Duration;
    type MultiStream = core::convert::Infallible;
    type Stream = Stream;
    type StreamConnectFuture = future::Ready<Stream>;
    type MultiStreamConnectFuture =
        future::Pending<MultiStreamWebRtcConnection<core::convert::Infallible>>;
    type ReadWriteAccess<'a> = ReadWriteAccess<'a>;
    type StreamErrorRef<'a> = &'a StreamError;
    type StreamUpdateFuture<'a> = Pin<Box<dyn Future<Output = ()> + Send + 'a>>;
    type NextSubstreamFuture<'a> = future::Pending<Option<(Stream, SubstreamDirection)>>;

    fn now_from_unix_epoch(&self) -> Duration {
        Duration::try_from_secs_f64(js_sys::Date::now() / 1000.0).unwrap_or_default()
    }

    fn now(&self) -> Duration {
        Duration::try_from_secs_f64(performance_now() / 1000.0).unwrap_or_default()
    }

    fn fill_random_bytes(&self, buffer: &mut [u8]) {
        if let Err(error) = getrandom::fill(buffer) {
            // The trait requires a panic: smoldot cannot run without randomness.
            panic!("crypto.getRandomValues failed: {error}");
        }
    }

    fn sleep(&self, duration: Duration) -> Delay {
        Delay::after(duration)
    }

    fn sleep_until(&self, when: Duration) -> Delay {
        Delay::after(when.saturating_sub(self.now()))
    }

    fn spawn_task(&self, _name: Cow<'_, str>, task: impl Future<Output = ()> + Send + 'static) {
        wasm_bindgen_futures::spawn_local(task);
    }

    fn log<'a>(
        &self,
        level: LogLevel,
        target: &'a str,
        message: &'a str,
        key_values: impl Iterator<Item = (&'a str, &'a dyn core::fmt::Display)>,
    ) {
        if level_number(&level) > self.inner.max_log_level {
            return;
        }
        let mut line = format!("[{target}] {message}");
        for (i, (key, value)) in key_values.enumerate() {
            line.push_str(if i == 0 { "; " } else { ", " });
            line.push_str(&format!("{key}={value}"));
        }
        match level {
            LogLevel::Error => console_error(&line),
            LogLevel::Warn => console_warn(&line),
            LogLevel::Info => console_info(&line),
            LogLevel::Debug | LogLevel::Trace => console_debug(&line),
        }
    }

    fn client_name(&self) -> Cow<'_, str> {
        Cow::Borrowed(&self.inner.name)
    }

    fn client_version(&self) -> Cow<'_, str> {
        Cow::Borrowed(&self.inner.version)
    }

    fn supports_connection_type(&self, connection_type: ConnectionType) -> bool {
        matches!(
            connection_type,
            ConnectionType::WebSocketIpv4 { .. }
                | ConnectionType::WebSocketIpv6 { .. }
                | ConnectionType::WebSocketDns { .. }
        )
    }

    fn connect_stream(&self, address: Address<'_>) -> Self::StreamConnectFuture {
        future::ready(Stream::connect(&address))
    }

    fn connect_multistream(&self, _: MultiStreamAddress<'_>) -> Self::MultiStreamConnectFuture {
        // Never called: `supports_connection_type` refuses WebRTC.
        future::pending()
    }

    fn open_out_substream(&self, connection: &mut Self::MultiStream) {
        match *connection {}
    }

    fn next_substream<'a>(
        &self,
        connection: &'a mut Self::MultiStream,
    ) -> Self::NextSubstreamFuture<'a> {
        match *connection {}
    }

    fn read_write_access<'a>(
        &self,
        stream: Pin<&'a mut Stream>,
    ) -> Result<ReadWriteAccess<'a>, &'a StreamError> {
        let stream = Pin::into_inner(stream);
        let now = self.now().max(stream.now);
        stream.now = now;
        stream.accessed = true;
        stream.wake_up_after = None;
        let (phase, incoming, generation, error) = {
            let mut state = lock(&stream.state);
            (
                state.phase,
                core::mem::take(&mut state.incoming),
                state.generation,
                state.error.clone(),
            )
        };
        stream.seen = generation;
        if phase == Phase::Failed {
            let error = stream.error.get_or_insert(StreamError(
                error.unwrap_or_else(|| "connection failed".into()),
            ));
            return Err(error);
        }
        let buffered = stream
            .with_socket(web_sys::WebSocket::buffered_amount)
            .unwrap_or(0);
        let write_bytes_queueable = match phase {
            _ if stream.write_closed => None,
            Phase::Open => Some(WRITE_WINDOW.saturating_sub(buffered) as usize),
            Phase::Connecting => Some(0),
            Phase::Closed | Phase::Failed => None,
        };
        let incoming_before = incoming.len();
        Ok(ReadWriteAccess {
            read_write: ReadWrite {
                now,
                incoming_buffer: incoming,
                expected_incoming_bytes: (phase != Phase::Closed).then_some(0),
                read_bytes: 0,
                write_buffers: Vec::new(),
                write_bytes_queued: 0,
                write_bytes_queueable,
                wake_up_after: None,
            },
            stream,
            incoming_before,
        })
    }

    fn wait_read_write_again<'a>(
        &self,
        stream: Pin<&'a mut Stream>,
    ) -> Self::StreamUpdateFuture<'a> {
        let stream = Pin::into_inner(stream);
        let now = self.now();
        if !stream.accessed || stream.wake_up_after.is_some_and(|when| when <= now) {
            return Box::pin(future::ready(()));
        }
        // A writer blocked on `bufferedAmount` has no event to wait for: look again soon.
        let blocked = stream
            .with_socket(|ws| ws.buffered_amount() >= WRITE_WINDOW)
            .unwrap_or(false);
        let wake_at = match (stream.wake_up_after, blocked) {
            (Some(when), true) => Some(when.min(now + DRAIN_POLL)),
            (Some(when), false) => Some(when),
            (None, true) => Some(now + DRAIN_POLL),
            (None, false) => None,
        };
        let mut timer = wake_at.map(|when| self.sleep_until(when));
        let state = stream.state.clone();
        let seen = stream.seen;
        Box::pin(future::poll_fn(move |cx| {
            if let Some(timer) = &mut timer
                && Pin::new(timer).poll(cx).is_ready()
            {
                return Poll::Ready(());
            }
            let mut state = lock(&state);
            if state.generation != seen {
                return Poll::Ready(());
            }
            state.waker = Some(cx.waker().clone());
            Poll::Pending
        }))
    }
}
