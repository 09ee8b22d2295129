//! Unit tests for the pure helpers of the app root (components need a browser: see tests/e2e).

use super::{BasePath, base_path_of};

#[test]
fn base_path_is_the_folder_of_the_base_url() {
    assert_eq!(base_path_of("http://127.0.0.1:8080/"), "");
    assert_eq!(base_path_of("http://127.0.0.1:8080/lab"), "");
    assert_eq!(base_path_of("https://example.org/taoscope/"), "/taoscope");
    assert_eq!(base_path_of("https://example.org/a/b/?lang=ja#x"), "/a/b");
    assert_eq!(base_path_of("https://example.org"), "");
}

#[test]
fn href_prefixes_the_base() {
    assert_eq!(BasePath(String::new()).href("/lab"), "/lab");
    assert_eq!(BasePath("/sub".into()).href("/lab"), "/sub/lab");
}
