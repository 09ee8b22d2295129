//! Unit tests for language codes and the query reader.

use super::{Lang, query_param};

#[test]
fn codes_round_trip() {
    for lang in Lang::ALL {
        assert_eq!(Lang::from_code(lang.code()), Some(lang));
    }
    assert_eq!(Lang::from_code("ja-JP"), Some(Lang::Ja));
    assert_eq!(Lang::from_code("fr"), None);
}

#[test]
fn query_param_finds_the_key() {
    assert_eq!(
        query_param("?case=a&lang=ja", "lang").as_deref(),
        Some("ja")
    );
    assert_eq!(query_param("?langx=ja", "lang"), None);
    // As `encodeURIComponent` and `URLSearchParams` write an endpoint.
    assert_eq!(
        query_param("?rpc=wss%3A%2F%2Fexample.org%3A443&x=1", "rpc").as_deref(),
        Some("wss://example.org:443")
    );
    assert_eq!(query_param("", "lang"), None);
}
