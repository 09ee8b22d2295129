//! The JSON case format: one subnet's epoch input as a person writes it, and the output as the
//! `taoscope yuma` command prints it.
//!
//! Parsing is by hand over `serde_json::Value` so that every refusal names the field at fault
//! (`stakes[3]: expected a whole number of rao`). Amounts are integers in the chain's units;
//! `kappa`, `bonds_penalty`, `alpha_low` and `alpha_high` may also be written as proportions
//! with a decimal point (`0.5`), while an integer is the stored `u16` (`32767`).
//!
//! Defaults are subtensor's runtime defaults, except two that make a hand-written case useful on
//! its own: previous `validator_permits` default to the permits the stake itself earns (as if
//! the previous epoch saw the same stake), and `last_update` defaults to `current_block`.

use serde_json::{Map, Value, json};

use crate::epoch::math::is_topk_nonzero;
use crate::{
    ConsensusMode, EpochInput, EpochInputError, EpochInputParts, EpochOutput, EpochParams,
    LiquidAlpha, Rules, SparseRow, YumaVersion,
};

/// Why a case was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum CaseError {
    /// The text is not JSON.
    #[error("not valid JSON: {0}")]
    Json(String),
    /// A field has the wrong shape or value.
    #[error("`{field}`: {message}")]
    Field {
        /// Path of the field, e.g. `weights[2][5]`.
        field: String,
        /// What was expected.
        message: String,
    },
    /// The fields are individually fine but inconsistent.
    #[error(transparent)]
    Input(#[from] EpochInputError),
}

fn field_err(field: impl Into<String>, message: impl Into<String>) -> CaseError {
    CaseError::Field {
        field: field.into(),
        message: message.into(),
    }
}

/// A parsed case: the checked input plus its optional name and description.
#[derive(Clone, Debug, PartialEq)]
pub struct Case {
    /// Short title, for the lab's picker.
    pub name: Option<String>,
    /// Longer description.
    pub description: Option<String>,
    /// The epoch input.
    pub input: EpochInput,
}

/// Parses a case from JSON text (a bare object or `{"input": {...}}`).
///
/// # Errors
/// [`CaseError`] names the first field that is missing, mistyped, out of range or inconsistent.
pub fn parse(text: &str) -> Result<Case, CaseError> {
    let value: Value = serde_json::from_str(text).map_err(|e| CaseError::Json(e.to_string()))?;
    from_value(&value)
}

/// Parses a case from an already-decoded JSON value.
///
/// # Errors
/// As [`parse`].
pub fn from_value(value: &Value) -> Result<Case, CaseError> {
    let top = value
        .as_object()
        .ok_or_else(|| field_err("(top level)", "expected a JSON object"))?;
    let obj = match top.get("input") {
        Some(inner) => inner
            .as_object()
            .ok_or_else(|| field_err("input", "expected a JSON object"))?,
        None => top,
    };
    let f = Fields(obj);
    let name = f.opt_str("name")?.or(top_str(top, "name"));
    let description = f.opt_str("description")?.or(top_str(top, "description"));

    let layout = f.opt_str("layout")?.unwrap_or_else(|| "full".into());
    let (n, weights, validators) = match layout.as_str() {
        "full" => {
            let weights = f.sparse_or_dense("weights", "weights_sparse", None)?;
            (weights.len(), weights, None)
        }
        "vm" => {
            let dense = f.dense_u16("weights")?.ok_or_else(|| {
                field_err(
                    "weights",
                    "required: validators × miners rows of u16 weights",
                )
            })?;
            let v = dense.len();
            let m = dense.first().map_or(0, Vec::len);
            let n = v + m;
            let mut rows: Vec<Vec<(u16, u16)>> = vec![Vec::new(); n];
            for (i, row) in dense.iter().enumerate() {
                if row.len() != m {
                    return Err(field_err(
                        format!("weights[{i}]"),
                        format!("has {} miners, row 0 has {m}", row.len()),
                    ));
                }
                rows[i] = row
                    .iter()
                    .enumerate()
                    .filter(|&(_, &w)| w != 0)
                    .map(|(j, &w)| ((v + j) as u16, w))
                    .collect();
            }
            (n, rows, Some(v))
        }
        other => {
            return Err(field_err(
                "layout",
                format!("unknown layout {other:?}; expected \"full\" or \"vm\""),
            ));
        }
    };
    if n == 0 || n > usize::from(u16::MAX) {
        return Err(field_err(
            "weights",
            format!("{n} uids; expected 1..=65535"),
        ));
    }
    // In the vm layout, per-validator vectors may omit the miners (who then hold zero).
    let per_uid_u64 = |name: &str, default: u64| -> Result<Vec<u64>, CaseError> {
        match f.opt_vec_u64(name)? {
            None => Ok(vec![default; n]),
            Some(mut v) => {
                if let Some(vals) = validators
                    && v.len() == vals
                {
                    v.resize(n, default);
                }
                Ok(v)
            }
        }
    };

    let defaults = EpochParams::default();
    let liquid_alpha = if f.opt_bool("liquid_alpha")?.unwrap_or(false) {
        let d = LiquidAlpha::default();
        Some(LiquidAlpha {
            alpha_low: f.opt_u16_prop("alpha_low")?.unwrap_or(d.alpha_low),
            alpha_high: f.opt_u16_prop("alpha_high")?.unwrap_or(d.alpha_high),
            sigmoid_steepness: f
                .opt_int(
                    "alpha_sigmoid_steepness",
                    i64::from(i16::MIN),
                    i64::from(i16::MAX),
                )?
                .map_or(d.sigmoid_steepness, |v| v as i16),
        })
    } else {
        None
    };
    let params = EpochParams {
        kappa: f.opt_u16_prop("kappa")?.unwrap_or(defaults.kappa),
        bonds_penalty: f
            .opt_u16_prop("bonds_penalty")?
            .unwrap_or(defaults.bonds_penalty),
        bonds_moving_average: f
            .opt_int("bonds_moving_average", 0, 1_000_000)?
            .map_or(defaults.bonds_moving_average, |v| v as u64),
        max_allowed_validators: f
            .opt_int("max_allowed_validators", 0, i64::from(u16::MAX))?
            .map_or(defaults.max_allowed_validators, |v| v as u16),
        activity_cutoff: f
            .opt_u64("activity_cutoff")?
            .unwrap_or(defaults.activity_cutoff),
        tempo: f
            .opt_int("tempo", 0, i64::from(u16::MAX))?
            .map_or(defaults.tempo, |v| v as u16),
        stake_threshold: f
            .opt_u64("stake_threshold")?
            .unwrap_or(defaults.stake_threshold),
        tao_weight: f.opt_u64("tao_weight")?.unwrap_or(defaults.tao_weight),
        yuma: if f.opt_bool("yuma3")?.unwrap_or(false) {
            YumaVersion::Yuma3
        } else {
            YumaVersion::Yuma1
        },
        liquid_alpha,
        rules: match f.opt_str("rules")?.as_deref() {
            None | Some("current") => Rules::CURRENT,
            Some("july-2025") => Rules::JULY_2025,
            Some(other) => {
                return Err(field_err(
                    "rules",
                    format!("unknown rules {other:?}; expected \"current\" or \"july-2025\""),
                ));
            }
        },
    };

    let alpha_stakes = per_uid_u64("stakes", 0)?;
    if f.0.get("stakes").is_none() {
        return Err(field_err("stakes", "required: alpha stake (rao) per uid"));
    }
    let tao_stakes = per_uid_u64("tao_stakes", 0)?;
    let block_at_registration = per_uid_u64("block_at_registration", 0)?;
    let current_block = match f.opt_u64("current_block")? {
        Some(b) => b,
        None => block_at_registration.iter().copied().max().unwrap_or(0) + 1,
    };
    let last_update = per_uid_u64("last_update", current_block)?;
    let owner_uid = f
        .opt_int("owner_uid", 0, i64::from(u16::MAX))?
        .map(|v| v as u16);
    let bonds = f.sparse_or_dense("bonds", "bonds_sparse", Some(n))?;
    let validator_permits = match f.opt_vec_bool("validator_permits")? {
        Some(v) => v,
        None => {
            // Same length check as EpochInput, so the top-k below sees one stake per uid.
            if alpha_stakes.len() != n || tao_stakes.len() != n {
                vec![false; n]
            } else {
                // The chain's own stake weights, so a dust stake that rounds to zero gets no permit.
                let (stake, _) = <substrate_fixed::types::I32F32 as crate::Scalar>::stake_weights(
                    &alpha_stakes,
                    &tao_stakes,
                    params.tao_weight,
                    params.stake_threshold,
                    owner_uid.filter(|&o| usize::from(o) < n),
                );
                is_topk_nonzero(&stake, usize::from(params.max_allowed_validators))
            }
        }
    };

    let consensus_mode = match f.opt_str("liquid_alpha_consensus_mode")?.as_deref() {
        None | Some("auto") => ConsensusMode::Auto,
        Some("current") => ConsensusMode::Current,
        Some("previous") => ConsensusMode::Previous,
        Some(other) => {
            return Err(field_err(
                "liquid_alpha_consensus_mode",
                format!("unknown mode {other:?}; expected \"current\", \"previous\" or \"auto\""),
            ));
        }
    };
    let previous_consensus = f.opt_vec_u16("previous_consensus")?;
    let mut input = EpochInput::new(EpochInputParts {
        weights,
        bonds,
        alpha_stakes,
        tao_stakes,
        validator_permits,
        last_update,
        block_at_registration,
        owner_uid,
        current_block,
        last_mechanism_step_block: f.opt_u64("last_tempo")?.unwrap_or(0),
        rao_emission: f.opt_u64("rao_emission")?.unwrap_or(1_000_000_000),
        params,
    })?;
    input.set_liquid_alpha_consensus(consensus_mode, previous_consensus);
    Ok(Case {
        name,
        description,
        input,
    })
}

fn top_str(top: &Map<String, Value>, key: &str) -> Option<String> {
    top.get(key).and_then(Value::as_str).map(str::to_owned)
}

struct Fields<'a>(&'a Map<String, Value>);

impl Fields<'_> {
    fn opt_str(&self, name: &str) -> Result<Option<String>, CaseError> {
        match self.0.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(field_err(name, "expected a string")),
        }
    }
    fn opt_bool(&self, name: &str) -> Result<Option<bool>, CaseError> {
        match self.0.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(_) => Err(field_err(name, "expected true or false")),
        }
    }
    fn opt_u64(&self, name: &str) -> Result<Option<u64>, CaseError> {
        match self.0.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => whole(v, 0, u64::MAX)
                .map(Some)
                .map_err(|m| field_err(name, m)),
        }
    }
    fn opt_int(&self, name: &str, lo: i64, hi: i64) -> Result<Option<i64>, CaseError> {
        match self.0.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Number(num)) => match num.as_i64() {
                Some(i) if (lo..=hi).contains(&i) => Ok(Some(i)),
                _ => Err(field_err(
                    name,
                    format!("expected a whole number in {lo}..={hi}, got {num}"),
                )),
            },
            Some(_) => Err(field_err(name, "expected a number")),
        }
    }
    /// A u16 proportion: an integer is the stored value, a decimal a proportion of one.
    fn opt_u16_prop(&self, name: &str) -> Result<Option<u16>, CaseError> {
        match self.0.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Number(num)) => {
                if let Some(i) = num.as_u64() {
                    return u16::try_from(i).map(Some).map_err(|_| {
                        field_err(name, format!("{i} is over the u16 maximum 65535"))
                    });
                }
                match num.as_f64() {
                    Some(x) if (0.0..=1.0).contains(&x) => Ok(Some((x * 65535.0).round() as u16)),
                    _ => Err(field_err(
                        name,
                        format!("expected 0..=65535 or a proportion 0.0..=1.0, got {num}"),
                    )),
                }
            }
            Some(_) => Err(field_err(name, "expected a number")),
        }
    }
    /// An optional array whose items `item` parses; errors name the item's index.
    fn opt_array<T>(
        &self,
        name: &str,
        what: &str,
        item: impl Fn(&Value) -> Result<T, String>,
    ) -> Result<Option<Vec<T>>, CaseError> {
        match self.0.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Array(items)) => items
                .iter()
                .enumerate()
                .map(|(i, v)| item(v).map_err(|m| field_err(format!("{name}[{i}]"), m)))
                .collect::<Result<Vec<_>, _>>()
                .map(Some),
            Some(_) => Err(field_err(name, format!("expected an array of {what}"))),
        }
    }
    fn opt_vec_u64(&self, name: &str) -> Result<Option<Vec<u64>>, CaseError> {
        self.opt_array(name, "whole numbers", |v| whole(v, 0, u64::MAX))
    }
    fn opt_vec_u16(&self, name: &str) -> Result<Option<Vec<u16>>, CaseError> {
        self.opt_array(name, "u16 values", |v| {
            whole(v, 0, u64::from(u16::MAX)).map(|x| x as u16)
        })
    }
    fn opt_vec_bool(&self, name: &str) -> Result<Option<Vec<bool>>, CaseError> {
        self.opt_array(name, "booleans", |v| match v {
            Value::Bool(b) => Ok(*b),
            Value::Number(x) if x.as_u64() == Some(0) => Ok(false),
            Value::Number(x) if x.as_u64() == Some(1) => Ok(true),
            _ => Err("expected true/false or 0/1".into()),
        })
    }
    fn dense_u16(&self, name: &str) -> Result<Option<Vec<Vec<u16>>>, CaseError> {
        let rows = match self.0.get(name) {
            None | Some(Value::Null) => return Ok(None),
            Some(Value::Array(rows)) => rows,
            Some(_) => return Err(field_err(name, "expected an array of rows")),
        };
        rows.iter()
            .enumerate()
            .map(|(i, row)| {
                let row = row
                    .as_array()
                    .ok_or_else(|| field_err(format!("{name}[{i}]"), "expected an array of u16"))?;
                row.iter()
                    .enumerate()
                    .map(|(j, v)| {
                        whole(v, 0, u64::from(u16::MAX))
                            .map(|w| w as u16)
                            .map_err(|m| field_err(format!("{name}[{i}][{j}]"), m))
                    })
                    .collect()
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some)
    }
    fn sparse_u16(&self, name: &str) -> Result<Option<Vec<SparseRow>>, CaseError> {
        let rows = match self.0.get(name) {
            None | Some(Value::Null) => return Ok(None),
            Some(Value::Array(rows)) => rows,
            Some(_) => return Err(field_err(name, "expected an array of rows")),
        };
        rows.iter()
            .enumerate()
            .map(|(i, row)| {
                let row = row.as_array().ok_or_else(|| {
                    field_err(
                        format!("{name}[{i}]"),
                        "expected an array of [uid, value] pairs",
                    )
                })?;
                row.iter()
                    .enumerate()
                    .map(|(k, pair)| {
                        let at = format!("{name}[{i}][{k}]");
                        let pair = pair
                            .as_array()
                            .filter(|p| p.len() == 2)
                            .ok_or_else(|| field_err(&at, "expected a [uid, value] pair"))?;
                        let uid = whole(&pair[0], 0, u64::from(u16::MAX))
                            .map_err(|m| field_err(format!("{at}[0]"), m))?;
                        let val = whole(&pair[1], 0, u64::from(u16::MAX))
                            .map_err(|m| field_err(format!("{at}[1]"), m))?;
                        Ok((uid as u16, val as u16))
                    })
                    .collect()
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some)
    }
    /// A matrix given densely under `dense` or sparsely under `sparse` (not both).
    fn sparse_or_dense(
        &self,
        dense: &str,
        sparse: &str,
        default_rows: Option<usize>,
    ) -> Result<Vec<Vec<(u16, u16)>>, CaseError> {
        match (self.dense_u16(dense)?, self.sparse_u16(sparse)?) {
            (Some(_), Some(_)) => Err(field_err(
                sparse,
                format!("give either `{dense}` or `{sparse}`, not both"),
            )),
            (Some(rows), None) => {
                let width = rows.len();
                rows.into_iter()
                    .enumerate()
                    .map(|(i, row)| {
                        if row.len() != width {
                            return Err(field_err(
                                format!("{dense}[{i}]"),
                                format!(
                                    "has {} entries; a full layout is {width} × {width}",
                                    row.len()
                                ),
                            ));
                        }
                        Ok(row
                            .into_iter()
                            .enumerate()
                            .filter(|&(_, w)| w != 0)
                            .map(|(j, w)| (j as u16, w))
                            .collect())
                    })
                    .collect()
            }
            (None, Some(rows)) => Ok(rows),
            (None, None) => match default_rows {
                Some(n) => Ok(vec![Vec::new(); n]),
                None => Err(field_err(
                    dense,
                    format!("required: `{dense}` (n × n u16) or `{sparse}` ([uid, u16] rows)"),
                )),
            },
        }
    }
}

/// A whole number in `lo..=hi`, with a message saying what was wrong.
fn whole(v: &Value, lo: u64, hi: u64) -> Result<u64, String> {
    match v {
        Value::Number(num) => match num.as_u64() {
            Some(x) if (lo..=hi).contains(&x) => Ok(x),
            Some(x) => Err(format!("{x} is outside {lo}..={hi}")),
            None => Err(format!("expected a whole number in {lo}..={hi}, got {num}")),
        },
        other => Err(format!("expected a whole number, got {}", kind(other))),
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// The output object the `taoscope yuma` command prints.
pub fn output_json(out: &EpochOutput, engine: &str) -> Value {
    json!({
        "engine": engine,
        "consensus": out.floats.consensus,
        "incentive": out.floats.incentive,
        "dividends": out.floats.dividends,
        "validator_trust": out.floats.validator_trust,
        "stake": out.floats.stake,
        "consensus_u16": out.consensus_u16,
        "incentive_u16": out.incentive_u16,
        "dividends_u16": out.dividends_u16,
        "validator_trust_u16": out.validator_trust_u16,
        "stake_weight_u16": out.stake_weight_u16,
        "bonds_u16": out.bonds,
        "active": out.active,
        "validator_permits": out.validator_permits,
        "emission_rao": out.emission,
        "server_emission_rao": out.server_emission,
        "validator_emission_rao": out.validator_emission,
        "ranking": out.ranking(),
    })
}

#[cfg(test)]
mod tests;
