//! `npc-minds bench policy`: the decision policy deciding for a batch of NPCs as the policy lane
//! does (encoding each observation, the network, masked softmax and the best action), through the
//! deciding runner (one reused batch buffer), with `--reference` also through candle's network.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use candle_nn::VarMap;
use serde::Serialize;

use super::{median, print};
use crate::decide::{Observation, action_mask};
use crate::ml::policy::encoding::{ACTIONS, OBS_DIM, encode};
use crate::ml::policy::net::{HIDDEN, PolicyNet};
use crate::ml::policy::runner::PolicyRunner;

/// Arguments of the policy benchmark.
#[derive(Debug, clap::Args)]
pub struct PolicyBenchArgs {
    /// NPCs deciding in one batch.
    #[arg(long, default_value_t = 10_000)]
    pub npcs: usize,
    /// The trained weights (a freshly initialised network of the same shape when missing).
    #[arg(long, default_value = "models/policy.safetensors")]
    pub weights: PathBuf,
    /// Measured runs (after one warm-up); medians are reported.
    #[arg(long, default_value_t = 50)]
    pub runs: usize,
    /// Also time candle's network on the same batch (the path it replaces), side by side.
    #[arg(long)]
    pub reference: bool,
    /// Print one JSON object.
    #[arg(long)]
    pub json: bool,
}

/// Figures of `bench policy` (medians).
#[derive(Debug, Serialize)]
pub struct PolicyBench {
    pub weights: String,
    pub kernel: &'static str,
    pub npcs: usize,
    pub runs: usize,
    pub ms_per_batch: f64,
    pub decisions_per_s: f64,
    /// candle's network on the same batch, with `--reference`.
    pub reference_ms_per_batch: Option<f64>,
    /// How many decisions the two paths disagreed on (float rounding near ties).
    pub reference_disagreements: Option<usize>,
}

/// Observations spread over the day, needs, distances and threats.
fn observations(n: usize) -> Vec<Observation> {
    (0..n)
        .map(|i| Observation {
            needs: [
                (i % 7) as f32 / 7.0,
                (i % 3) as f32 / 3.0,
                (i % 5) as f32 / 5.0,
            ],
            hour: (i % 24) as f32,
            player: ([0.0, 1.0], (i % 900) as f32),
            threat: ([1.0, 0.0], (i % 400) as f32),
            ..Default::default()
        })
        .collect()
}

pub fn run(a: PolicyBenchArgs) -> anyhow::Result<ExitCode> {
    let (net, weights) = match PolicyNet::load(&a.weights) {
        Ok(n) => (n, a.weights.display().to_string()),
        Err(e) => {
            eprintln!("{e}; timing a freshly initialised network of the same shape");
            (PolicyNet::new(&VarMap::new(), HIDDEN)?, "untrained".into())
        }
    };
    let mut runner = PolicyRunner::new(&net)?;
    let obs = observations(a.npcs.max(1));
    let (mut rows, mut masks): (Vec<[f32; OBS_DIM]>, Vec<[bool; ACTIONS]>) =
        (Vec::with_capacity(obs.len()), Vec::with_capacity(obs.len()));
    let runs = a.runs.max(1);
    let (mut ours, mut reference) = (Vec::new(), Vec::new());
    let mut disagreements = 0;
    for run in 0..=runs {
        let t = Instant::now();
        rows.clear();
        masks.clear();
        for o in &obs {
            rows.push(encode(o)?);
            masks.push(action_mask(o));
        }
        let decided = runner.decide(&rows, &masks);
        let ms = t.elapsed().as_secs_f64() * 1e3;
        let ours_actions: Vec<_> = decided.iter().map(|d| d.action).collect();
        if a.reference {
            let t = Instant::now();
            let rows: Vec<[f32; OBS_DIM]> = obs.iter().map(encode).collect::<Result<_, _>>()?;
            let masks: Vec<[bool; ACTIONS]> = obs.iter().map(action_mask).collect();
            let theirs = net.decide(&rows, &masks)?;
            if run > 0 {
                reference.push(t.elapsed().as_secs_f64() * 1e3);
            } else {
                disagreements = theirs
                    .iter()
                    .zip(&ours_actions)
                    .filter(|((x, _), y)| x != *y)
                    .count();
            }
        }
        if run > 0 {
            ours.push(ms);
        }
    }
    let ms = median(ours);
    let r = PolicyBench {
        weights,
        kernel: npc_kernels::Kernel::best().name(),
        npcs: obs.len(),
        runs,
        ms_per_batch: ms,
        decisions_per_s: obs.len() as f64 / (ms / 1e3),
        reference_ms_per_batch: a.reference.then(|| median(reference)),
        reference_disagreements: a.reference.then_some(disagreements),
    };
    if let Some(refms) = r.reference_ms_per_batch {
        eprintln!(
            "runner {ms:.2} ms vs candle {refms:.2} ms per {} decisions: {:.2}× faster",
            r.npcs,
            refms / ms
        );
    }
    print(&r, a.json)
}
