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
    assert_eq!(scenario.genesis_subnet_tempo, Some(12));
    let first = &scenario.subnets[0];
    assert_eq!((first.tempo, first.neurons, first.validators), (10, 16, 4));
    assert_eq!(first.validator_stakes[0], 400 * RAO_PER_TAO);
    assert_eq!(first.stake_on, StakeOn::Subnet);
    assert_eq!(
        first.weights,
        WeightPattern::NoisyQuality { noise_percent: 15 }
    );
    // One subnet per rule, and one whose registrations outnumber its slots.
    assert!(!first.yuma3 && first.liquid_alpha.is_none());
    assert_eq!((first.max_uids, first.extra_registrations), (16, 3));
    assert!(scenario.subnets[1].yuma3 && scenario.subnets[1].liquid_alpha.is_none());
    let third = &scenario.subnets[2];
    assert!(third.yuma3);
    assert_eq!(third.liquid_alpha, Some((45_875, 58_982)));
    assert_eq!(third.stake_on, StakeOn::Root);
    assert_eq!(third.weights, WeightPattern::Random);
}

#[test]
fn rule_fields_are_checked() {
    let subnet = |extra: &str| {
        error_of(&format!(
            r#"{{"subnets":[{{"tempo":5,"neurons":4,"validators":1,"validator_stake_tao":[10]{extra}}}]}}"#
        ))
    };
    assert_eq!(
        subnet(r#","yuma":"yuma2""#),
        "scenario field `subnets[0].yuma`: expected \"yuma1\" or \"yuma3\""
    );
    assert_eq!(
        subnet(r#","liquid_alpha":true"#),
        "scenario field `subnets[0].liquid_alpha`: liquid alpha only acts on Yuma3 subnets: add \"yuma\": \"yuma3\""
    );
    assert_eq!(
        subnet(r#","yuma":"yuma3","liquid_alpha":{"alpha_low":100,"alpha_high":200}"#),
        "scenario field `subnets[0].liquid_alpha.alpha_low`: 100 is out of range 1638..=65535"
    );
    assert_eq!(
        subnet(r#","max_uids":3"#),
        "scenario field `subnets[0].max_uids`: 3 is out of range 4..=256"
    );
    assert_eq!(
        subnet(r#","extra_registrations":1"#),
        "scenario field `subnets[0].extra_registrations`: registrations prune only when the slots are full: set max_uids to neurons"
    );
    assert_eq!(
        subnet(r#","max_uids":4,"extra_registrations":3"#),
        "scenario field `subnets[0].extra_registrations`: 3 is out of range 0..=2"
    );
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
    assert!(!s.subnets[0].yuma3);
    assert_eq!(s.subnets[0].liquid_alpha, None);
    assert_eq!(
        (s.subnets[0].max_uids, s.subnets[0].extra_registrations),
        (256, 0)
    );
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
        "scenario field `sead`: unknown field (expected one of: seed, funding_tao, subnets, genesis_subnet_tempo)"
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
