//! Which Yuma rules a runtime runs, in one place.
//!
//! subtensor's epoch changes with its releases: Yuma3 and liquid alpha became per-subnet
//! switches in 2025, the owner's permit and threshold exemption, the bond mask and the
//! sigmoid's `exp` changed after July 2025, consensus modes for liquid alpha arrived with spec
//! 446 (2026-08). A replay is only meaningful against the rules of the runtime that produced
//! the outputs, so every replay names its rule set and says how it was established: checked bit
//! for bit against that runtime in this project's tests, or assumed from the nearest runtime
//! that was.

use serde::{Deserialize, Serialize};
use yuma::{ConsensusMode, Rules};

/// How well a rule set is established for a runtime.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Evidence {
    /// This project's tests replay that runtime's epochs bit for bit.
    Verified,
    /// Read from subtensor's source for a nearby version; no test has run this runtime.
    Assumed,
}

/// The epoch rules of one runtime.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RuleSet {
    /// A short name (`july-2025`), shown with every replay.
    pub name: &'static str,
    /// The release-dependent details.
    pub rules: Rules,
    /// Which consensus liquid alpha compares weights with.
    pub consensus_mode: ConsensusMode,
    /// How this set is known to apply.
    pub evidence: Evidence,
    /// Where the evidence comes from, in words.
    pub source: &'static str,
}

/// A runtime whose epoch the engine cannot replay.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unsupported {
    /// What the runtime does that the engine lacks.
    pub rule: String,
}

/// The rule set of runtime `spec_name` at `spec_version`.
///
/// # Errors
///
/// [`Unsupported`] for runtimes whose epoch is not Yuma (raonet's mock epoch) or that are not
/// subtensor.
pub fn for_runtime(spec_name: &str, spec_version: u32) -> Result<RuleSet, Unsupported> {
    if spec_name != "node-subtensor" {
        return Err(Unsupported {
            rule: format!("runtime `{spec_name}` is not subtensor"),
        });
    }
    match spec_version {
        218 => Err(Unsupported {
            rule: "epoch_mock (raonet, spec 218): this runtime stores no Yuma outputs".into(),
        }),
        0..=217 => Ok(RuleSet {
            name: "2023",
            rules: Rules::JULY_2025,
            consensus_mode: ConsensusMode::Current,
            evidence: if spec_version == 103 {
                Evidence::Verified
            } else {
                Evidence::Assumed
            },
            source: "Incentive, Dividends, Consensus and permits replayed exactly on testfinney's spec-103 runtime (devnode tests)",
        }),
        219..=300 => Ok(RuleSet {
            name: "july-2025",
            rules: Rules::JULY_2025,
            consensus_mode: ConsensusMode::Current,
            evidence: if spec_version == 293 {
                Evidence::Verified
            } else {
                Evidence::Assumed
            },
            source: "every devnet subnet (Yuma1, Yuma3, Yuma3 with liquid alpha) replayed bit for bit on the spec-293 runtime (chain tests)",
        }),
        301..=445 => Ok(RuleSet {
            name: "july-2025",
            rules: Rules::JULY_2025,
            consensus_mode: ConsensusMode::Current,
            evidence: Evidence::Assumed,
            source: "the rules of July 2025 (spec 293), the newest runtime before 446 this project could run",
        }),
        _ => Ok(RuleSet {
            name: "current",
            rules: Rules::CURRENT,
            consensus_mode: ConsensusMode::Auto,
            evidence: Evidence::Assumed,
            source: "subtensor's source with liquid-alpha consensus modes (spec 446); the engine reproduces its epoch tests",
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_runtime_has_one_named_rule_set() {
        let devnet = for_runtime("node-subtensor", 293).unwrap();
        assert_eq!(devnet.name, "july-2025");
        assert_eq!(devnet.evidence, Evidence::Verified);
        assert_eq!(devnet.rules, Rules::JULY_2025);
        assert_eq!(
            for_runtime("node-subtensor", 393).unwrap().evidence,
            Evidence::Assumed
        );
        let latest = for_runtime("node-subtensor", 446).unwrap();
        assert_eq!(latest.rules, Rules::CURRENT);
        assert_eq!(latest.consensus_mode, ConsensusMode::Auto);
        assert!(
            for_runtime("node-subtensor", 218)
                .unwrap_err()
                .rule
                .contains("epoch_mock")
        );
        assert!(for_runtime("polkadot", 1_000_000).is_err());
    }
}
