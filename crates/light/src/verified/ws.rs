//! A WebSocket [`Transport`] for native readers (the CLI): blocking, one request at a time,
//! which is how the verified client asks anyway (each answer decides the next question).
//!
//! Failover: given several endpoints, a connection that cannot be opened or breaks moves to
//! the next one, round robin, until each was tried twice. An endpoint that answers but lies is
//! found by the verifier, which refuses its data, says which endpoint it was, and has the
//! transport leave it for the session ([`Transport::distrust`]).

use std::net::TcpStream;
use std::sync::Mutex;
use std::time::Duration;

use serde_json::{Value, json};
use tungstenite::stream::MaybeTlsStream;
use tungstenite::{Message, WebSocket};

use super::{Transport, TransportError};

type Socket = WebSocket<MaybeTlsStream<TcpStream>>;

/// How long one answer may take (a read proof of a whole map can be large).
pub const ANSWER_TIMEOUT: Duration = Duration::from_secs(60);

struct Connection {
    ring: super::ring::Ring,
    socket: Option<Socket>,
    next_id: u64,
}

/// JSON-RPC over WebSocket to the first of `endpoints` that answers. See the module
/// documentation.
pub struct WsTransport {
    endpoints: Vec<String>,
    state: Mutex<Connection>,
}

impl WsTransport {
    /// Over `endpoints` (`ws://…`, or `wss://…` with feature `tls`; at least one). Connects on
    /// the first request.
    pub fn new(endpoints: Vec<String>) -> Self {
        WsTransport {
            endpoints,
            state: Mutex::new(Connection {
                ring: super::ring::Ring::default(),
                socket: None,
                next_id: 1,
            }),
        }
    }

    fn url(&self, state: &Connection) -> &str {
        self.endpoints
            .get(state.ring.current(self.endpoints.len()))
            .map_or("(no endpoint)", String::as_str)
    }
}

fn open(url: &str) -> Result<Socket, String> {
    if url.starts_with("wss://") && cfg!(not(feature = "tls")) {
        return Err("this build has no TLS (feature `tls` of crate `light`)".into());
    }
    let (socket, _) = tungstenite::connect(url).map_err(|e| e.to_string())?;
    let stream = match socket.get_ref() {
        MaybeTlsStream::Plain(stream) => Some(stream),
        #[cfg(feature = "tls")]
        MaybeTlsStream::Rustls(tls) => Some(tls.get_ref()),
        _ => None,
    };
    if let Some(stream) = stream {
        stream
            .set_read_timeout(Some(ANSWER_TIMEOUT))
            .map_err(|e| e.to_string())?;
    }
    Ok(socket)
}

/// What one exchange ended with: an answer, or a broken connection.
enum Exchange {
    Answer(Result<Value, TransportError>),
    Broken(String),
}

fn exchange(
    socket: &mut Socket,
    endpoint: &str,
    id: u64,
    method: &str,
    params: &Value,
) -> Exchange {
    let request = json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params});
    if let Err(e) = socket.send(Message::text(request.to_string())) {
        return Exchange::Broken(e.to_string());
    }
    let garbage = |what: String| {
        Exchange::Answer(Err(TransportError::Garbage {
            endpoint: endpoint.to_owned(),
            method: method.to_owned(),
            what,
        }))
    };
    loop {
        let text = match socket.read() {
            Ok(Message::Text(text)) => text.to_string(),
            Ok(Message::Binary(bytes)) => String::from_utf8_lossy(&bytes).into_owned(),
            Ok(Message::Close(_)) => return Exchange::Broken("the endpoint closed".into()),
            Ok(_) => continue,
            Err(e) => return Exchange::Broken(e.to_string()),
        };
        let Ok(answer) = serde_json::from_str::<Value>(&text) else {
            return garbage(format!("not JSON ({} bytes)", text.len()));
        };
        // Notifications and answers to other ids are not ours (none are sent, but be strict
        // about what is accepted, not about what is ignored).
        if answer.get("id").and_then(Value::as_u64) != Some(id) {
            continue;
        }
        return Exchange::Answer(super::answer_of(endpoint, method, &answer));
    }
}

/// Sends `calls` as one JSON-RPC batch and reads the list that answers it, in call order.
/// `None` when the connection broke or the endpoint does not answer batches with a list (the
/// caller then asks one by one).
fn batch(
    socket: &mut Socket,
    endpoint: &str,
    first_id: u64,
    calls: &[(&'static str, Value)],
) -> Option<Vec<Result<Value, TransportError>>> {
    let request: Vec<Value> = calls
        .iter()
        .zip(first_id..)
        .map(|((method, params), id)| {
            json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params})
        })
        .collect();
    socket
        .send(Message::text(Value::Array(request).to_string()))
        .ok()?;
    let answers = loop {
        let text = match socket.read().ok()? {
            Message::Text(text) => text.to_string(),
            Message::Binary(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
            Message::Close(_) => return None,
            _ => continue,
        };
        match serde_json::from_str::<Value>(&text).ok()? {
            Value::Array(answers) => break answers,
            // An error object for the whole batch: no batches here.
            _ => return None,
        }
    };
    let mut by_id: std::collections::HashMap<u64, Value> = answers
        .into_iter()
        .filter_map(|a| Some((a.get("id")?.as_u64()?, a)))
        .collect();
    Some(
        calls
            .iter()
            .zip(first_id..)
            .map(|((method, _), id)| match by_id.remove(&id) {
                Some(answer) => super::answer_of(endpoint, method, &answer),
                None => Err(TransportError::Garbage {
                    endpoint: endpoint.to_owned(),
                    method: (*method).to_owned(),
                    what: "no answer for it in the batch".into(),
                }),
            })
            .collect(),
    )
}

impl Transport for WsTransport {
    async fn request_batch(
        &self,
        calls: Vec<(&'static str, Value)>,
    ) -> Vec<Result<Value, TransportError>> {
        {
            let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
            let url = self.url(&state).to_owned();
            let first_id = state.next_id;
            state.next_id += calls.len() as u64;
            if let Some(socket) = state.socket.as_mut() {
                if let Some(answers) = batch(socket, &url, first_id, &calls) {
                    return answers;
                }
                // Broken, or a batch refused: start clean for the calls one by one.
                state.socket = None;
            }
        }
        // No connection yet, a broken one, or no batches: one by one, with failover.
        let mut out = Vec::with_capacity(calls.len());
        for (method, params) in calls {
            out.push(self.request(method, params).await);
        }
        out
    }

    fn endpoint(&self) -> String {
        let state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        self.url(&state).to_owned()
    }

    fn distrust(&self) -> bool {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let moved = state.ring.distrust(self.endpoints.len());
        if moved {
            state.socket = None;
        }
        moved
    }

    async fn request(&self, method: &str, params: Value) -> Result<Value, TransportError> {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let attempts = 2 * self.endpoints.len().max(1);
        let mut last = String::from("no endpoint given");
        for _ in 0..attempts {
            let url = self.url(&state).to_owned();
            if state.socket.is_none() {
                match open(&url) {
                    Ok(socket) => state.socket = Some(socket),
                    Err(e) => {
                        last = format!("{url}: {e}");
                        state.ring.advance(self.endpoints.len());
                        continue;
                    }
                }
            }
            let id = state.next_id;
            state.next_id += 1;
            let Some(socket) = state.socket.as_mut() else {
                continue;
            };
            match exchange(socket, &url, id, method, &params) {
                Exchange::Answer(answer) => return answer,
                Exchange::Broken(e) => {
                    last = format!("{url}: {e}");
                    state.socket = None;
                    state.ring.advance(self.endpoints.len());
                }
            }
        }
        Err(TransportError::Unreachable {
            endpoint: self.endpoints.join(", "),
            reason: last,
        })
    }
}
