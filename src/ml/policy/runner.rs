//! The policy network for deciding, not training: its weights copied out of candle once into our
//! dense layers (`npc_kernels::dense`), and one batch buffer that grows to the largest batch seen
//! and is then reused, so deciding allocates nothing. Same arithmetic as [`PolicyNet::decide`] up
//! to float rounding (fused multiply-adds).

use candle_nn::Linear;
use npc_kernels::Kernel;
use npc_kernels::dense::Dense;

use super::encoding::{ACTIONS, OBS_DIM};
use super::net::{PolicyNet, masked_softmax_into};
use crate::decide::Action;

/// One row's decision: the best possible action and every action's probability.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Decision {
    pub action: Action,
    pub probs: [f32; ACTIONS],
}

/// A policy ready to decide, with its reusable buffers.
pub struct PolicyRunner {
    l1: Dense,
    l2: Dense,
    logits: Dense,
    kernel: Kernel,
    h1: Vec<f32>,
    h2: Vec<f32>,
    out: Vec<f32>,
    decisions: Vec<Decision>,
}

fn dense(l: &Linear) -> candle_core::Result<Dense> {
    let (outputs, inputs) = l.weight().dims2()?;
    let w = l.weight().flatten_all()?.to_vec1::<f32>()?;
    let b = match l.bias() {
        Some(b) => b.to_vec1::<f32>()?,
        None => vec![0.0; outputs],
    };
    Dense::new(inputs, outputs, &w, &b).map_err(|e| candle_core::Error::Msg(e.to_string()))
}

fn grow(v: &mut Vec<f32>, n: usize) -> &mut [f32] {
    if v.len() < n {
        v.resize(n, 0.0);
    }
    &mut v[..n]
}

impl PolicyRunner {
    pub fn new(net: &PolicyNet) -> candle_core::Result<Self> {
        let (l1, l2, logits) = net.layers();
        Ok(PolicyRunner {
            l1: dense(l1)?,
            l2: dense(l2)?,
            logits: dense(logits)?,
            kernel: Kernel::best(),
            h1: Vec::new(),
            h2: Vec::new(),
            out: Vec::new(),
            decisions: Vec::new(),
        })
    }

    /// Decides with kernel `k` from now on (tests compare kernels).
    pub(crate) fn set_kernel(&mut self, k: Kernel) {
        self.kernel = k;
    }

    /// The best possible action of every row, with the probabilities (0 for impossible actions).
    pub fn decide(&mut self, obs: &[[f32; OBS_DIM]], masks: &[[bool; ACTIONS]]) -> &[Decision] {
        let n = obs.len().min(masks.len());
        let hidden = self.l1.outputs;
        let x = obs[..n].as_flattened();
        let h1 = grow(&mut self.h1, n * hidden);
        self.l1.forward(self.kernel, x, n, true, h1);
        let h2 = grow(&mut self.h2, n * self.l2.outputs);
        self.l2.forward(self.kernel, h1, n, true, h2);
        let out = grow(&mut self.out, n * ACTIONS);
        self.logits.forward(self.kernel, h2, n, false, out);
        self.decisions.clear();
        for (row, mask) in out.chunks_exact(ACTIONS).zip(masks) {
            let mut probs = [0f32; ACTIONS];
            let action = masked_softmax_into(row, mask, &mut probs);
            self.decisions.push(Decision { action, probs });
        }
        &self.decisions
    }
}
