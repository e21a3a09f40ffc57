//! Training the decision policy in the headless village (`npc-minds train-policy`). Many NPCs act
//! as parallel environments in one lockstep simulation per iteration (a new world seed each time,
//! see `episode`); the returns feed an actor-critic update. Behaviour cloning of the utility AI
//! warms it up. Checkpoints after every iteration; the learning curve as CSV and as a PNG beside
//! it (`plot`).

pub mod episode;
pub mod plot;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use candle_nn::VarMap;

use crate::config::files::load_cast;
use crate::ml::policy::net::{HIDDEN, PolicyError, PolicyNet};
use crate::ml::policy::train::{
    PolicySettings, SamplerState, UpdateStats, actor_critic_step, clone_step, optimizer,
};
use crate::ml::seeded::{Rng, seeded_init};
use episode::run_episode;

/// Why training stopped.
#[derive(Debug, thiserror::Error)]
pub enum TrainError {
    #[error("no valid NPC configs in assets/npcs")]
    NoCast,
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{0}")]
    Policy(#[from] PolicyError),
    #[error("policy network: {0}")]
    Candle(#[from] candle_core::Error),
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> TrainError + '_ {
    move |source| TrainError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Iterations that train only the value head, at the start of a run.
const VALUE_WARMUP: usize = 2;

/// Options of `train-policy` (also its command-line arguments).
#[derive(Clone, Debug, clap::Args)]
pub struct TrainOptions {
    /// Training iterations (one simulated episode and one update each).
    #[arg(long, default_value_t = 80)]
    pub steps: usize,
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Continue from these weights (the optimiser's moments start afresh).
    #[arg(long, value_name = "CKPT")]
    pub resume: Option<PathBuf>,
    /// Where to write the weights (after every iteration).
    #[arg(long, default_value = "models/policy.safetensors")]
    pub out: PathBuf,
    /// Where to write the learning curve (CSV; the PNG goes beside it).
    #[arg(long, default_value = "models/policy_curve.csv")]
    pub curve: PathBuf,
    /// NPCs per episode (parallel environments).
    #[arg(long, default_value_t = 100)]
    pub npcs: usize,
    /// Game seconds per episode.
    #[arg(long, default_value_t = 480.0)]
    pub seconds: f64,
    /// Epochs of behaviour cloning before the first iteration (0: none; not when resuming).
    #[arg(long, default_value_t = 100)]
    pub clone_epochs: usize,
}

/// Writes the network with notes on how far training got.
fn checkpoint(
    net: &PolicyNet,
    path: &Path,
    notes: Vec<(String, String)>,
) -> Result<(), TrainError> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(io(parent))?;
    }
    Ok(net.save_with_notes(path, &notes)?)
}

/// Trains as `opts` says, writing the weights after every iteration and the learning curve;
/// returns the mean reward of each iteration's episode (index 0: the utility AI's episode when
/// cloning it). `log` receives progress lines.
pub fn train(opts: &TrainOptions, log: &mut dyn FnMut(&str)) -> Result<Vec<f64>, TrainError> {
    let (cast, problems) = load_cast("assets/npcs".as_ref(), "no-mods".as_ref());
    for p in &problems {
        log(&format!("warning: {p}"));
    }
    let mut rewards = Vec::new();
    if cast.is_empty() {
        return Err(TrainError::NoCast);
    }
    let settings = PolicySettings::default();
    let mut vars = VarMap::new();
    let net = Arc::new(PolicyNet::new(&vars, HIDDEN)?);
    let first = init_or_resume(&mut vars, opts, log)?;
    let mut opt = optimizer(&vars, settings.learning_rate)?;
    let mut rng = Rng(opts.seed ^ 0x7a11);
    let state = Arc::new(Mutex::new(SamplerState {
        net: None,
        rng: Rng(opts.seed ^ 0x5a5a),
    }));
    let mut curve = std::fs::File::create(&opts.curve).map_err(io(&opts.curve))?;
    writeln!(
        curve,
        "iteration,mean_reward,decisions,policy_loss,value_loss,entropy"
    )
    .map_err(io(&opts.curve))?;
    if opts.resume.is_none() && opts.clone_epochs > 0 {
        let teacher = run_episode(&cast, opts.npcs, opts.seconds, opts.seed, state.clone());
        log(&format!(
            "warm start: the utility AI made {} decisions (mean reward {:.4}); cloning it",
            teacher.steps.len(),
            teacher.mean_reward
        ));
        rewards.push(teacher.mean_reward);
        writeln!(
            curve,
            "0,{:.5},{},,,",
            teacher.mean_reward,
            teacher.steps.len()
        )
        .map_err(io(&opts.curve))?;
        for epoch in 1..=opts.clone_epochs {
            let loss = clone_step(&net, &mut opt, &teacher.steps, &settings, &mut rng)?;
            let shown = epoch == 1 || epoch % 10 == 0 || epoch == opts.clone_epochs;
            if shown {
                log(&format!(
                    "  clone epoch {epoch}/{}: loss {loss:.4}",
                    opts.clone_epochs
                ));
            }
        }
    }
    if opts.resume.is_none() {
        checkpoint(&net, &opts.out, vec![("iterations".into(), "0".into())])?;
    }
    state.lock().unwrap_or_else(|e| e.into_inner()).net = Some(net.clone());
    for it in first + 1..=first + opts.steps {
        let world_seed = opts.seed.wrapping_mul(1000).wrapping_add(it as u64);
        state.lock().unwrap_or_else(|e| e.into_inner()).rng = Rng(world_seed ^ 0x5a5a_5a5a);
        let ep = run_episode(&cast, opts.npcs, opts.seconds, world_seed, state.clone());
        // The value head starts untrained (after cloning, or on a fresh optimiser when
        // resuming): the first iterations fit it alone, so early advantages are not noise.
        let warming = it <= first + VALUE_WARMUP;
        let s = PolicySettings {
            policy_weight: if warming { 0.0 } else { 1.0 },
            ..settings.clone()
        };
        let stats = actor_critic_step(&net, &mut opt, &ep.steps, &s, &mut rng)?;
        log(&format!(
            "iteration {it}/{}: mean reward {:.4}/NPC/s over {} decisions; policy loss {:.4}, \
             value loss {:.4}, entropy {:.3}{}",
            first + opts.steps,
            ep.mean_reward,
            ep.steps.len(),
            stats.policy_loss,
            stats.value_loss,
            stats.entropy,
            if warming { " (value warm-up)" } else { "" }
        ));
        rewards.push(ep.mean_reward);
        writeln!(
            curve,
            "{it},{}",
            curve_row(ep.mean_reward, ep.steps.len(), &stats)
        )
        .map_err(io(&opts.curve))?;
        checkpoint(&net, &opts.out, iteration_notes(it, opts, ep.mean_reward))?;
    }
    let png = opts.curve.with_extension("png");
    plot_rewards(&rewards, opts, first, &png, log);
    log(&format!(
        "wrote {}, {} and {}",
        opts.out.display(),
        opts.curve.display(),
        png.display()
    ));
    Ok(rewards)
}

/// One row of the learning curve after the iteration number.
fn curve_row(mean_reward: f64, decisions: usize, stats: &UpdateStats) -> String {
    format!(
        "{mean_reward:.5},{decisions},{:.5},{:.5},{:.4}",
        stats.policy_loss, stats.value_loss, stats.entropy
    )
}

/// What a checkpoint after iteration `it` says about how it was made.
fn iteration_notes(it: usize, opts: &TrainOptions, mean_reward: f64) -> Vec<(String, String)> {
    vec![
        ("iterations".into(), it.to_string()),
        ("seed".into(), opts.seed.to_string()),
        ("npcs".into(), opts.npcs.to_string()),
        ("episode_seconds".into(), opts.seconds.to_string()),
        ("last_mean_reward".into(), format!("{mean_reward:.5}")),
    ]
}

/// Fresh seeded weights, or those of `opts.resume`; the iterations already done.
fn init_or_resume(
    vars: &mut VarMap,
    opts: &TrainOptions,
    log: &mut dyn FnMut(&str),
) -> Result<usize, TrainError> {
    let Some(ckpt) = &opts.resume else {
        seeded_init(vars, opts.seed)?;
        return Ok(0);
    };
    let saved = PolicyNet::load(ckpt)?;
    let first = saved
        .notes
        .iter()
        .find(|(k, _)| k == "iterations")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    vars.load(ckpt)?;
    log(&format!(
        "resumed from {} after {first} iterations",
        ckpt.display()
    ));
    Ok(first)
}

/// The learning curve as a picture at `png`; a plot that fails is a warning, not an error.
fn plot_rewards(
    rewards: &[f64],
    opts: &TrainOptions,
    first: usize,
    png: &std::path::Path,
    log: &mut dyn FnMut(&str),
) {
    let cloned = opts.resume.is_none() && opts.clone_epochs > 0;
    let points: Vec<(f64, f64)> = rewards
        .iter()
        .enumerate()
        .skip(usize::from(cloned))
        .map(|(i, r)| ((first + i + usize::from(!cloned)) as f64, *r))
        .collect();
    let baseline = cloned.then(|| rewards[0]);
    match plot::learning_curve(&points, baseline, png) {
        Ok(Some(n)) => log(&format!("warning: {n}")),
        Ok(None) => {}
        Err(e) => log(&format!("warning: no plot: {e}")),
    }
}
