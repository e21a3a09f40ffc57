//! Builds and runs the headless sim app.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bevy::app::ScheduleRunnerPlugin;
use bevy::prelude::*;
use bevy::time::TimeUpdateStrategy;

use super::record::{FORMAT, RecordError, RecordFile};
use super::report::{self, SimReport, SimStats, Spread};
use super::save::{self, SimSave};
use crate::brain::components::{BrainStats, Emotion};
use crate::brain::spawn::villager_bundle;
use crate::brain::{InferencePlugin, Lockstep};
use crate::config::NpcConfig;
use crate::config::files::load_cast;
use crate::inference::backends::record::{RecordLog, RecordingBackend, ReplayBackend};
use crate::inference::{Backend, BackendFactory, InferencePool, Lane};
use crate::lanes::{self, PoolPlan};
use crate::memory::file;
use crate::remote::RemoteOptions;
use crate::sim::policy::{self, PolicyChoice};
use crate::sim::visitor::{Talking, Visitor};
use crate::world::components::{Health, Player, Position, Reward, WorldSeed};
use crate::world::{ScriptedWalk, rng, threats, wolves_for};

/// Settings of one sim run.
#[derive(Clone, Debug)]
pub struct SimOptions {
    pub npcs: usize,
    pub seconds: f64,
    pub seed: u64,
    pub lockstep: bool,
    /// Game seconds per tick.
    pub dt: f32,
    pub record: Option<PathBuf>,
    pub replay: Option<PathBuf>,
    pub npc_dir: PathBuf,
    pub mods_dir: PathBuf,
    /// Ticks between dispatch and apply in lockstep.
    pub lockstep_offset: u64,
    /// Who decides on the policy lane.
    pub policy: PolicyChoice,
    /// Save the whole state here at the end.
    pub save: Option<PathBuf>,
    /// Start from this save (its villagers, seed and time step) and run `seconds` more.
    pub load: Option<PathBuf>,
    /// The visitor says real lines through the dialogue and emotion lanes (`visitor::Talking`).
    pub talk: bool,
    /// Those lanes call this OpenAI-compatible server (implies `talk`; the sim then keeps the
    /// clock's pace, so the server sees the load of a game being played).
    pub remote: Option<RemoteOptions>,
}

impl Default for SimOptions {
    fn default() -> Self {
        SimOptions {
            npcs: 100,
            seconds: 60.0,
            seed: 1,
            lockstep: false,
            dt: 0.05,
            record: None,
            replay: None,
            npc_dir: PathBuf::from("assets/npcs"),
            mods_dir: PathBuf::from("mods"),
            lockstep_offset: 2,
            policy: PolicyChoice::Utility,
            save: None,
            load: None,
            talk: false,
            remote: None,
        }
    }
}

/// Why a sim could not run.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    #[error("no valid NPC configs in {0}")]
    NoCast(String),
    #[error("{0}")]
    Record(#[from] RecordError),
    #[error("invalid option: {0}")]
    Options(String),
    #[error("{0}")]
    Save(#[from] crate::memory::file::SaveError),
    #[error("{path}: does not fit this village: {message}")]
    Restore { path: String, message: String },
}

/// Builds a pool whose policy lane uses `policy`; the other lanes are scripted.
pub fn sim_pool(policy: BackendFactory) -> InferencePool {
    lanes::build(PoolPlan::scripted(policy))
}

/// A headless app with `npcs` villagers cycling through `cast`, a scripted player that talks to
/// them (the [`Visitor`]) and wolves.
pub fn build_app(cast: &[NpcConfig], npcs: usize, seed: u64, dt: f32, pool: InferencePool) -> App {
    let mut app = App::new();
    app.add_plugins(MinimalPlugins.set(ScheduleRunnerPlugin::run_once()))
        .insert_resource(TimeUpdateStrategy::ManualDuration(Duration::from_secs_f32(
            dt,
        )))
        .insert_resource(WorldSeed(seed))
        .add_plugins((
            crate::core_plugin,
            InferencePlugin::new(pool),
            report::plugin,
            super::visitor::plugin,
        ));
    let world = app.world_mut();
    for i in 0..npcs {
        let mut config = cast[i % cast.len()].clone();
        if npcs > cast.len() {
            config.name = format!("{} #{i}", config.name);
        }
        let a = rng::unit(seed, i as u64, 0, 0x51ad) * std::f32::consts::TAU;
        let r = 10.0 + 30.0 * rng::unit(seed, i as u64, 0, 0x2bd);
        world.spawn(villager_bundle(
            i as u64,
            &config,
            Vec2::new(a.cos(), a.sin()) * r,
        ));
    }
    world.spawn((
        Player,
        ScriptedWalk::default(),
        Visitor::default(),
        Position(Vec2::ZERO),
    ));
    let mut commands = world.commands();
    threats::spawn_wolves(&mut commands, wolves_for(npcs));
    world.flush();
    app.finish();
    app.cleanup();
    app
}

/// Says why the chosen policy network is not used (the utility AI decides instead).
fn warn_policy(message: &str) {
    eprintln!("warning: {message}");
}

/// Runs a sim to the end and reports. Record/replay imply lockstep.
pub fn run_sim(mut opts: SimOptions) -> Result<SimReport, SimError> {
    let (replay, loaded) = settle(&mut opts)?;
    let (cast, problems) = load_cast(&opts.npc_dir, &opts.mods_dir);
    for p in &problems {
        warn!("{p}");
    }
    if cast.is_empty() {
        return Err(SimError::NoCast(opts.npc_dir.display().to_string()));
    }
    let log: RecordLog = Arc::new(Mutex::new(Vec::new()));
    let policy = policy_lane(&opts, replay.as_ref(), &log);
    // With a server, dialogue goes there (and emotion too when it reads feelings).
    let pool = lanes::build(PoolPlan {
        remote: opts.remote.clone(),
        ..PoolPlan::scripted(policy)
    });
    let mut app = build_app(&cast, opts.npcs, opts.seed, opts.dt, pool);
    if opts.talk {
        app.insert_resource(Talking);
    }
    if opts.lockstep {
        app.insert_resource(Lockstep::new(opts.lockstep_offset));
    }
    if let (Some(s), Some(path)) = (&loaded, &opts.load) {
        save::restore(app.world_mut(), s).map_err(|message| SimError::Restore {
            path: path.display().to_string(),
            message,
        })?;
    }
    let ticks = (opts.seconds / opts.dt as f64).ceil() as u64;
    let (frame_ms, moods, wall) = tick(&mut app, &opts, ticks);
    let mut report = finish_report(&mut app, &opts, ticks, wall, &frame_ms);
    report.mood_timeline = moods;
    if let Some(path) = &opts.save {
        let state = save::capture(app.world_mut(), opts.npcs, opts.seed, opts.dt);
        file::save(path, save::SIM_KIND, save::SIM_VERSION, &state)?;
    }
    if let Some(file) = replay {
        report.replay_matches = Some(file.state_hash == report.state_hash);
    }
    if let Some(path) = &opts.record {
        let records = std::mem::take(&mut *log.lock().unwrap_or_else(|e| e.into_inner()));
        RecordFile {
            format: FORMAT.into(),
            npcs: opts.npcs,
            seconds: opts.seconds,
            seed: opts.seed,
            dt: opts.dt,
            state_hash: report.state_hash.clone(),
            records,
        }
        .write(path)?;
    }
    Ok(report)
}

/// The options as the run takes them: a replay's or a save's settings win, recording or
/// replaying runs in lockstep, a server means talk; a clear error for options that cannot go
/// together. The replay file and the save, when given.
fn settle(opts: &mut SimOptions) -> Result<(Option<RecordFile>, Option<SimSave>), SimError> {
    let replay = match &opts.replay {
        Some(path) => {
            let file = RecordFile::read(path)?;
            opts.npcs = file.npcs;
            opts.seconds = file.seconds;
            opts.seed = file.seed;
            opts.dt = file.dt;
            Some(file)
        }
        None => None,
    };
    let loaded = match &opts.load {
        Some(path) => {
            let (_, s) = file::load::<SimSave>(path, save::SIM_KIND, save::SIM_VERSION)?;
            opts.npcs = s.npcs;
            opts.seed = s.seed;
            opts.dt = s.dt;
            Some(s)
        }
        None => None,
    };
    if opts.record.is_some() || replay.is_some() {
        opts.lockstep = true;
    }
    if opts.remote.is_some() {
        opts.talk = true;
    }
    if opts.talk && opts.lockstep {
        return Err(SimError::Options(
            "--talk and --remote cannot be combined with --lockstep, --record or --replay: lockstep \
             holds decisions for their tick, but replies and feelings apply when they arrive, so \
             the run could not be reproduced"
                .into(),
        ));
    }
    let positive = |v: f64| v.is_finite() && v > 0.0;
    if opts.npcs == 0 || !positive(opts.seconds) || !positive(opts.dt as f64) {
        return Err(SimError::Options(
            "--npcs and --seconds must be positive".into(),
        ));
    }
    Ok((replay, loaded))
}

/// The policy lane: a replay's recorded decisions, the chosen policy recorded into `log`, or the
/// chosen policy.
fn policy_lane(opts: &SimOptions, replay: Option<&RecordFile>, log: &RecordLog) -> BackendFactory {
    match (replay, &opts.record) {
        (Some(file), _) => {
            let records = Arc::new(file.records.clone());
            Arc::new(move || {
                Ok(Box::new(ReplayBackend::new(Lane::Policy, &records)?) as Box<dyn Backend>)
            })
        }
        (None, Some(_)) => {
            let log = log.clone();
            let inner = policy::backend_factory(opts.policy.clone(), warn_policy);
            Arc::new(move || {
                Ok(Box::new(RecordingBackend {
                    lane: Lane::Policy,
                    inner: inner()?,
                    log: log.clone(),
                }) as Box<dyn Backend>)
            })
        }
        (None, None) => policy::backend_factory(opts.policy.clone(), warn_policy),
    }
}

/// Runs `ticks` updates (at the clock's pace with a server): each tick's milliseconds, the mood
/// once a game second (and at the end), and the wall-clock seconds.
fn tick(app: &mut App, opts: &SimOptions, ticks: u64) -> (Vec<f64>, Vec<report::MoodPoint>, f64) {
    let mut frame_ms = Vec::with_capacity(ticks as usize);
    let mut moods = Vec::new();
    let per_second = (1.0 / opts.dt as f64).round().max(1.0) as u64;
    let started = Instant::now();
    for tick in 0..ticks {
        if tick % per_second == 0 {
            moods.push(mood_point(app.world_mut(), tick as f64 * opts.dt as f64));
        }
        if opts.remote.is_some() {
            // At the clock's pace: a tick no earlier than its game time.
            let due = Duration::from_secs_f64(tick as f64 * opts.dt as f64);
            if let Some(wait) = due.checked_sub(started.elapsed()) {
                std::thread::sleep(wait);
            }
        }
        let t = Instant::now();
        app.update();
        frame_ms.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    let wall = started.elapsed().as_secs_f64();
    moods.push(mood_point(app.world_mut(), ticks as f64 * opts.dt as f64));
    (frame_ms, moods, wall)
}

/// The villagers' mean mood now.
fn mood_point(world: &mut World, second: f64) -> report::MoodPoint {
    let (mut sum, mut n) = ([0f32; 3], 0usize);
    for e in world.query::<&Emotion>().iter(world) {
        for (s, v) in sum.iter_mut().zip(e.vad) {
            *s += v;
        }
        n += 1;
    }
    let mean = |i: usize| sum[i] / n.max(1) as f32;
    report::MoodPoint {
        second,
        valence: mean(0),
        arousal: mean(1),
        dominance: mean(2),
    }
}

fn finish_report(
    app: &mut App,
    opts: &SimOptions,
    ticks: u64,
    wall: f64,
    frame_ms: &[f64],
) -> SimReport {
    let world = app.world_mut();
    let state_hash = format!("{:016x}", report::state_hash(world));
    let (reward_sum, harmed, n) = world
        .query::<(&Reward, &Health)>()
        .iter(world)
        .fold((0.0, 0u64, 0usize), |(r, h, n), (rw, hl)| {
            (r + rw.total, h + hl.injuries as u64, n + 1)
        });
    let simulated = ticks as f64 * opts.dt as f64;
    let (visitor_said, lines, gifts) = world
        .query::<&Visitor>()
        .iter(world)
        .map(|v| (v.said, v.lines, v.gifts))
        .next()
        .unwrap_or_default();
    let metrics = world.resource::<crate::brain::Inference>().0.metrics();
    let talk = opts.talk.then(|| {
        let dialogue = metrics.lane(Lane::Dialogue);
        report::TalkReport {
            models: opts
                .remote
                .as_ref()
                .map_or_else(|| "scripted".to_string(), |r| r.url.clone()),
            lines,
            gifts,
            replies: dialogue.map_or(0, |l| l.done.saturating_sub(l.failed)),
            fallbacks: world.resource::<BrainStats>().dialogue_fallbacks,
            superseded: dialogue.map_or(0, |l| l.stale),
            in_flight: dialogue.map_or(0, |l| {
                l.submitted.saturating_sub(l.done + l.dropped + l.stale)
            }),
            reply_ms: dialogue.map(|l| l.latency_ms),
        }
    });
    let stats = world.resource::<SimStats>();
    SimReport {
        npcs: opts.npcs,
        seed: opts.seed,
        lockstep: opts.lockstep,
        ticks,
        simulated_seconds: simulated,
        wall_seconds: wall,
        ticks_per_second: ticks as f64 / wall.max(1e-9),
        frame_ms: Spread::of(frame_ms),
        ai_ms_per_frame: Spread::of(&stats.ai_ms),
        gossip_ms_per_frame: Spread::of(&stats.gossip_ms),
        gossip: report::GossipReport::of(world.resource::<crate::brain::gossip::GossipStats>()),
        lanes: metrics.lanes.iter().map(|l| (l.lane, l.into())).collect(),
        brain: world.resource::<BrainStats>().clone(),
        action_histogram: report::histogram(&stats.actions),
        night_action_histogram: report::histogram(&stats.night_actions),
        harm_by_action: report::counts(&stats.harm_actions),
        reactions: stats.reactions.shares(),
        visitor_said,
        talk,
        mean_reward: reward_sum / n.max(1) as f64 / simulated.max(1e-9),
        harmed,
        needs_satisfied: stats.satisfied_ticks as f64 / stats.npc_ticks.max(1) as f64,
        mood_timeline: Vec::new(),
        state_hash,
        replay_matches: None,
    }
}
