//! The policy network: an MLP from encoded observations to one logit per action plus a value
//! estimate (the baseline for policy-gradient training). Impossible actions are masked out before
//! choosing. Saved as safetensors whose metadata holds the observation-encoding version, checked
//! at load.

use std::collections::HashMap;
use std::path::Path;

use candle_core::{DType, Device, Module, Tensor};
use candle_nn::{Linear, VarBuilder, VarMap};

use super::encoding::{ACTIONS, OBS_DIM, OBS_VERSION};
use crate::decide::Action;
use crate::ml::weights::{self, TrainedError};

/// Identifies the file format in the metadata.
pub(crate) const FORMAT: &str = "npc-minds-policy/1";

/// Why a policy could not be loaded, saved or run.
pub type PolicyError = TrainedError;

/// What to do about a policy file trained for something else.
const RETRAIN: &str = "retrain it with `npc-minds train-policy`";

/// Hidden units of both layers.
pub const HIDDEN: usize = 64;

/// The MLP: observation → 64 → 64 (ReLU) → action logits, and → value.
pub struct PolicyNet {
    l1: Linear,
    l2: Linear,
    logits: Linear,
    value: Linear,
    pub(crate) hidden: usize,
    /// Free-form facts about the training run, kept in the file.
    pub(crate) notes: Vec<(String, String)>,
}

/// Action names in output order, as written in the metadata.
fn action_list() -> String {
    Action::ALL.map(|a| a.name()).join(",")
}

/// A large negative logit for masked actions (finite, so softmax stays defined).
const MASKED: f32 = -1e9;

/// Softmax over the possible actions of one row into `p` (impossible ones get 0), and the most
/// likely possible action. A row with no possible action, or only NaN scores, decides `Idle`.
pub(crate) fn masked_softmax_into(
    row: &[f32],
    mask: &[bool; ACTIONS],
    p: &mut [f32; ACTIONS],
) -> Action {
    let possible = |i: usize| mask[i] && row[i].is_finite();
    let max = (0..ACTIONS)
        .filter(|&i| possible(i))
        .map(|i| row[i])
        .fold(f32::NEG_INFINITY, f32::max);
    for (i, v) in p.iter_mut().enumerate() {
        *v = if possible(i) {
            (row[i] - max).exp()
        } else {
            0.0
        };
    }
    let sum: f32 = p.iter().sum();
    if sum > 0.0 {
        p.iter_mut().for_each(|v| *v /= sum);
    }
    let best = (0..ACTIONS)
        .filter(|&i| possible(i))
        .fold(None, |b: Option<usize>, i| match b {
            Some(j) if p[j] >= p[i] => Some(j),
            _ => Some(i),
        });
    best.map_or(Action::Idle, |i| Action::ALL[i])
}

fn masked_softmax(row: &[f32], mask: &[bool; ACTIONS]) -> (Action, Vec<f32>) {
    let mut p = [0f32; ACTIONS];
    let a = masked_softmax_into(row, mask, &mut p);
    (a, p.to_vec())
}

impl PolicyNet {
    /// A freshly initialised network whose variables live in `vars` (for training).
    pub fn new(vars: &VarMap, hidden: usize) -> candle_core::Result<Self> {
        let vb = VarBuilder::from_varmap(vars, DType::F32, &Device::Cpu);
        Self::build(vb, hidden, vec![])
    }

    fn build(
        vb: VarBuilder,
        hidden: usize,
        notes: Vec<(String, String)>,
    ) -> candle_core::Result<Self> {
        Ok(PolicyNet {
            l1: candle_nn::linear(OBS_DIM, hidden, vb.pp("l1"))?,
            l2: candle_nn::linear(hidden, hidden, vb.pp("l2"))?,
            logits: candle_nn::linear(hidden, ACTIONS, vb.pp("logits"))?,
            value: candle_nn::linear(hidden, 1, vb.pp("value"))?,
            hidden,
            notes,
        })
    }

    /// The layers that decide (hidden, hidden, logits), for [`super::runner::PolicyRunner`].
    pub(crate) fn layers(&self) -> (&Linear, &Linear, &Linear) {
        (&self.l1, &self.l2, &self.logits)
    }

    /// (n, OBS_DIM) observations → ((n, ACTIONS) logits, (n,) values).
    pub fn forward(&self, x: &Tensor) -> candle_core::Result<(Tensor, Tensor)> {
        // ReLU, not tanh: over 10,000 NPCs the transcendental function dominated the forward pass.
        let h = self.l1.forward(x)?.relu()?;
        let h = self.l2.forward(&h)?.relu()?;
        Ok((
            self.logits.forward(&h)?,
            self.value.forward(&h)?.squeeze(1)?,
        ))
    }

    /// Logits with impossible actions pushed to a large negative number. `mask` is (n, ACTIONS)
    /// of 1 (possible) and 0 (impossible).
    pub(crate) fn masked(logits: &Tensor, mask: &Tensor) -> candle_core::Result<Tensor> {
        let penalty = ((mask.ones_like()? - mask)? * (MASKED as f64))?;
        logits * mask + penalty
    }

    /// The best possible action for each row, from one forward pass, and the probability of
    /// every action (0 for impossible ones). Masking and softmax run on the 10 logits of each row
    /// in plain Rust: as tensor ops over 10,000 rows they cost more than the network.
    pub fn decide(
        &self,
        obs: &[[f32; OBS_DIM]],
        masks: &[[bool; ACTIONS]],
    ) -> candle_core::Result<Vec<(Action, Vec<f32>)>> {
        if obs.is_empty() {
            return Ok(Vec::new());
        }
        let x = Tensor::from_vec(obs.concat(), (obs.len(), OBS_DIM), &Device::Cpu)?;
        let (logits, _) = self.forward(&x)?;
        let logits = logits.flatten_all()?.to_vec1::<f32>()?;
        Ok(logits
            .chunks_exact(ACTIONS)
            .zip(masks)
            .map(|(row, mask)| masked_softmax(row, mask))
            .collect())
    }

    /// Loads weights, checking format, encoding version, sizes and action order.
    pub fn load(path: &Path) -> Result<Self, PolicyError> {
        let (bytes, meta) = weights::read(path)?;
        let m = weights::Metadata {
            path,
            meta: &meta,
            fix: RETRAIN,
        };
        let expect = |key: &str, want: String| -> Result<(), PolicyError> {
            let got = m.get(key)?;
            if got == want {
                Ok(())
            } else {
                Err(m.mismatch(format!("{key} is {got:?}, expected {want:?}")))
            }
        };
        expect("format", FORMAT.into())?;
        expect("obs_version", OBS_VERSION.to_string())?;
        expect("obs_dim", OBS_DIM.to_string())?;
        expect("actions", action_list())?;
        let hidden: usize = m.num("hidden")?;
        let notes = meta
            .iter()
            .filter(|(k, _)| {
                !["format", "obs_version", "obs_dim", "actions", "hidden"].contains(&k.as_str())
            })
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let vb = VarBuilder::from_buffered_safetensors(bytes, DType::F32, &Device::Cpu)
            .map_err(|e| m.mismatch(e))?;
        Self::build(vb, hidden, notes).map_err(|e| m.mismatch(e))
    }

    /// Writes the weights with their metadata.
    pub fn save(&self, path: &Path) -> Result<(), PolicyError> {
        self.save_with_notes(path, &self.notes)
    }

    /// Writes the weights with their metadata and these notes (training progress).
    pub(crate) fn save_with_notes(
        &self,
        path: &Path,
        notes: &[(String, String)],
    ) -> Result<(), PolicyError> {
        let mut meta: HashMap<String, String> = notes.iter().cloned().collect();
        meta.insert("format".into(), FORMAT.into());
        meta.insert("obs_version".into(), OBS_VERSION.to_string());
        meta.insert("obs_dim".into(), OBS_DIM.to_string());
        meta.insert("actions".into(), action_list());
        meta.insert("hidden".into(), self.hidden.to_string());
        let tensors = weights::linear_tensors(&[
            ("l1", &self.l1),
            ("l2", &self.l2),
            ("logits", &self.logits),
            ("value", &self.value),
        ]);
        Ok(weights::write(path, tensors, meta)?)
    }
}
