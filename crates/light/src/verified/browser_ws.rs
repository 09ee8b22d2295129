//! A WebSocket [`Transport`] in a browser page or Web Worker (the verified RPC mode of the
//! page): the JS `WebSocket` with text frames, answers matched to requests by id, so several
//! requests may be in flight. Failover as natively: a socket that cannot open or closes moves
//! to the next endpoint, and what was waiting on it fails (the caller retries the read).
//!
//! JS objects are not `Send`; nothing here needs to be (the verified client is single-threaded
//! and runs on the worker's microtask queue).

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use futures_channel::oneshot;
use serde_json::{Value, json};
use wasm_bindgen::JsCast as _;
use wasm_bindgen::prelude::*;

use super::{Transport, TransportError};

type Answer = Result<Value, TransportError>;

/// The open (or opening) socket and who waits on it.
struct Socket {
    ws: web_sys::WebSocket,
    url: String,
    open: bool,
    waiting_open: Vec<oneshot::Sender<Result<(), String>>>,
    pending: HashMap<u64, (String, oneshot::Sender<Answer>)>,
    // The callbacks live as long as the socket.
    _callbacks: Vec<Closure<dyn FnMut(JsValue)>>,
}

impl Socket {
    /// Unhooks the callbacks before they are dropped with the socket, so that an event the
    /// browser still delivers (a close after an error, the close we ask for) finds no handler
    /// instead of a dropped closure (a page error).
    fn detach(&self) {
        self.ws.set_onopen(None);
        self.ws.set_onclose(None);
        self.ws.set_onerror(None);
        self.ws.set_onmessage(None);
    }
}

#[derive(Default)]
struct State {
    ring: super::ring::Ring,
    next_id: u64,
    socket: Option<Socket>,
}

/// JSON-RPC over the browser's WebSocket to the first of its endpoints that answers.
#[derive(Clone)]
pub struct BrowserWs {
    endpoints: Rc<Vec<String>>,
    state: Rc<RefCell<State>>,
}

impl BrowserWs {
    /// Over `endpoints` (`wss://…`, or `ws://127.0.0.1…` from a local page).
    pub fn new(endpoints: Vec<String>) -> Self {
        BrowserWs {
            endpoints: Rc::new(endpoints),
            state: Rc::new(RefCell::new(State::default())),
        }
    }

    fn url(&self, state: &State) -> String {
        self.endpoints
            .get(state.ring.current(self.endpoints.len()))
            .cloned()
            .unwrap_or_default()
    }

    /// Drops the socket (closed or failed): everything waiting on it fails with `why`, and the
    /// next request goes to the next endpoint.
    fn broken(state: &Rc<RefCell<State>>, generation: &web_sys::WebSocket, why: &str, len: usize) {
        let socket = {
            let mut s = state.borrow_mut();
            let same = s.socket.as_ref().is_some_and(|k| &k.ws == generation);
            if !same {
                return;
            }
            s.ring.advance(len);
            s.socket.take()
        };
        if let Some(socket) = socket {
            socket.detach();
            for tx in socket.waiting_open {
                let _ = tx.send(Err(why.to_owned()));
            }
            for (_, (method, tx)) in socket.pending {
                let _ = tx.send(Err(TransportError::Unreachable {
                    endpoint: socket.url.clone(),
                    reason: format!("{why} while {method} was waiting"),
                }));
            }
        }
    }

    /// Opens a socket to the current endpoint unless one is open or opening.
    fn connect(&self) -> Result<(), String> {
        let url = {
            let s = self.state.borrow();
            if s.socket.is_some() {
                return Ok(());
            }
            self.url(&s)
        };
        let ws = web_sys::WebSocket::new(&url).map_err(|e| format!("{e:?}"))?;
        let state = self.state.clone();
        let len = self.endpoints.len();
        let on_open = Closure::<dyn FnMut(JsValue)>::new({
            let (state, ws) = (state.clone(), ws.clone());
            move |_| {
                let mut s = state.borrow_mut();
                if let Some(socket) = s.socket.as_mut().filter(|k| k.ws == ws) {
                    socket.open = true;
                    for tx in socket.waiting_open.drain(..) {
                        let _ = tx.send(Ok(()));
                    }
                }
            }
        });
        let on_close = Closure::<dyn FnMut(JsValue)>::new({
            let (state, ws) = (state.clone(), ws.clone());
            move |_| Self::broken(&state, &ws, "the connection closed", len)
        });
        let on_error = Closure::<dyn FnMut(JsValue)>::new({
            let (state, ws) = (state.clone(), ws.clone());
            move |_| Self::broken(&state, &ws, "the connection failed", len)
        });
        let on_message = Closure::<dyn FnMut(JsValue)>::new({
            let (state, ws) = (state.clone(), ws.clone());
            move |event: JsValue| {
                let Some(text) = event
                    .dyn_ref::<web_sys::MessageEvent>()
                    .and_then(|e| e.data().as_string())
                else {
                    return;
                };
                let Ok(answer) = serde_json::from_str::<Value>(&text) else {
                    return;
                };
                let Some(id) = answer.get("id").and_then(Value::as_u64) else {
                    return;
                };
                let waiting = {
                    let mut s = state.borrow_mut();
                    s.socket
                        .as_mut()
                        .filter(|k| k.ws == ws)
                        .and_then(|k| k.pending.remove(&id).map(|p| (k.url.clone(), p)))
                };
                if let Some((endpoint, (method, tx))) = waiting {
                    let _ = tx.send(super::answer_of(&endpoint, &method, &answer));
                }
            }
        });
        ws.set_onopen(Some(on_open.as_ref().unchecked_ref()));
        ws.set_onclose(Some(on_close.as_ref().unchecked_ref()));
        ws.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        ws.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        self.state.borrow_mut().socket = Some(Socket {
            ws,
            url,
            open: false,
            waiting_open: Vec::new(),
            pending: HashMap::new(),
            _callbacks: vec![on_open, on_close, on_error, on_message],
        });
        Ok(())
    }

    /// One attempt on the current endpoint.
    async fn attempt(&self, method: &str, params: &Value) -> Result<Answer, String> {
        self.connect()?;
        let opened = {
            let mut s = self.state.borrow_mut();
            match s.socket.as_mut() {
                Some(socket) if socket.open => None,
                Some(socket) => {
                    let (tx, rx) = oneshot::channel();
                    socket.waiting_open.push(tx);
                    Some(rx)
                }
                None => return Err("no connection".into()),
            }
        };
        if let Some(rx) = opened {
            rx.await
                .map_err(|_| "the connection went away".to_owned())??;
        }
        let (tx, rx) = oneshot::channel();
        {
            let mut s = self.state.borrow_mut();
            s.next_id += 1;
            let id = s.next_id;
            let Some(socket) = s.socket.as_mut() else {
                return Err("the connection went away".into());
            };
            let request = json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params});
            socket
                .ws
                .send_with_str(&request.to_string())
                .map_err(|e| format!("{e:?}"))?;
            socket.pending.insert(id, (method.to_owned(), tx));
        }
        match rx.await {
            Ok(Err(TransportError::Unreachable { reason, .. })) => Err(reason),
            Ok(answer) => Ok(answer),
            Err(_) => Err("the connection went away".into()),
        }
    }
}

impl Transport for BrowserWs {
    fn endpoint(&self) -> String {
        self.url(&self.state.borrow())
    }

    fn distrust(&self) -> bool {
        let socket = {
            let mut s = self.state.borrow_mut();
            if !s.ring.distrust(self.endpoints.len()) {
                return false;
            }
            s.socket.take()
        };
        if let Some(socket) = socket {
            socket.detach();
            let _ = socket.ws.close();
        }
        true
    }

    async fn request(&self, method: &str, params: Value) -> Result<Value, TransportError> {
        let attempts = 2 * self.endpoints.len().max(1);
        let mut last = String::from("no endpoint given");
        for _ in 0..attempts {
            let url = self.endpoint();
            match self.attempt(method, &params).await {
                Ok(answer) => return answer,
                Err(why) => {
                    last = format!("{url}: {why}");
                    // A failed `new WebSocket` leaves no socket to break: move on by hand.
                    let mut s = self.state.borrow_mut();
                    if s.socket.is_none() && self.url(&s) == url {
                        s.ring.advance(self.endpoints.len());
                    }
                }
            }
        }
        Err(TransportError::Unreachable {
            endpoint: self.endpoints.join(", "),
            reason: last,
        })
    }
}
