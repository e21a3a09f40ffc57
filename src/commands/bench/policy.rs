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
use npc_kernels::Kernel;

/// Arguments of the policy benchmark.
#[derive(Debug, clap::Args)]
pub struct PolicyBenchArgs {
    /// NPCs deciding in one batch.
    #[arg(long, default_value_t = 10_000)]
    pub(crate) npcs: usize,
    /// The trained weights (a freshly initialised network of the same shape when missing).
    #[arg(long, default_value = "models/policy.safetensors")]
    pub(crate) weights: PathBuf,
    /// Measured runs (after one warm-up); medians are reported.
    #[arg(long, default_value_t = 50)]
    pub(crate) runs: usize,
    /// Also time candle's network on the same batch (the path it replaces), side by side.
    #[arg(long)]
    pub(crate) reference: bool,
    /// Kernels to run the dense layers with, side by side in each run (`scalar`, `avx2`,
    /// `avx512-vnni`; one this CPU lacks is refused). The top-level figures are the first's.
    /// Default: the best this CPU has.
    #[arg(long, value_delimiter = ',', value_parser = Kernel::from_name)]
    pub(crate) kernel: Vec<Kernel>,
    /// Print one JSON object.
    #[arg(long)]
    pub(crate) json: bool,
}

/// Figures of `bench policy` (medians).
#[derive(Debug, Serialize)]
pub(crate) struct PolicyBench {
    pub(crate) weights: String,
    pub(crate) kernel: &'static str,
    pub(crate) npcs: usize,
    pub(crate) runs: usize,
    pub(crate) ms_per_batch: f64,
    pub(crate) decisions_per_s: f64,
    /// candle's network on the same batch, with `--reference`.
    pub(crate) reference_ms_per_batch: Option<f64>,
    /// How many decisions the two paths disagreed on (float rounding near ties).
    pub(crate) reference_disagreements: Option<usize>,
    /// Every kernel asked for, measured in the same runs.
    pub(crate) kernels: Vec<KernelFigures>,
}

/// One kernel's figures (medians).
#[derive(Debug, Serialize)]
pub(crate) struct KernelFigures {
    pub(crate) kernel: &'static str,
    pub(crate) ms_per_batch: f64,
    pub(crate) decisions_per_s: f64,
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

pub(crate) fn run(a: PolicyBenchArgs) -> anyhow::Result<ExitCode> {
    let (net, weights) = match PolicyNet::load(&a.weights) {
        Ok(n) => (n, a.weights.display().to_string()),
        Err(e) => {
            eprintln!("{e}; timing a freshly initialised network of the same shape");
            (PolicyNet::new(&VarMap::new(), HIDDEN)?, "untrained".into())
        }
    };
    let mut runner = PolicyRunner::new(&net)?;
    let kernels = match a.kernel.is_empty() {
        true => vec![Kernel::best()],
        false => a.kernel.clone(),
    };
    let obs = observations(a.npcs.max(1));
    let (mut rows, mut masks): (Vec<[f32; OBS_DIM]>, Vec<[bool; ACTIONS]>) =
        (Vec::with_capacity(obs.len()), Vec::with_capacity(obs.len()));
    let runs = a.runs.max(1);
    let mut ours: Vec<Vec<f64>> = vec![Vec::new(); kernels.len()];
    let mut reference = Vec::new();
    let mut disagreements = 0;
    for run in 0..=runs {
        let mut ours_actions = Vec::new();
        for (i, k) in kernels.iter().enumerate() {
            runner.set_kernel(*k);
            let t = Instant::now();
            rows.clear();
            masks.clear();
            for o in &obs {
                rows.push(encode(o)?);
                masks.push(action_mask(o));
            }
            let decided = runner.decide(&rows, &masks);
            let ms = t.elapsed().as_secs_f64() * 1e3;
            if i == 0 {
                ours_actions = decided.iter().map(|d| d.action).collect();
            }
            if run > 0 {
                ours[i].push(ms);
            }
        }
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
    }
    let figures: Vec<KernelFigures> = kernels
        .iter()
        .zip(ours)
        .map(|(k, times)| {
            let ms = median(times);
            KernelFigures {
                kernel: k.name(),
                ms_per_batch: ms,
                decisions_per_s: obs.len() as f64 / (ms / 1e3),
            }
        })
        .collect();
    let ms = figures[0].ms_per_batch;
    let r = PolicyBench {
        weights,
        kernel: kernels[0].name(),
        npcs: obs.len(),
        runs,
        ms_per_batch: ms,
        decisions_per_s: obs.len() as f64 / (ms / 1e3),
        reference_ms_per_batch: a.reference.then(|| median(reference)),
        reference_disagreements: a.reference.then_some(disagreements),
        kernels: figures,
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
