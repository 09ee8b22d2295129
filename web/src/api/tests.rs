//! Unit tests for the case list reader (the fetch half needs a browser and is covered by the e2e
//! test).

use serde_json::json;

use super::parse_index;

#[test]
fn reads_the_bundled_index() {
    let text = include_str!("../../../public/cases/index.json");
    let value: serde_json::Value = serde_json::from_str(text).unwrap();
    let cases = parse_index(&value).unwrap();
    assert!(cases.len() >= 4);
    for case in &cases {
        assert!(!case.name_en.is_empty() && !case.name_ja.is_empty());
        assert_eq!(case.url(), format!("cases/{}", case.file));
    }
}

#[test]
fn names_the_missing_field() {
    let value = json!({"cases": [{"id": "a", "file": "a.json", "name": {"en": "A"}}]});
    assert_eq!(
        parse_index(&value).unwrap_err(),
        "cases[0].name.ja: expected a string"
    );
}

#[test]
fn refuses_paths_outside_the_folder() {
    let value =
        json!({"cases": [{"id": "a", "file": "../secret.json", "name": {"en": "A", "ja": "A"}}]});
    assert!(parse_index(&value).unwrap_err().contains("plain file name"));
    assert!(parse_index(&json!([])).is_err());
}
