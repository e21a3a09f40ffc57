//! `npc-minds train-policy`: trains the decision policy in the headless village. Many NPCs act as
//! parallel environments in one lockstep simulation per iteration (a new world seed each time);
//! the policy lane is served by a sampler over the current network; every applied decision is
//! read back from the simulation with the NPC's observation and reward so far, and turned into
//! discounted returns for an actor-critic update. Behaviour cloning of the utility AI warms it up.
//! The learning curve is written as CSV and as a PNG beside it.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::{Arc, Mutex};

use bevy::ecs::message::{MessageCursor, Messages};
use candle_nn::VarMap;

use crate::brain::mind::{Mind, NpcIndex};
use crate::brain::{InferenceCompleted, Lockstep};
use crate::config::NpcConfig;
use crate::config::files::load_cast;
use crate::inference::backends::utility::action_mask;
use crate::inference::{Backend, BackendFactory, JobOutput, Lane};
use crate::ml::policy::encoding::encode;
use crate::ml::policy::net::{HIDDEN, PolicyNet};
use crate::ml::policy::train::{
    PolicySettings, Rng, Sampler, SamplerState, Step, actor_critic_step, clone_step, optimizer,
    seeded_init,
};
use crate::sim::run::{build_app, sim_pool};
use crate::world::components::Reward;

/// Game seconds per tick (the sim's lockstep step).
const DT: f32 = 0.05;
/// Iterations that train only the value head, at the start of a run.
const VALUE_WARMUP: usize = 2;
/// Discount per game second.
const GAMMA_PER_SECOND: f32 = 0.97;

/// Options of `train-policy` (also its command-line arguments).
#[derive(Clone, Debug, clap::Args)]
pub struct TrainPolicyOptions {
    /// Training iterations (one simulated episode and one update each).
    #[arg(long, default_value_t = 40)]
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

/// An applied decision, before its return is known.
struct Taken {
    tick: u64,
    step: Step,
    reward_so_far: f64,
}

/// One episode's decisions (with returns) and its mean reward per NPC per game second.
struct Episode {
    steps: Vec<Step>,
    mean_reward: f64,
}

fn run_episode(
    cast: &[NpcConfig],
    npcs: usize,
    seconds: f64,
    seed: u64,
    state: Arc<Mutex<SamplerState>>,
) -> Episode {
    let factory: BackendFactory =
        Arc::new(move || Ok(Box::new(Sampler(state.clone())) as Box<dyn Backend>));
    let mut app = build_app(cast, npcs, seed, DT, sim_pool(factory));
    app.insert_resource(Lockstep::new(2));
    let ticks = (seconds / DT as f64).ceil() as u64;
    let mut cursor = MessageCursor::<InferenceCompleted>::default();
    let mut taken: HashMap<u64, Vec<Taken>> = HashMap::new();
    for tick in 0..ticks {
        app.update();
        let world = app.world_mut();
        let decided: Vec<(u64, u32)> = {
            let messages = world.resource::<Messages<InferenceCompleted>>();
            cursor
                .read(messages)
                .filter(|m| m.0.lane == Lane::Policy)
                .filter(|m| matches!(m.0.result, Ok(JobOutput::Policy { .. })))
                .map(|m| (m.0.id.npc, m.0.id.generation))
                .collect()
        };
        for (npc, generation) in decided {
            let Some(&entity) = world.resource::<NpcIndex>().0.get(&npc) else {
                continue;
            };
            let (Some(mind), Some(reward)) =
                (world.get::<Mind>(entity), world.get::<Reward>(entity))
            else {
                continue;
            };
            if mind.generation != generation {
                continue; // superseded: not applied
            }
            let action = world
                .get::<crate::world::components::CurrentAction>(entity)
                .map(|a| a.0.index());
            let (Ok(obs), Some(action)) = (encode(&mind.last_obs), action) else {
                continue;
            };
            let mask = action_mask(&mind.last_obs);
            if !mask[action] {
                continue; // overridden by the conversation rule (not in the sim, but be safe)
            }
            taken.entry(npc).or_default().push(Taken {
                tick,
                step: Step {
                    obs,
                    mask,
                    action,
                    ret: 0.0,
                },
                reward_so_far: reward.total,
            });
        }
    }
    let world = app.world_mut();
    let mut totals: HashMap<u64, f64> = HashMap::new();
    let mut sum = 0.0;
    let index = world.resource::<NpcIndex>().0.clone();
    for (npc, entity) in index {
        if let Some(r) = world.get::<Reward>(entity) {
            totals.insert(npc, r.total);
            sum += r.total;
        }
    }
    let mut steps = Vec::new();
    let mut taken: Vec<(u64, Vec<Taken>)> = taken.into_iter().collect();
    taken.sort_by_key(|(npc, _)| *npc);
    for (npc, list) in taken {
        let end = totals.get(&npc).copied().unwrap_or(0.0);
        let mut next_return = 0.0f32;
        for k in (0..list.len()).rev() {
            let (until, gap) = match list.get(k + 1) {
                Some(next) => (next.reward_so_far, (next.tick - list[k].tick) as f32 * DT),
                None => (end, 0.0),
            };
            let r = (until - list[k].reward_so_far) as f32;
            next_return = r + GAMMA_PER_SECOND.powf(gap) * next_return;
            let mut s = list[k].step.clone();
            s.ret = next_return;
            steps.push(s);
        }
    }
    Episode {
        steps,
        mean_reward: sum / npcs.max(1) as f64 / seconds,
    }
}

pub fn run(opts: TrainPolicyOptions) -> ExitCode {
    match train(&opts, &mut |l| eprintln!("{l}")) {
        Ok(_) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Writes the network with notes on how far training got.
fn checkpoint(net: &PolicyNet, path: &Path, notes: Vec<(String, String)>) -> Result<(), String> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
    }
    net.save_with_notes(path, &notes).map_err(|e| e.to_string())
}

/// Trains as `opts` says, writing the weights after every iteration and the learning curve;
/// returns the mean reward of each iteration's episode (index 0: the utility AI's episode when
/// cloning it). `log` receives progress lines.
pub fn train(opts: &TrainPolicyOptions, log: &mut dyn FnMut(&str)) -> Result<Vec<f64>, String> {
    let (cast, problems) = load_cast("assets/npcs".as_ref(), "no-mods".as_ref());
    for p in &problems {
        log(&format!("warning: {p}"));
    }
    let mut rewards = Vec::new();
    if cast.is_empty() {
        return Err("no valid NPC configs in assets/npcs".into());
    }
    let settings = PolicySettings::default();
    let mut vars = VarMap::new();
    let net = Arc::new(PolicyNet::new(&vars, HIDDEN).map_err(|e| e.to_string())?);
    let mut first = 0usize;
    match &opts.resume {
        Some(ckpt) => {
            let saved = PolicyNet::load(ckpt).map_err(|e| e.to_string())?;
            first = saved
                .notes
                .iter()
                .find(|(k, _)| k == "iterations")
                .and_then(|(_, v)| v.parse().ok())
                .unwrap_or(0);
            vars.load(ckpt)
                .map_err(|e| format!("{}: {e}", ckpt.display()))?;
            log(&format!(
                "resumed from {} after {first} iterations",
                ckpt.display()
            ));
        }
        None => seeded_init(&vars, opts.seed).map_err(|e| e.to_string())?,
    }
    let mut opt = optimizer(&vars, settings.learning_rate).map_err(|e| e.to_string())?;
    let mut rng = Rng(opts.seed ^ 0x7a11);
    let state = Arc::new(Mutex::new(SamplerState {
        net: None,
        rng: Rng(opts.seed ^ 0x5a5a),
    }));
    let mut curve =
        std::fs::File::create(&opts.curve).map_err(|e| format!("{}: {e}", opts.curve.display()))?;
    writeln!(
        curve,
        "iteration,mean_reward,decisions,policy_loss,value_loss,entropy"
    )
    .map_err(|e| e.to_string())?;
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
        .map_err(|e| e.to_string())?;
        for epoch in 1..=opts.clone_epochs {
            let loss = clone_step(&net, &mut opt, &teacher.steps, &settings, &mut rng)
                .map_err(|e| e.to_string())?;
            if epoch == 1 || epoch % 10 == 0 || epoch == opts.clone_epochs {
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
        let stats = actor_critic_step(&net, &mut opt, &ep.steps, &s, &mut rng)
            .map_err(|e| e.to_string())?;
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
            "{it},{:.5},{},{:.5},{:.5},{:.4}",
            ep.mean_reward,
            ep.steps.len(),
            stats.policy_loss,
            stats.value_loss,
            stats.entropy
        )
        .map_err(|e| e.to_string())?;
        checkpoint(
            &net,
            &opts.out,
            vec![
                ("iterations".into(), it.to_string()),
                ("seed".into(), opts.seed.to_string()),
                ("npcs".into(), opts.npcs.to_string()),
                ("episode_seconds".into(), opts.seconds.to_string()),
                ("last_mean_reward".into(), format!("{:.5}", ep.mean_reward)),
            ],
        )?;
    }
    let png = opts.curve.with_extension("png");
    let cloned = opts.resume.is_none() && opts.clone_epochs > 0;
    let points: Vec<(f64, f64)> = rewards
        .iter()
        .enumerate()
        .skip(usize::from(cloned))
        .map(|(i, r)| ((first + i + usize::from(!cloned)) as f64, *r))
        .collect();
    let baseline = cloned.then(|| rewards[0]);
    match super::plot::learning_curve(&points, baseline, &png) {
        Ok(note) => {
            if let Some(n) = note {
                log(&format!("warning: {n}"));
            }
        }
        Err(e) => log(&format!("warning: no plot: {e}")),
    }
    log(&format!(
        "wrote {}, {} and {}",
        opts.out.display(),
        opts.curve.display(),
        png.display()
    ));
    Ok(rewards)
}
