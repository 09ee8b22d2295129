//! Unit tests for the JSON case format: a known chain case parses and runs, defaults are the
//! documented ones, and every refusal names the field at fault.

use super::*;
use crate::EpochInputError;

fn field_of(text: &str) -> String {
    match parse(text) {
        Err(CaseError::Field { field, .. }) => field,
        other => panic!("expected a field error for {text}, got {other:?}"),
    }
}

/// subtensor's test_bonds, second epoch (the lead's starting point, verified against the
/// chain's log): four validators weight four servers 0.1..0.4.
const TEST_BONDS_EPOCH_2: &str = r#"{
  "name": "test_bonds epoch 2",
  "input": {
    "weights_sparse": [
      [[4, 16383], [5, 32767], [6, 49149], [7, 65535]],
      [[4, 16383], [5, 32767], [6, 49149], [7, 65535]],
      [[4, 16383], [5, 32767], [6, 49149], [7, 65535]],
      [[4, 16383], [5, 32767], [6, 49149], [7, 65535]],
      [], [], [], []
    ],
    "stakes": [1, 2, 3, 4, 0, 0, 0, 0],
    "tempo": 1, "max_allowed_validators": 8,
    "validator_permits": [true, true, true, true, true, true, true, true],
    "last_update": [1, 1, 1, 1, 0, 0, 0, 0], "current_block": 2,
    "rao_emission": 1000000000
  }
}"#;

#[test]
fn a_chain_case_parses_and_runs_bit_exact() {
    let case = parse(TEST_BONDS_EPOCH_2).unwrap();
    assert_eq!(case.name.as_deref(), Some("test_bonds epoch 2"));
    let out = crate::fixed::epoch(&case.input);
    assert_eq!(
        out.emission,
        [
            49999998, 99999999, 150000000, 200000001, 49998779, 100000610, 149996337, 200004272
        ]
    );
    let on_server_4: Vec<u16> = out.bonds[..4].iter().map(|row| row[0].1).collect();
    assert_eq!(on_server_4, [16383, 32767, 49151, 65535]);
    // The printed form carries the same numbers.
    let json = output_json(&out, "fixed");
    assert_eq!(json["emission_rao"][7], 200004272);
    assert_eq!(json["engine"], "fixed");
}

#[test]
fn defaults_are_the_documented_ones() {
    let case = parse(
        r#"{"weights": [[0, 1, 0], [0, 0, 0], [0, 0, 0]], "stakes": [5, 0, 3],
            "block_at_registration": [0, 7, 0], "max_allowed_validators": 1}"#,
    )
    .unwrap();
    let input = &case.input;
    // current_block: one past the latest registration; last_update: current_block.
    assert_eq!(input.current_block(), 8);
    assert_eq!(input.last_update(), [8, 8, 8]);
    // Previous permits: the top-k of the case's own stake.
    assert_eq!(input.validator_permits(), [true, false, false]);
    assert_eq!(
        input.params(),
        &EpochParams {
            max_allowed_validators: 1,
            ..EpochParams::default()
        }
    );
    assert_eq!(input.rao_emission(), 1_000_000_000);
    // Dense zeros are not stored.
    assert_eq!(input.weights()[0], [(1, 1)]);
}

#[test]
fn proportions_may_be_written_either_way() {
    let with = |kappa: &str| {
        let text = format!(r#"{{"weights": [[0]], "stakes": [1], "kappa": {kappa}}}"#);
        parse(&text).unwrap().input.params().kappa
    };
    assert_eq!(with("32767"), 32767);
    assert_eq!(with("0.5"), 32768); // round(0.5 × 65535)
    assert_eq!(with("1.0"), 65535);
}

#[test]
fn refusals_name_the_field() {
    let cases = [
        (
            r#"{"weights": [[0, 70000], [0, 0]], "stakes": [1, 1]}"#,
            "weights[0][1]",
        ),
        (
            r#"{"weights": [[0, "x"], [0, 0]], "stakes": [1, 1]}"#,
            "weights[0][1]",
        ),
        (
            r#"{"weights": [[0, 1], [0]], "stakes": [1, 1]}"#,
            "weights[1]",
        ),
        (
            r#"{"weights_sparse": [[[1, 5], [0]], []], "stakes": [1, 1]}"#,
            "weights_sparse[0][1]",
        ),
        (
            r#"{"weights_sparse": [[[1, -1]], []], "stakes": [1, 1]}"#,
            "weights_sparse[0][0][1]",
        ),
        (
            r#"{"weights": [[0]], "weights_sparse": [[]], "stakes": [1]}"#,
            "weights_sparse",
        ),
        (r#"{"weights": [[0, 1], [0, 0]]}"#, "stakes"),
        (
            r#"{"weights": [[0, 1], [0, 0]], "stakes": [1, "a"]}"#,
            "stakes[1]",
        ),
        (
            r#"{"weights": [[0]], "stakes": [1], "kappa": 70000}"#,
            "kappa",
        ),
        (
            r#"{"weights": [[0]], "stakes": [1], "kappa": 1.5}"#,
            "kappa",
        ),
        (
            r#"{"weights": [[0, 0], [0, 0]], "stakes": [1, 1], "validator_permits": [true, 2]}"#,
            "validator_permits[1]",
        ),
        (
            r#"{"layout": "grid", "weights": [[0]], "stakes": [1]}"#,
            "layout",
        ),
        (
            r#"{"layout": "vm", "weights": [[1, 2], [3]], "stakes": [1, 1]}"#,
            "weights[1]",
        ),
        (
            r#"{"weights": [[0]], "stakes": [1], "yuma3": "yes"}"#,
            "yuma3",
        ),
        (
            r#"{"weights": [[0]], "stakes": [1], "tempo": 70000}"#,
            "tempo",
        ),
        (
            r#"{"weights": [[0]], "stakes": [1], "previous_consensus": [70000]}"#,
            "previous_consensus[0]",
        ),
        (
            r#"{"weights": [[0]], "stakes": [1], "liquid_alpha_consensus_mode": "x"}"#,
            "liquid_alpha_consensus_mode",
        ),
        (r#"[1, 2]"#, "(top level)"),
        (r#"{"input": 3}"#, "input"),
        (r#"{"weights": []}"#, "weights"),
    ];
    for (text, field) in cases {
        assert_eq!(field_of(text), field, "{text}");
    }
}

#[test]
fn inconsistent_fields_are_refused_by_the_input_check() {
    let err = parse(r#"{"weights": [[0, 0], [0, 0]], "stakes": [1, 1, 1]}"#).unwrap_err();
    assert!(matches!(
        err,
        CaseError::Input(EpochInputError::Length {
            field: "stakes",
            got: 3,
            expected: 2
        })
    ));
    let err = parse(r#"{"weights_sparse": [[[2, 1]], []], "stakes": [1, 1]}"#).unwrap_err();
    assert!(matches!(
        err,
        CaseError::Input(EpochInputError::TargetOutOfRange {
            field: "weights",
            row: 0,
            target: 2,
            n: 2
        })
    ));
    let err = parse(r#"{"weights_sparse": [[[1, 1], [1, 2]], []], "stakes": [1, 1]}"#).unwrap_err();
    assert!(matches!(
        err,
        CaseError::Input(EpochInputError::DuplicateTarget {
            field: "weights",
            row: 0,
            target: 1
        })
    ));
    let err = parse(r#"{"weights": [[0]], "stakes": [1], "owner_uid": 1}"#).unwrap_err();
    assert!(matches!(
        err,
        CaseError::Input(EpochInputError::OwnerOutOfRange { owner: 1, n: 1 })
    ));
    let err = parse(
        r#"{"weights": [[0]], "stakes": [1], "liquid_alpha": true, "alpha_low": 0.9, "alpha_high": 0.1}"#,
    )
    .unwrap_err();
    assert!(matches!(
        err,
        CaseError::Input(EpochInputError::AlphaBounds { .. })
    ));
    assert!(matches!(parse("{nope"), Err(CaseError::Json(_))));
    // The message names the field too.
    let msg = parse(r#"{"weights": [[0, 70000], [0, 0]], "stakes": [1, 1]}"#)
        .unwrap_err()
        .to_string();
    assert!(msg.starts_with("`weights[0][1]`"), "{msg}");
}

#[test]
fn the_vm_layout_places_miners_after_validators() {
    let case = parse(r#"{"layout": "vm", "weights": [[10, 0, 30], [0, 20, 0]], "stakes": [4, 6]}"#)
        .unwrap();
    let input = &case.input;
    assert_eq!(input.n(), 5);
    assert_eq!(input.weights()[0], [(2, 10), (4, 30)]);
    assert_eq!(input.weights()[1], [(3, 20)]);
    // Per-validator vectors are padded with zero stake for the miners.
    assert_eq!(input.alpha_stakes(), [4, 6, 0, 0, 0]);
}
