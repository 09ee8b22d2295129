//! The release's offline copy: a web app manifest (so browsers offer to install it) and a service
//! worker that keeps the app shell, the example cases and the chain specs after the first visit.
//!
//! The worker's list is the release's own files, and its cache name a hash of them, so a new
//! release is a new worker that replaces the old cache. Content-hashed files never change, so
//! they are answered from the cache first; everything else (the page, cases, specs, a host's
//! snapshots) from the network first, the cache standing in when there is none. The light
//! client's files are cached when first used rather than at install: the lab never downloads
//! them. Integrity checks are unaffected: the page still holds every script and wasm to its
//! hash, whichever of the network or the cache answered.

use super::{Tree, sha256_hex};

/// Files every visit needs, fetched when the worker installs.
fn precached(tree: &Tree) -> Vec<String> {
    let mut files = vec!["./".to_owned()];
    files.extend(
        tree.keys()
            .filter(|p| !p.ends_with(".gz") && !p.ends_with(".br"))
            .filter(|p| {
                let top = !p.contains('/');
                let app = top
                    && (p.starts_with("taoscope-web-")
                        || p.starts_with("style-")
                        || p.starts_with("favicon-"));
                app || p.starts_with("cases/") || p.starts_with("chainspecs/")
            })
            .map(|p| format!("./{p}")),
    );
    files
}

/// Whether a release path carries a content hash in its name (immutable).
fn hashed(path: &str) -> bool {
    let stem = path.rsplit_once('.').map_or(path, |(s, _)| s);
    let stem = stem.strip_suffix("_bg").unwrap_or(stem);
    stem.rsplit_once('-')
        .is_some_and(|(_, h)| h.len() >= 15 && h.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// `sw.js` for `tree` (the release before the worker and MANIFEST are added).
pub fn service_worker(tree: &Tree) -> String {
    let mut all = Vec::new();
    for (path, bytes) in tree {
        all.extend_from_slice(path.as_bytes());
        all.extend_from_slice(sha256_hex(bytes).as_bytes());
    }
    let version = format!("taoscope-{}", &sha256_hex(&all)[..16]);
    let list = |v: Vec<String>| {
        v.iter()
            .map(|p| format!("'{p}'"))
            .collect::<Vec<_>>()
            .join(",\n  ")
    };
    let precache = list(precached(tree));
    let immutable = list(
        tree.keys()
            .filter(|p| !p.contains('/') && hashed(p))
            .cloned()
            .collect(),
    );
    format!(
        r#"// taoscope's offline copy (written by `cargo xtask dist`): see crates/xtask/src/dist/offline.rs.
const VERSION = '{version}';
const PRECACHE = [
  {precache}
];
const IMMUTABLE = new Set([
  {immutable}
]);
const SCOPE = new URL('./', self.location).pathname;

self.addEventListener('install', (event) => {{
  event.waitUntil(caches.open(VERSION).then((cache) => cache.addAll(PRECACHE)).then(() => self.skipWaiting()));
}});

self.addEventListener('activate', (event) => {{
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith('taoscope-') && k !== VERSION).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
}});

async function cacheFirst(request) {{
  const cached = await caches.match(request, {{ ignoreSearch: true }});
  if (cached) return cached;
  const response = await fetch(request);
  if (response.ok) {{
    const copy = response.clone();
    caches.open(VERSION).then((cache) => cache.put(request, copy));
  }}
  return response;
}}

async function networkFirst(request) {{
  try {{
    const response = await fetch(request);
    if (response.ok) {{
      const copy = response.clone();
      caches.open(VERSION).then((cache) => cache.put(request, copy));
    }}
    return response;
  }} catch (offline) {{
    const cached = await caches.match(request, {{ ignoreSearch: request.mode === 'navigate' }});
    if (cached) return cached;
    if (request.mode === 'navigate') {{
      const shell = await caches.match(SCOPE);
      if (shell) return shell;
    }}
    throw offline;
  }}
}}

self.addEventListener('fetch', (event) => {{
  const url = new URL(event.request.url);
  if (event.request.method !== 'GET' || url.origin !== self.location.origin || !url.pathname.startsWith(SCOPE)) return;
  const path = url.pathname.slice(SCOPE.length);
  event.respondWith(IMMUTABLE.has(path) ? cacheFirst(event.request) : networkFirst(event.request));
}});
"#
    )
}

/// `manifest.webmanifest`: what an installed taoscope is called and how it opens.
pub fn web_manifest(tree: &Tree) -> String {
    let icon = tree
        .keys()
        .find(|p| p.starts_with("favicon-") && p.ends_with(".svg"))
        .map(|p| {
            format!(r#"[{{ "src": "./{p}", "sizes": "any", "type": "image/svg+xml", "purpose": "any" }}]"#)
        })
        .unwrap_or_else(|| "[]".into());
    format!(
        r##"{{
  "name": "taoscope: Bittensor verified in your browser",
  "short_name": "taoscope",
  "description": "Bittensor's chain verified by a light client in the page, and Yuma consensus recomputed there.",
  "start_url": "./",
  "scope": "./",
  "display": "standalone",
  "background_color": "#f5f7fa",
  "theme_color": "#0b1220",
  "icons": {icon}
}}
"##
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_hashed_names_are_recognised() {
        assert!(hashed("taoscope-web-45800e4a00c1dbb0_bg.wasm"));
        assert!(hashed("taoscope-web-45800e4a00c1dbb0.js"));
        assert!(hashed("style-62ba9a6e9a4d368.css"));
        assert!(hashed("light_worker_bg-ff792eaf26779c53.wasm"));
        assert!(!hashed("index.html"));
        assert!(!hashed("404.html"));
        assert!(!hashed("cases/small-honest.json"));
    }

    #[test]
    fn the_worker_precaches_the_shell_but_not_the_light_client() {
        let tree = Tree::from([
            ("index.html".to_owned(), b"<html>".to_vec()),
            (
                "taoscope-web-0123456789abcdef.js".to_owned(),
                b"js".to_vec(),
            ),
            (
                "light_worker_bg-0123456789abcdef.wasm".to_owned(),
                b"w".to_vec(),
            ),
            ("cases/a.json".to_owned(), b"{}".to_vec()),
            ("cases/a.json.gz".to_owned(), b"z".to_vec()),
        ]);
        let list = precached(&tree);
        assert_eq!(
            list,
            ["./", "./cases/a.json", "./taoscope-web-0123456789abcdef.js"]
        );
        let sw = service_worker(&tree);
        assert!(
            sw.contains("'light_worker_bg-0123456789abcdef.wasm'"),
            "cached on first use"
        );
        let mut changed = tree.clone();
        changed.insert("cases/a.json".into(), b"{\"x\":1}".to_vec());
        assert_ne!(
            sw.lines().nth(1),
            service_worker(&changed).lines().nth(1),
            "another release, another cache"
        );
    }
}
