//! Training the policy in candle: behaviour cloning of the utility AI as a warm start, then
//! advantage actor-critic (REINFORCE with a learned value baseline and an entropy bonus) on the
//! world's reward. The sampler below serves the policy lane during training and logs every
//! decision; the command that drives the simulation turns the log and the rewards into [`Step`]s.

use std::sync::{Arc, Mutex};

use candle_core::{D, Device, Tensor};
use candle_nn::{AdamW, Optimizer, ParamsAdamW, VarMap};

use super::encoding::{ACTIONS, OBS_DIM, encode};
use super::net::PolicyNet;
use crate::decide::Action;
use crate::decide::action_mask;
use crate::decide::utility;
use crate::inference::backends::fail_batch;
use crate::inference::{Backend, InferenceError, JobInput, JobOutput, StreamContext};
use crate::ml::seeded::Rng;

/// What the sampler decides with.
pub(crate) struct SamplerState {
    /// The network being trained; `None` means "act as the utility AI" (behaviour-cloning data).
    pub(crate) net: Option<Arc<PolicyNet>>,
    /// Its state is the salt of every draw (set once per episode).
    pub(crate) rng: Rng,
}

/// Serves the policy lane while training: samples from the network's masked softmax, or asks
/// the utility AI. (What was decided is read back from the simulation's results.)
pub(crate) struct Sampler(pub Arc<Mutex<SamplerState>>);

fn sample(probs: &[f32], u: f32) -> usize {
    let mut acc = 0.0;
    for (i, p) in probs.iter().enumerate() {
        acc += p;
        if u < acc {
            return i;
        }
    }
    probs.iter().rposition(|p| *p > 0.0).unwrap_or(0)
}

impl Backend for Sampler {
    fn model_id(&self) -> String {
        "policy-sampler".into()
    }

    fn infer(
        &mut self,
        batch: &[JobInput],
        _ctx: &mut dyn StreamContext,
    ) -> Vec<Result<JobOutput, InferenceError>> {
        let state = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let mut rows = Vec::with_capacity(batch.len());
        let mut masks = Vec::with_capacity(batch.len());
        let mut teacher = Vec::with_capacity(batch.len());
        let mut keys = Vec::with_capacity(batch.len());
        for input in batch {
            let encoded = match input {
                JobInput::Policy(o) => encode(o).map(|x| (x, o)),
                _ => {
                    return batch
                        .iter()
                        .map(|_| Err(InferenceError::WrongInput))
                        .collect();
                }
            };
            match encoded {
                Ok((x, o)) => {
                    rows.push(x);
                    masks.push(action_mask(o));
                    teacher.push(utility::decide(o).index());
                    keys.push(input.stable_hash());
                }
                Err(e) => {
                    return fail_batch(batch, e);
                }
            }
        }
        // Each draw depends on the run's seed and the observation only, not on how the lane
        // happened to batch jobs, so a seed gives the same episode.
        let salt = state.rng.0;
        let actions: Vec<usize> = match state.net.clone() {
            None => teacher,
            Some(net) => match net.decide(&rows, &masks) {
                Ok(d) => d
                    .iter()
                    .zip(&keys)
                    .map(|((_, p), key)| sample(p, Rng(salt ^ key).unit()))
                    .collect(),
                Err(e) => {
                    return fail_batch(batch, e);
                }
            },
        };
        actions
            .into_iter()
            .map(|a| {
                Ok(JobOutput::Policy {
                    action: Action::ALL[a],
                    scores: vec![],
                })
            })
            .collect()
    }
}

/// A decision with its discounted return, ready for a gradient step.
#[derive(Clone, Debug)]
pub struct Step {
    pub(crate) obs: [f32; OBS_DIM],
    pub(crate) mask: [bool; ACTIONS],
    pub(crate) action: usize,
    pub(crate) ret: f32,
}

/// Returns are divided by this for the value head.
const RETURN_SCALE: f64 = 10.0;

/// Training settings.
#[derive(Clone, Debug)]
pub(crate) struct PolicySettings {
    /// Weight of the policy loss (0 trains the value head alone, as a warm-up).
    pub(crate) policy_weight: f64,
    /// PPO clip range of the probability ratio.
    pub(crate) clip: f64,
    pub(crate) learning_rate: f64,
    pub(crate) epochs: usize,
    pub(crate) batch: usize,
    pub(crate) entropy: f64,
    pub(crate) value_weight: f64,
}

impl Default for PolicySettings {
    fn default() -> Self {
        PolicySettings {
            policy_weight: 1.0,
            clip: 0.2,
            learning_rate: 1e-4,
            epochs: 4,
            batch: 512,
            entropy: 0.02,
            value_weight: 0.5,
        }
    }
}

/// Loss figures of one update.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct UpdateStats {
    pub(crate) policy_loss: f32,
    pub(crate) value_loss: f32,
    pub(crate) entropy: f32,
}

fn tensors(steps: &[&Step]) -> candle_core::Result<(Tensor, Tensor, Tensor, Tensor)> {
    let n = steps.len();
    let x: Vec<f32> = steps.iter().flat_map(|s| s.obs).collect();
    let m: Vec<f32> = steps
        .iter()
        .flat_map(|s| s.mask.map(|ok| if ok { 1.0 } else { 0.0 }))
        .collect();
    let a: Vec<u32> = steps.iter().map(|s| s.action as u32).collect();
    let r: Vec<f32> = steps.iter().map(|s| s.ret).collect();
    Ok((
        Tensor::from_vec(x, (n, OBS_DIM), &Device::Cpu)?,
        Tensor::from_vec(m, (n, ACTIONS), &Device::Cpu)?,
        Tensor::from_vec(a, n, &Device::Cpu)?,
        Tensor::from_vec(r, n, &Device::Cpu)?,
    ))
}

/// The optimiser for `vars`.
pub(crate) fn optimizer(vars: &VarMap, lr: f64) -> candle_core::Result<AdamW> {
    AdamW::new(
        vars.all_vars(),
        ParamsAdamW {
            lr,
            weight_decay: 0.0,
            ..Default::default()
        },
    )
}

/// Behaviour cloning: cross-entropy towards the teacher's actions (`Step::action`).
pub(crate) fn clone_step(
    net: &PolicyNet,
    opt: &mut AdamW,
    steps: &[Step],
    s: &PolicySettings,
    rng: &mut Rng,
) -> candle_core::Result<f32> {
    let mut order: Vec<usize> = (0..steps.len()).collect();
    shuffle(&mut order, rng);
    let (mut sum, mut n) = (0.0, 0);
    for chunk in order.chunks(s.batch.max(1)) {
        let batch: Vec<&Step> = chunk.iter().map(|&i| &steps[i]).collect();
        let (x, m, a, _) = tensors(&batch)?;
        let (logits, _) = net.forward(&x)?;
        let loss = candle_nn::loss::cross_entropy(&PolicyNet::masked(&logits, &m)?, &a)?;
        opt.backward_step(&loss)?;
        sum += loss.to_scalar::<f32>()?;
        n += 1;
    }
    Ok(sum / n.max(1) as f32)
}

fn shuffle<T>(v: &mut [T], rng: &mut Rng) {
    for i in (1..v.len()).rev() {
        let j = (rng.next_u64() % (i as u64 + 1)) as usize;
        v.swap(i, j);
    }
}

/// Log-probability of each step's action under the network as it is now (no gradient).
fn log_probs(net: &PolicyNet, steps: &[Step], batch: usize) -> candle_core::Result<Vec<f32>> {
    let mut out = Vec::with_capacity(steps.len());
    for chunk in steps.chunks(batch.max(1)) {
        let refs: Vec<&Step> = chunk.iter().collect();
        let (x, m, a, _) = tensors(&refs)?;
        let (logits, _) = net.forward(&x)?;
        let logp = candle_nn::ops::log_softmax(&PolicyNet::masked(&logits, &m)?, D::Minus1)?;
        out.extend(
            logp.gather(&a.unsqueeze(1)?, 1)?
                .squeeze(1)?
                .to_vec1::<f32>()?,
        );
    }
    Ok(out)
}

/// One actor-critic update over `steps` with PPO's clipped objective: advantages are returns
/// minus the value estimate, normalised per batch; the probability ratio to the policy that
/// collected the steps is clipped so one update cannot move the policy far.
pub(crate) fn actor_critic_step(
    net: &PolicyNet,
    opt: &mut AdamW,
    steps: &[Step],
    s: &PolicySettings,
    rng: &mut Rng,
) -> candle_core::Result<UpdateStats> {
    let mut stats = UpdateStats::default();
    let mut n = 0;
    let old = log_probs(net, steps, s.batch)?;
    for _ in 0..s.epochs.max(1) {
        let mut order: Vec<usize> = (0..steps.len()).collect();
        shuffle(&mut order, rng);
        for chunk in order.chunks(s.batch.max(1)) {
            let batch: Vec<&Step> = chunk.iter().map(|&i| &steps[i]).collect();
            let (x, m, a, r) = tensors(&batch)?;
            let old: Vec<f32> = chunk.iter().map(|&i| old[i]).collect();
            let old = Tensor::from_vec(old, chunk.len(), &Device::Cpu)?;
            let (logits, value) = net.forward(&x)?;
            let logp = candle_nn::ops::log_softmax(&PolicyNet::masked(&logits, &m)?, D::Minus1)?;
            let taken = logp.gather(&a.unsqueeze(1)?, 1)?.squeeze(1)?;
            let ratio = (&taken - old)?.exp()?;
            // Returns are tens of reward units; the value head learns them scaled down so its
            // loss does not swamp the policy's gradient in the shared layers.
            let r = (r / RETURN_SCALE)?;
            let adv = (&r - value.detach())?;
            let mean = adv.mean_all()?;
            let centred = adv.broadcast_sub(&mean)?;
            let std = (centred.sqr()?.mean_all()?.sqrt()? + 1e-6)?;
            let adv = centred.broadcast_div(&std)?;
            let clipped = ratio.clamp(1.0 - s.clip, 1.0 + s.clip)?;
            let policy_loss = (&ratio * &adv)?
                .minimum(&(clipped * &adv)?)?
                .mean_all()?
                .neg()?;
            let value_loss = (value - &r)?.sqr()?.mean_all()?;
            let probs = logp.exp()?;
            // Entropy over possible actions only (masked ones have probability ~0).
            let entropy = (probs * (logp.clamp(-30.0, 0.0)?))?
                .sum(D::Minus1)?
                .mean_all()?
                .neg()?;
            let loss = (((&policy_loss * s.policy_weight)? + (&value_loss * s.value_weight)?)?
                - (&entropy * (s.entropy * s.policy_weight))?)?;
            opt.backward_step(&loss)?;
            stats.policy_loss += policy_loss.to_scalar::<f32>()?;
            stats.value_loss += value_loss.to_scalar::<f32>()?;
            stats.entropy += entropy.to_scalar::<f32>()?;
            n += 1;
        }
    }
    let k = n.max(1) as f32;
    stats.policy_loss /= k;
    stats.value_loss /= k;
    stats.entropy /= k;
    Ok(stats)
}
