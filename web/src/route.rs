//! The app's addresses: hash routes (`#/subnet/3?sort=stake`), parsed into a [`Route`] and kept
//! in a signal.
//!
//! Why the hash: taoscope is a static folder that anyone may host, at a domain's root or under a
//! sub-path, on hosts that know nothing of the app (a plain file server, GitHub Pages, S3, an
//! IPFS gateway, a USB stick). A path route such as `/taoscope/subnet/3` is a file the host
//! does not have: a reload or a shared link answers 404 unless the host is taught to rewrite.
//! Everything after `#` never reaches the host, so `index.html#/subnet/3` loads as-is
//! everywhere, by direct load and by reload. The dashboard's routes are also open-ended (any
//! netuid, uid or account), so pages generated ahead of time could not cover them.
//!
//! Old path-style links (`/lab`, `/chain` of earlier releases, or any path a host rewrote to
//! `index.html`) are turned into the hash form on load with `history.replaceState`; hosts
//! that serve a `404.html` get one from `cargo xtask dist` that redirects the same way.
//!
//! The view state of a page (sort column, filters, selected tab) lives in the query part of the
//! hash, so what the address bar shows reloads to the same view.

use leptos::prelude::*;

/// A page of the app.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Route {
    /// `#/`: overview and tokenomics.
    Home,
    /// `#/subnets`: every subnet.
    Subnets,
    /// `#/subnet/N`: one subnet's metagraph, hyperparameters and replay.
    Subnet(u16),
    /// `#/subnet/N/uid/U`: one neuron.
    Neuron(u16, u16),
    /// `#/account/SS58`: one coldkey's stake.
    Account(String),
    /// `#/audit`: every subnet's replay verdict.
    Audit,
    /// `#/lab`: the consensus lab.
    Lab,
    /// `#/chain`: the light client's sync panel.
    Chain,
    /// Anything else (the path, for the message).
    NotFound(String),
}

impl Route {
    /// Reads the path part of a hash route (`/subnet/3`, without `#` or query).
    pub fn parse(path: &str) -> Route {
        let parts: Vec<&str> = path.split('/').filter(|p| !p.is_empty()).collect();
        let num = |s: &str| s.parse::<u16>().ok();
        match parts.as_slice() {
            [] | ["index.html"] => Route::Home,
            ["subnets"] => Route::Subnets,
            ["subnet", n] => num(n).map_or_else(|| Route::NotFound(path.into()), Route::Subnet),
            ["subnet", n, "uid", u] => match (num(n), num(u)) {
                (Some(n), Some(u)) => Route::Neuron(n, u),
                _ => Route::NotFound(path.into()),
            },
            ["account", who] => Route::Account((*who).to_owned()),
            ["audit"] => Route::Audit,
            ["lab"] => Route::Lab,
            ["chain"] => Route::Chain,
            _ => Route::NotFound(path.into()),
        }
    }

    /// The route's path (`/subnet/3`).
    pub fn path(&self) -> String {
        match self {
            Route::Home => "/".into(),
            Route::Subnets => "/subnets".into(),
            Route::Subnet(n) => format!("/subnet/{n}"),
            Route::Neuron(n, u) => format!("/subnet/{n}/uid/{u}"),
            Route::Account(a) => format!("/account/{a}"),
            Route::Audit => "/audit".into(),
            Route::Lab => "/lab".into(),
            Route::Chain => "/chain".into(),
            Route::NotFound(p) => p.clone(),
        }
    }

    /// Its hash (`#/subnet/3`).
    pub fn hash(&self) -> String {
        format!("#{}", self.path())
    }

    /// The href of a link to it: its hash after the page's own `?query` (see [`link`]).
    pub fn href(&self) -> String {
        link(&self.hash())
    }

    /// Which navigation entry it belongs under.
    pub fn section(&self) -> &'static str {
        match self {
            Route::Home => "home",
            Route::Subnets | Route::Subnet(_) | Route::Neuron(..) | Route::Account(_) => "subnets",
            Route::Audit => "audit",
            Route::Lab => "lab",
            Route::Chain => "chain",
            Route::NotFound(_) => "",
        }
    }
}

/// Where the app is: the route and the view state of the query string.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Location {
    /// The page.
    pub route: Route,
    /// `key=value` pairs of the query part, decoded, in order.
    pub query: Vec<(String, String)>,
}

impl Location {
    /// Reads a `location.hash` (`#/subnet/3?sort=stake`); an empty hash is the overview.
    pub fn from_hash(hash: &str) -> Location {
        let text = hash.trim_start_matches('#');
        let (path, query) = text.split_once('?').unwrap_or((text, ""));
        Location {
            route: Route::parse(path),
            query: parse_query(query),
        }
    }

    /// The hash that reloads to this location.
    pub fn to_hash(&self) -> String {
        let mut hash = format!("#{}", self.route.path());
        if !self.query.is_empty() {
            hash.push('?');
            hash.push_str(&encode_query(&self.query));
        }
        hash
    }

    /// A query value.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

fn parse_query(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (decode(k), decode(v))
        })
        .collect()
}

fn encode_query(query: &[(String, String)]) -> String {
    query
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// Percent-encodes what would break a query value.
fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b',' | b':' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// Decodes `%XX` escapes and `+`; a broken escape stays as written.
pub(crate) fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = (bytes[i] == b'%')
            .then(|| text.get(i + 1..i + 3))
            .flatten()
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (escaped, bytes[i]) {
            (Some(v), _) => {
                out.push(v);
                i += 3;
                continue;
            }
            (None, b'+') => out.push(b' '),
            (None, other) => out.push(other),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// For an address whose path (below the app's base) names a page, the hash form to replace it
/// with, its query moved along: `/sub/lab?case=x` under base `/sub` → `#/lab?case=x`. `None` when
/// the path is the app itself.
pub fn legacy_redirect(base: &str, pathname: &str, search: &str) -> Option<String> {
    let rest = pathname.strip_prefix(base).unwrap_or(pathname);
    let rest = rest.trim_start_matches('/');
    if rest.is_empty() || rest == "index.html" {
        return None;
    }
    let query = search.trim_start_matches('?');
    Some(if query.is_empty() {
        format!("#/{rest}")
    } else {
        format!("#/{rest}?{query}")
    })
}

thread_local! {
    /// The page's `?query` before the hash (`?snapshot=FILE`, `?spec=FILE`), set once at start.
    static SEARCH: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
}

/// An href for `hash` that stays in this document. Trunk puts `<base href>` in the page (so the
/// app works under a sub-path), and a bare `#/x` resolves against the base, not the page: it
/// would drop the page's `?query` and reload the app without its chosen source. Keeping the
/// query makes every link a same-document hash change.
pub fn link(hash: &str) -> String {
    SEARCH.with(|s| format!("{}{hash}", s.borrow()))
}

/// The location signal, shared through context.
#[derive(Clone, Copy)]
pub struct RouterCtx {
    location: RwSignal<Location>,
}

impl RouterCtx {
    /// Reads the current address (turning a path-style one into the hash form), provides the
    /// context and follows `hashchange`.
    pub fn provide(base: &str) -> RouterCtx {
        let location = window().location();
        let pathname = location.pathname().unwrap_or_default();
        let search = location.search().unwrap_or_default();
        let mut hash = location.hash().unwrap_or_default();
        let mut kept = search.clone();
        if hash.is_empty()
            && let Some(moved) = legacy_redirect(base, &pathname, &search)
        {
            // The query moves into the hash with the path.
            kept.clear();
            hash = moved;
            let url = format!("{base}/{hash}");
            if let Ok(history) = window().history() {
                // Failing leaves the old address in the bar; the page itself is right.
                let _ =
                    history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&url));
            }
        }
        SEARCH.with(|s| *s.borrow_mut() = kept);
        let ctx = RouterCtx {
            location: RwSignal::new(Location::from_hash(&hash)),
        };
        provide_context(ctx);
        let handle = window_event_listener(leptos::ev::hashchange, move |_| {
            let hash = window().location().hash().unwrap_or_default();
            ctx.location.set(Location::from_hash(&hash));
            // A new page starts at its top.
            window().scroll_to_with_x_and_y(0.0, 0.0);
        });
        // The router lives as long as the app.
        std::mem::forget(handle);
        ctx
    }

    /// The current location (tracked).
    pub fn location(self) -> Location {
        self.location.get()
    }

    /// The current route (tracked).
    pub fn route(self) -> Route {
        self.location.with(|l| l.route.clone())
    }

    /// A query value of the current location (tracked).
    pub fn query(self, key: &str) -> Option<String> {
        self.location.with(|l| l.get(key).map(str::to_owned))
    }

    /// Sets (or with `None` removes) query values, keeping the page; the address bar follows
    /// without a new history entry, so sorting a table does not fill the back button.
    pub fn set_query(self, changes: &[(&str, Option<String>)]) {
        let mut location = self.location.get_untracked();
        for (key, value) in changes {
            location.query.retain(|(k, _)| k != key);
            if let Some(v) = value {
                location.query.push(((*key).to_owned(), v.clone()));
            }
        }
        location.query.sort();
        let url = link(&location.to_hash());
        if let Ok(history) = window().history() {
            let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&url));
        }
        self.location.set(location);
    }
}

/// The [`RouterCtx`] provided by the app root.
pub fn use_router() -> RouterCtx {
    expect_context::<RouterCtx>()
}

#[cfg(test)]
mod tests;
