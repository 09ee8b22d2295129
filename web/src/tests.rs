//! Unit tests for the pure helpers of the app root (components need a browser: see tests/e2e).

use super::{BasePath, base_path_of};
use crate::light;

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

/// `index.html` starts the light client's worker and fetches the default start's files before
/// the app loads, naming them in its own script. A rename on one side alone compiles and
/// builds: the app would fetch the files again without a word, or adopt a worker whose script
/// is not there. So the page's script is checked against the app's constants here.
#[test]
fn index_html_starts_what_the_app_adopts() {
    let index = include_str!("../index.html");
    let script = index
        .split("<script>")
        .nth(1)
        .and_then(|rest| rest.split("</script>").next())
        .expect("index.html has an inline script");
    for path in [
        light::WORKER_LOADER_PATH,
        light::DEFAULT_LIGHT_SPEC_PATH,
        light::DEFAULT_CHECKPOINT_PATH,
    ] {
        assert!(
            script.contains(&format!("'{path}'")),
            "index.html does not name {path}"
        );
    }
    for global in [light::EARLY_WORKER_GLOBAL, light::EARLY_FETCH_GLOBAL] {
        assert!(
            script.contains(&format!("window.{global} =")),
            "index.html does not set window.{global}"
        );
    }
}
