//! Scenario files: the embedded default parses, and each kind of mistake is reported with the
//! field it concerns. Seeding itself runs in `tests/scenario.rs` (it needs many blocks).

#![allow(clippy::unwrap_used)]

use super::*;

fn error_of(json: &str) -> String {
    Scenario::parse(json).unwrap_err().to_string()
}

#[test]
fn default_scenario_parses() {
    let scenario = Scenario::default_scenario();
    assert_eq!(scenario.subnets.len(), 3);
    let first = &scenario.subnets[0];
    assert_eq!((first.tempo, first.neurons, first.validators), (10, 16, 4));
    assert_eq!(first.validator_stakes[0], 4000 * RAO_PER_TAO);
    assert_eq!(first.stake_on, StakeOn::Root);
    assert_eq!(
        first.weights,
        WeightPattern::NoisyQuality { noise_percent: 15 }
    );
    assert_eq!(scenario.subnets[2].weights, WeightPattern::Random);
}

#[test]
fn optional_fields_take_defaults() {
    let s = Scenario::parse(
        r#"{"subnets":[{"tempo":5,"neurons":3,"validators":1,"validator_stake_tao":[10]}]}"#,
    )
    .unwrap();
    assert_eq!(s.seed, 0);
    assert_eq!(s.funding, 100_000 * RAO_PER_TAO);
    assert_eq!(s.subnets[0].stake_on, StakeOn::Root);
    assert_eq!(
        s.subnets[0].weights,
        WeightPattern::NoisyQuality { noise_percent: 20 }
    );
}

#[test]
fn malformed_files_name_the_field() {
    assert!(error_of("{").starts_with("scenario is not valid JSON"));
    assert_eq!(
        error_of("[]"),
        "scenario field `(top level)`: expected an object"
    );
    assert_eq!(error_of("{}"), "scenario field `subnets`: missing");
    assert_eq!(
        error_of(r#"{"subnets":[],"sead":1}"#),
        "scenario field `sead`: unknown field (expected one of: seed, funding_tao, subnets)"
    );
    let subnet = |body: &str| {
        error_of(&format!(
            r#"{{"subnets":[{{"tempo":5,"neurons":3,"validators":1,"validator_stake_tao":[10]}},{{{body}}}]}}"#
        ))
    };
    assert_eq!(
        subnet(r#""neurons":3,"validators":1,"validator_stake_tao":[10]"#),
        "scenario field `subnets[1].tempo`: missing"
    );
    assert_eq!(
        subnet(r#""tempo":5,"neurons":300,"validators":1,"validator_stake_tao":[10]"#),
        "scenario field `subnets[1].neurons`: 300 is out of range 2..=256"
    );
    assert_eq!(
        subnet(r#""tempo":5,"neurons":4,"validators":4,"validator_stake_tao":[10]"#),
        "scenario field `subnets[1].validators`: 4 is out of range 1..=3"
    );
    assert_eq!(
        subnet(r#""tempo":5,"neurons":4,"validators":2,"validator_stake_tao":[10]"#),
        "scenario field `subnets[1].validator_stake_tao`: expected 2 values (one per validator), got 1"
    );
    assert_eq!(
        subnet(r#""tempo":5,"neurons":4,"validators":1,"validator_stake_tao":["ten"]"#),
        "scenario field `subnets[1].validator_stake_tao[0]`: expected a positive integer (TAO)"
    );
    assert_eq!(
        subnet(r#""tempo":"fast","neurons":4,"validators":1,"validator_stake_tao":[1]"#),
        "scenario field `subnets[1].tempo`: expected a non-negative integer"
    );
    assert_eq!(
        subnet(
            r#""tempo":5,"neurons":4,"validators":1,"validator_stake_tao":[1],"weights":{"pattern":"zipf"}"#
        ),
        "scenario field `subnets[1].weights.pattern`: expected \"uniform\", \"random\" or \"noisy_quality\""
    );
    assert_eq!(
        subnet(
            r#""tempo":5,"neurons":4,"validators":1,"validator_stake_tao":[1],"weights":{"pattern":"noisy_quality","noise_percent":150}"#
        ),
        "scenario field `subnets[1].weights.noise_percent`: 150 is out of range 0..=100"
    );
    assert_eq!(
        subnet(
            r#""tempo":5,"neurons":4,"validators":1,"validator_stake_tao":[1],"stake_on":"moon""#
        ),
        "scenario field `subnets[1].stake_on`: expected \"root\" or \"subnet\""
    );
}

#[test]
fn weight_rows_are_deterministic_and_fit_u16() {
    let plan = &Scenario::default_scenario().subnets[0];
    let rows = plan.weight_rows(7, 0, 12);
    assert_eq!(rows, plan.weight_rows(7, 0, 12));
    assert_ne!(rows, plan.weight_rows(8, 0, 12));
    assert_eq!(rows.len(), 4);
    assert!(
        rows.iter()
            .all(|r| r.len() == 12 && r.iter().all(|w| *w > 0))
    );
    // Noisy views of one quality: validators rank the best miner near the top.
    let best = |r: &Vec<u16>| (0..r.len()).max_by_key(|i| r[*i]).unwrap();
    let first_best = best(&rows[0]);
    assert!(rows.iter().all(|r| r[first_best] >= r[best(r)] / 2));
}

#[test]
fn dev_seed_is_the_development_phrase() {
    let alice = DevKeys::from_secret_uri(&format!("{DEV_SEED}//Alice")).unwrap();
    assert_eq!(alice.aura_public(), DevKeys::alice().aura_public());
    let (coldkey, _) = neuron_keys(1, 2).unwrap();
    let by_phrase = DevKeys::from_secret_uri("//coldkey//1//2").unwrap();
    assert_eq!(coldkey.account_id(), by_phrase.account_id());
}

#[test]
fn scenario_files_are_read_with_their_path_in_errors() {
    let default =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/scenarios/default.json");
    assert_eq!(
        Scenario::from_file(&default).unwrap(),
        Scenario::default_scenario()
    );
    let missing = std::path::Path::new("/nonexistent/scenario.json");
    let error = Scenario::from_file(missing).unwrap_err().to_string();
    assert!(
        error.starts_with("scenario file /nonexistent/scenario.json: "),
        "{error}"
    );
}
