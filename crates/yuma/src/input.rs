//! What one epoch of one subnet reads from chain state, checked once.
//!
//! [`EpochInput::new`] is the only way in: it checks every per-uid vector against the subnet
//! size `n`, every weight and bond target against `n`, and the stake total against the range
//! the chain's `I64F64` arithmetic can hold. After that the epoch indexes freely. Parsing the
//! JSON case format lives in [`crate::case`]; reading chain storage belongs to the `chain` crate.

/// A sparse row as the chain stores `Weights` and `Bonds`: `(target uid, u16 value)` pairs.
pub type SparseRow = Vec<(u16, u16)>;

/// Which bonds rule the subnet runs (`Yuma3On`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum YumaVersion {
    /// The original EMA of column-normalised `W ∘ S`, stored column max-upscaled.
    #[default]
    Yuma1,
    /// Bonds as per-validator proportions, EMA of `weights_for_bonds`; dividends from
    /// column-normalised bonds times incentive times active stake.
    Yuma3,
}

/// Liquid alpha (`LiquidAlphaOn`, `AlphaValues`, `AlphaSigmoidSteepness`): a per-bond EMA
/// coefficient from a sigmoid of how far a validator's weight is from consensus. Only the Yuma3
/// path reads it, as on chain.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LiquidAlpha {
    /// `alpha_low` as stored (u16 proportion).
    pub alpha_low: u16,
    /// `alpha_high` as stored (u16 proportion).
    pub alpha_high: u16,
    /// `AlphaSigmoidSteepness` as stored (divided by -100 in the sigmoid).
    pub sigmoid_steepness: i16,
}

impl Default for LiquidAlpha {
    fn default() -> Self {
        // DefaultAlphaValues (0.7, 0.9) and the runtime's InitialAlphaSigmoidSteepness.
        LiquidAlpha {
            alpha_low: 45875,
            alpha_high: 58982,
            sigmoid_steepness: 1000,
        }
    }
}

/// Which consensus liquid alpha compares weights with (`LiquidAlphaConsensusMode`, runtime
/// spec 446 and later; earlier runtimes always used the current epoch's consensus).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum ConsensusMode {
    /// The consensus computed in this epoch.
    Current,
    /// The `Consensus` stored by the previous epoch; the current one when none is stored.
    Previous,
    /// `Previous` when `bonds_penalty` is 65535, else `Current` (the chain's default).
    #[default]
    Auto,
}

/// Details of the epoch that changed between subtensor releases without changing its shape.
/// Which runtime runs which set is decided in one place, `chain::rules`; the presets here are
/// named after the subtensor source they were read from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rules {
    /// The subnet owner's uid holds a validator permit whatever its stake, and keeps its row
    /// of weights (later runtimes); July 2025 runtimes give it none unless its stake earns one.
    pub owner_keeps_permit: bool,
    /// The owner's stake counts even below `StakeThreshold` (later runtimes).
    pub owner_exempt_from_threshold: bool,
    /// Bonds of a uid registered since the last epoch are masked from
    /// `LastMechansimStepBlock + 1` (later runtimes), not from `current_block − tempo`.
    pub bond_mask_from_last_step: bool,
    /// The liquid-alpha sigmoid's `exp` clamps its input to ±20 (`exp_safe`, later runtimes);
    /// July 2025 runtimes use `safe_exp`, unclamped and zero when the result overflows.
    pub sigmoid_exp_clamped: bool,
}

impl Rules {
    /// The rules of subtensor's current source, which the golden tests of this crate come from.
    pub const CURRENT: Rules = Rules {
        owner_keeps_permit: true,
        owner_exempt_from_threshold: true,
        bond_mask_from_last_step: true,
        sigmoid_exp_clamped: true,
    };

    /// The rules of subtensor in July 2025 (runtime spec_version 293 to 300): checked bit for
    /// bit against the spec-293 runtime on the devnet.
    pub const JULY_2025: Rules = Rules {
        owner_keeps_permit: false,
        owner_exempt_from_threshold: false,
        bond_mask_from_last_step: false,
        sigmoid_exp_clamped: false,
    };
}

impl Default for Rules {
    fn default() -> Self {
        Rules::CURRENT
    }
}

/// Per-subnet hyperparameters the epoch reads, in the chain's stored units.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EpochParams {
    /// `Kappa`, the consensus majority as a u16 proportion (32767 ≈ 0.5).
    pub kappa: u16,
    /// `BondsPenalty`, u16 proportion: 0 bonds follow raw weights, 65535 clipped weights.
    pub bonds_penalty: u16,
    /// `BondsMovingAverage`, per million: the EMA keeps this share of old bonds.
    pub bonds_moving_average: u64,
    /// `MaxAllowedValidators`: how many top-stake uids get a validator permit.
    pub max_allowed_validators: u16,
    /// Blocks a uid may go without setting weights before it counts as inactive. Current
    /// runtimes derive it as `max(1, ActivityCutoffFactorMilli × tempo / 1000)`; older ones
    /// stored `ActivityCutoff` directly. 5000 is both defaults at tempo 360.
    pub activity_cutoff: u64,
    /// `Tempo`: blocks between epochs.
    pub tempo: u16,
    /// `StakeThreshold`: minimum stake (rao) for a validator's stake to count.
    pub stake_threshold: u64,
    /// `TaoWeight` as stored: root TAO stake counts `tao_weight / u64::MAX` of alpha.
    pub tao_weight: u64,
    /// `Yuma3On`.
    pub yuma: YumaVersion,
    /// `LiquidAlphaOn` with its settings, or `None` when off.
    pub liquid_alpha: Option<LiquidAlpha>,
    /// Release-dependent details of the epoch.
    pub rules: Rules,
}

impl Default for EpochParams {
    /// The runtime's initial values (subtensor `runtime/src/lib.rs`), activity cutoff included.
    fn default() -> Self {
        EpochParams {
            kappa: 32_767,
            bonds_penalty: u16::MAX,
            bonds_moving_average: 900_000,
            max_allowed_validators: 128,
            activity_cutoff: 5000,
            tempo: 360,
            stake_threshold: 0,
            tao_weight: 0,
            yuma: YumaVersion::Yuma1,
            liquid_alpha: None,
            rules: Rules::CURRENT,
        }
    }
}

/// Everything one epoch reads, per uid of a subnet of `n` uids. Build with [`EpochInput::new`].
#[derive(Clone, Debug, PartialEq)]
pub struct EpochInput {
    pub(crate) n: u16,
    pub(crate) weights: Vec<SparseRow>,
    pub(crate) bonds: Vec<SparseRow>,
    pub(crate) alpha_stakes: Vec<u64>,
    pub(crate) tao_stakes: Vec<u64>,
    pub(crate) validator_permits: Vec<bool>,
    pub(crate) last_update: Vec<u64>,
    pub(crate) block_at_registration: Vec<u64>,
    pub(crate) owner_uid: Option<u16>,
    pub(crate) current_block: u64,
    pub(crate) last_mechanism_step_block: u64,
    pub(crate) rao_emission: u64,
    pub(crate) params: EpochParams,
    pub(crate) consensus_mode: ConsensusMode,
    pub(crate) previous_consensus: Option<Vec<u16>>,
}

/// The raw parts of an [`EpochInput`], before checking. Vectors are indexed by uid.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct EpochInputParts {
    /// `Weights` rows as stored (u16, row max-upscaled by `set_weights`), one per uid.
    pub weights: Vec<SparseRow>,
    /// `Bonds` rows as stored, one per uid (empty rows for none).
    pub bonds: Vec<SparseRow>,
    /// Alpha stake per uid (rao of the subnet token), inherited stake included.
    pub alpha_stakes: Vec<u64>,
    /// Root TAO stake per uid (rao), weighted by `tao_weight`.
    pub tao_stakes: Vec<u64>,
    /// `ValidatorPermit` from the previous epoch.
    pub validator_permits: Vec<bool>,
    /// `LastUpdate`: block each uid last set weights.
    pub last_update: Vec<u64>,
    /// `BlockAtRegistration`.
    pub block_at_registration: Vec<u64>,
    /// The subnet owner's uid (`SubnetOwnerHotkey` registered on the subnet), if any.
    pub owner_uid: Option<u16>,
    /// The block the epoch runs at.
    pub current_block: u64,
    /// `LastMechansimStepBlock`: the block of the previous epoch, 0 when none.
    pub last_mechanism_step_block: u64,
    /// Emission (rao) the epoch splits between incentive and dividends.
    pub rao_emission: u64,
    /// Hyperparameters.
    pub params: EpochParams,
}

/// Why an [`EpochInput`] was refused. Each variant names the field at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EpochInputError {
    /// The subnet has no uids, or more than 65,535.
    #[error("subnet size {0} is out of range (1..=65535 uids)")]
    SubnetSize(usize),
    /// A per-uid vector does not have one entry per uid.
    #[error("`{field}` has {got} entries, expected {expected} (one per uid)")]
    Length {
        /// The field's name in the case format.
        field: &'static str,
        /// Its length.
        got: usize,
        /// The subnet size.
        expected: usize,
    },
    /// A sparse row points at a uid the subnet does not have.
    #[error("`{field}` row {row} targets uid {target}, but the subnet has {n} uids")]
    TargetOutOfRange {
        /// `weights` or `bonds`.
        field: &'static str,
        /// The row (source uid).
        row: usize,
        /// The bad target uid.
        target: u16,
        /// The subnet size.
        n: usize,
    },
    /// A sparse row names the same target twice (the chain refuses such weights).
    #[error("`{field}` row {row} lists uid {target} twice")]
    DuplicateTarget {
        /// `weights` or `bonds`.
        field: &'static str,
        /// The row (source uid).
        row: usize,
        /// The repeated target uid.
        target: u16,
    },
    /// Total stake is beyond what the chain's `I64F64` sums can hold (far beyond the 21M TAO cap).
    #[error("`{0}` total exceeds 2^62 rao; the chain's stake arithmetic cannot represent it")]
    StakeTooLarge(&'static str),
    /// The owner uid is not a uid of the subnet.
    #[error("`owner_uid` {owner} is not below the subnet size {n}")]
    OwnerOutOfRange {
        /// The given owner uid.
        owner: u16,
        /// The subnet size.
        n: usize,
    },
    /// Liquid alpha bounds are reversed.
    #[error("`alpha_low` ({low}) is above `alpha_high` ({high})")]
    AlphaBounds {
        /// `alpha_low`.
        low: u16,
        /// `alpha_high`.
        high: u16,
    },
}

const STAKE_LIMIT: u128 = 1 << 62;

impl EpochInput {
    /// Checks the parts against each other and returns an input the epoch can run on.
    ///
    /// Rows of `weights` and `bonds` are sorted by target uid, as the chain keeps them.
    ///
    /// # Errors
    /// [`EpochInputError`] names the first field that is inconsistent.
    pub fn new(mut parts: EpochInputParts) -> Result<Self, EpochInputError> {
        let n = parts.weights.len();
        if n == 0 || n > usize::from(u16::MAX) {
            return Err(EpochInputError::SubnetSize(n));
        }
        if parts.bonds.is_empty() {
            parts.bonds = vec![Vec::new(); n];
        }
        let lengths: [(&'static str, usize); 6] = [
            ("bonds", parts.bonds.len()),
            ("stakes", parts.alpha_stakes.len()),
            ("tao_stakes", parts.tao_stakes.len()),
            ("validator_permits", parts.validator_permits.len()),
            ("last_update", parts.last_update.len()),
            ("block_at_registration", parts.block_at_registration.len()),
        ];
        for (field, got) in lengths {
            if got != n {
                return Err(EpochInputError::Length {
                    field,
                    got,
                    expected: n,
                });
            }
        }
        for (field, rows) in [("weights", &mut parts.weights), ("bonds", &mut parts.bonds)] {
            for (row, cells) in rows.iter_mut().enumerate() {
                cells.sort_unstable_by_key(|&(j, _)| j);
                for pair in cells.windows(2) {
                    if pair[0].0 == pair[1].0 {
                        return Err(EpochInputError::DuplicateTarget {
                            field,
                            row,
                            target: pair[0].0,
                        });
                    }
                }
                if let Some(&(target, _)) = cells.iter().find(|&&(j, _)| usize::from(j) >= n) {
                    return Err(EpochInputError::TargetOutOfRange {
                        field,
                        row,
                        target,
                        n,
                    });
                }
            }
        }
        for (field, v) in [
            ("stakes", &parts.alpha_stakes),
            ("tao_stakes", &parts.tao_stakes),
        ] {
            if v.iter().map(|&s| u128::from(s)).sum::<u128>() > STAKE_LIMIT {
                return Err(EpochInputError::StakeTooLarge(field));
            }
        }
        if let Some(owner) = parts.owner_uid
            && usize::from(owner) >= n
        {
            return Err(EpochInputError::OwnerOutOfRange { owner, n });
        }
        if let Some(la) = parts.params.liquid_alpha
            && la.alpha_low > la.alpha_high
        {
            return Err(EpochInputError::AlphaBounds {
                low: la.alpha_low,
                high: la.alpha_high,
            });
        }
        Ok(EpochInput {
            // n ≤ u16::MAX was checked above.
            n: n as u16,
            weights: parts.weights,
            bonds: parts.bonds,
            alpha_stakes: parts.alpha_stakes,
            tao_stakes: parts.tao_stakes,
            validator_permits: parts.validator_permits,
            last_update: parts.last_update,
            block_at_registration: parts.block_at_registration,
            owner_uid: parts.owner_uid,
            current_block: parts.current_block,
            last_mechanism_step_block: parts.last_mechanism_step_block,
            rao_emission: parts.rao_emission,
            params: parts.params,
            consensus_mode: ConsensusMode::default(),
            previous_consensus: None,
        })
    }

    /// Number of uids in the subnet.
    pub fn n(&self) -> u16 {
        self.n
    }
    /// Hyperparameters.
    pub fn params(&self) -> &EpochParams {
        &self.params
    }
    /// Mutable hyperparameters: they carry no per-uid shape, so any value is valid.
    pub fn params_mut(&mut self) -> &mut EpochParams {
        &mut self.params
    }
    /// Alpha stake per uid.
    pub fn alpha_stakes(&self) -> &[u64] {
        &self.alpha_stakes
    }
    /// Root TAO stake per uid.
    pub fn tao_stakes(&self) -> &[u64] {
        &self.tao_stakes
    }
    /// Stored weights rows (sorted by target).
    pub fn weights(&self) -> &[SparseRow] {
        &self.weights
    }
    /// Stored bonds rows (sorted by target).
    pub fn bonds(&self) -> &[SparseRow] {
        &self.bonds
    }
    /// Previous validator permits.
    pub fn validator_permits(&self) -> &[bool] {
        &self.validator_permits
    }
    /// `LastUpdate` per uid.
    pub fn last_update(&self) -> &[u64] {
        &self.last_update
    }
    /// `BlockAtRegistration` per uid.
    pub fn block_at_registration(&self) -> &[u64] {
        &self.block_at_registration
    }
    /// The owner uid, if the owner is registered.
    pub fn owner_uid(&self) -> Option<u16> {
        self.owner_uid
    }
    /// The block the epoch runs at.
    pub fn current_block(&self) -> u64 {
        self.current_block
    }
    /// `LastMechansimStepBlock` (0 when there was no previous epoch).
    pub fn last_mechanism_step_block(&self) -> u64 {
        self.last_mechanism_step_block
    }
    /// Emission to split (rao).
    pub fn rao_emission(&self) -> u64 {
        self.rao_emission
    }

    /// Sets liquid alpha's consensus mode and the `Consensus` the previous epoch stored (any
    /// length: missing uids read as 0, extra entries are ignored — the spec-446 release notes
    /// say only that such vectors are "safely handled"; this reading is not yet verified
    /// against that runtime's source).
    pub fn set_liquid_alpha_consensus(&mut self, mode: ConsensusMode, previous: Option<Vec<u16>>) {
        self.consensus_mode = mode;
        self.previous_consensus = previous;
    }
    /// Liquid alpha's consensus mode.
    pub fn consensus_mode(&self) -> ConsensusMode {
        self.consensus_mode
    }
    /// The previous epoch's stored consensus, if given.
    pub fn previous_consensus(&self) -> Option<&[u16]> {
        self.previous_consensus.as_deref()
    }

    /// Carries one epoch's results into the next epoch's input, as the chain's storage does:
    /// stored bonds become the previous bonds and new permits the previous permits, and the
    /// epoch's block becomes `LastMechansimStepBlock`. Weights, stake and blocks stay.
    pub fn carry(&mut self, out: &crate::EpochOutput) {
        self.bonds.clone_from(&out.bonds);
        self.validator_permits.clone_from(&out.validator_permits);
        self.last_mechanism_step_block = self.current_block;
        self.previous_consensus = Some(out.consensus_u16.clone());
    }
}
