//! Loading the bundled example subnets: the case list (`cases/index.json`) and one case file.
//!
//! URLs are relative, so the browser resolves them against the document's base URL and the
//! static folder works on any host or sub-path. Parsing the case itself is `yuma::case`'s job;
//! this module only moves bytes and says which step failed. No caching beyond the browser's own.

use serde_json::Value;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use crate::i18n::Lang;

/// Where the case list lives, relative to the document base.
pub const INDEX_URL: &str = "cases/index.json";

/// Why the case list or a case could not be loaded.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum LoadError {
    /// The request did not complete (offline, blocked, no window).
    #[error("could not fetch {url}: {message}")]
    Fetch {
        /// The URL as requested.
        url: String,
        /// What the browser said.
        message: String,
    },
    /// The server answered with an error status.
    #[error("{url} answered HTTP {status}")]
    Status {
        /// The URL as requested.
        url: String,
        /// The HTTP status code.
        status: u16,
    },
    /// The body is not JSON.
    #[error("{url} is not valid JSON: {message}")]
    Json {
        /// The URL as requested.
        url: String,
        /// The parser's message, with line and column.
        message: String,
    },
    /// The case list does not have the expected shape.
    #[error("{url}: {message}")]
    Index {
        /// The URL as requested.
        url: String,
        /// What is wrong with it.
        message: String,
    },
    /// The JSON is not a valid case.
    #[error("{url}: {source}")]
    Case {
        /// The URL as requested.
        url: String,
        /// The field the engine refused.
        source: yuma::case::CaseError,
    },
}

/// One entry of the case list.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseEntry {
    /// Stable id, used in `?case=`.
    pub id: String,
    /// File name, relative to `cases/`.
    pub file: String,
    /// Display name in English.
    pub name_en: String,
    /// Display name in Japanese.
    pub name_ja: String,
    /// One-line summary in English.
    pub summary_en: String,
    /// One-line summary in Japanese.
    pub summary_ja: String,
}

impl CaseEntry {
    /// The URL of the case file, relative to the document base.
    pub fn url(&self) -> String {
        format!("cases/{}", self.file)
    }

    /// The name in `lang`.
    pub fn name(&self, lang: Lang) -> &str {
        match lang {
            Lang::En => &self.name_en,
            Lang::Ja => &self.name_ja,
        }
    }

    /// The summary in `lang`.
    pub fn summary(&self, lang: Lang) -> &str {
        match lang {
            Lang::En => &self.summary_en,
            Lang::Ja => &self.summary_ja,
        }
    }
}

/// Fetches `url` and returns the body as text.
///
/// # Errors
/// [`LoadError::Fetch`] when the request fails, [`LoadError::Status`] on a non-2xx answer.
pub async fn fetch_text(url: &str) -> Result<String, LoadError> {
    let fetch_err = |e: JsValue| LoadError::Fetch {
        url: url.to_owned(),
        message: js_message(&e),
    };
    let window = web_sys::window().ok_or_else(|| LoadError::Fetch {
        url: url.to_owned(),
        message: "no window".into(),
    })?;
    let response = JsFuture::from(window.fetch_with_str(url))
        .await
        .map_err(fetch_err)?;
    let response: web_sys::Response = response.dyn_into().map_err(fetch_err)?;
    if !response.ok() {
        return Err(LoadError::Status {
            url: url.to_owned(),
            status: response.status(),
        });
    }
    let text = JsFuture::from(response.text().map_err(fetch_err)?)
        .await
        .map_err(fetch_err)?;
    text.as_string().ok_or_else(|| LoadError::Fetch {
        url: url.to_owned(),
        message: "the body is not text".into(),
    })
}

/// Fetches and decodes JSON.
///
/// # Errors
/// As [`fetch_text`], plus [`LoadError::Json`].
pub async fn fetch_json(url: &str) -> Result<Value, LoadError> {
    let text = fetch_text(url).await?;
    serde_json::from_str(&text).map_err(|e| LoadError::Json {
        url: url.to_owned(),
        message: e.to_string(),
    })
}

/// Loads the case list.
///
/// # Errors
/// As [`fetch_json`], plus [`LoadError::Index`] when an entry lacks a field.
pub async fn load_index() -> Result<Vec<CaseEntry>, LoadError> {
    let value = fetch_json(INDEX_URL).await?;
    parse_index(&value).map_err(|message| LoadError::Index {
        url: INDEX_URL.to_owned(),
        message,
    })
}

/// Loads one case and checks it with the engine's parser.
///
/// # Errors
/// As [`fetch_json`], plus [`LoadError::Case`] naming the refused field.
pub async fn load_case(entry: &CaseEntry) -> Result<yuma::case::Case, LoadError> {
    let url = entry.url();
    let value = fetch_json(&url).await?;
    yuma::case::from_value(&value).map_err(|source| LoadError::Case { url, source })
}

/// Reads `{"cases": [{"id", "file", "name": {"en", "ja"}, "summary": {"en", "ja"}}]}`.
///
/// # Errors
/// A message naming the first entry and field that is missing or not a string.
pub fn parse_index(value: &Value) -> Result<Vec<CaseEntry>, String> {
    let cases = value
        .get("cases")
        .and_then(Value::as_array)
        .ok_or("expected {\"cases\": [...]}")?;
    cases
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let s = |path: &[&str]| -> Result<String, String> {
                path.iter()
                    .try_fold(c, |v, key| v.get(key))
                    .and_then(Value::as_str)
                    .map(str::to_owned)
                    .ok_or_else(|| format!("cases[{i}].{}: expected a string", path.join(".")))
            };
            let file = s(&["file"])?;
            if file.contains("..") || file.starts_with('/') || file.contains("://") {
                return Err(format!(
                    "cases[{i}].file: {file:?} must be a plain file name"
                ));
            }
            Ok(CaseEntry {
                id: s(&["id"])?,
                file,
                name_en: s(&["name", "en"])?,
                name_ja: s(&["name", "ja"])?,
                summary_en: s(&["summary", "en"]).unwrap_or_default(),
                summary_ja: s(&["summary", "ja"]).unwrap_or_default(),
            })
        })
        .collect()
}

/// A readable message from a thrown JS value (an `Error`, a string, or anything else).
fn js_message(e: &JsValue) -> String {
    if let Some(err) = e.dyn_ref::<js_sys::Error>() {
        return String::from(err.message());
    }
    e.as_string().unwrap_or_else(|| format!("{e:?}"))
}

#[cfg(test)]
mod tests;
