//! `npc-minds bench players`: simulated players talking to the villagers at a human pace, through
//! the path `serve` uses for `npc:NAME` (the dialogue lane's workers understand, plan, check and
//! retry each reply, decoded by the shared batcher beside every other conversation; each line is
//! also read by the emotion lane). Each player says a line every 8–15 s (its own pace, drawn once)
//! to one villager at a time, a few turns per villager: questions from what the villager knows,
//! follow-ups, "anything else?", small talk and now and then a loaf of bread. A player waits for a
//! reply before saying the next line. Per level of players: turns per second, first words and
//! whole replies (p50/p99, from the line to the first streamed words and to the end), retries and
//! template lines per turn, and the process's CPU use.

mod talk;

use std::collections::HashMap;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use serde::Serialize;

use super::print;
use crate::config::DEFAULT_CASE;
use crate::config::NpcConfig;
use crate::config::files::load_story;
use crate::inference::metrics::percentile;
use crate::inference::{InferencePool, WorldNames};
use crate::ml::dialogue::request;
use crate::serve::{LoadOptions, load_sized};
use talk::{Done, Run, players};

/// Arguments of the players benchmark.
#[derive(Debug, clap::Args)]
pub struct PlayersBenchArgs {
    /// Simulated players, one level after another.
    #[arg(long, value_delimiter = ',', default_value = "10,50,100")]
    pub(crate) players: Vec<usize>,
    /// Seconds each level says lines for (replies still coming are waited for afterwards).
    #[arg(long, default_value_t = 60.0)]
    pub(crate) seconds: f64,
    /// Threads of the language model.
    #[arg(long, default_value_t = 2)]
    pub(crate) threads: usize,
    /// Conversations the batcher decodes together.
    #[arg(long, default_value_t = 32)]
    pub(crate) max_batch: usize,
    /// Seed of the players' choices (and of the replies' sampling).
    #[arg(long, default_value_t = 7)]
    pub(crate) seed: u64,
    /// The policy network's weights (the service loads its lane too).
    #[arg(long, default_value = "models/policy.safetensors")]
    pub(crate) policy_file: std::path::PathBuf,
    /// Print one JSON object per level, one per line.
    #[arg(long)]
    pub(crate) json: bool,
}

/// One level of players.
#[derive(Debug, Serialize)]
pub(crate) struct PlayersLevel {
    pub(crate) players: usize,
    pub(crate) seconds: f64,
    /// Lines said (each one a villager's turn).
    pub(crate) turns: usize,
    /// Replies finished per second of the level.
    pub(crate) turns_per_s: f64,
    /// Replies not finished 30 s after the level stopped saying lines.
    pub(crate) unfinished: usize,
    pub(crate) first_words_ms_p50: f64,
    pub(crate) first_words_ms_p99: f64,
    pub(crate) reply_ms_p50: f64,
    pub(crate) reply_ms_p99: f64,
    /// Rejected attempts per reply (each one a second or third try).
    pub(crate) retries_per_turn: f64,
    /// Share of replies that needed a second attempt.
    pub(crate) retried: f64,
    /// Share of replies that fell back to the plan's template line.
    pub(crate) template_per_turn: f64,
    /// Process CPU time over wall time, as a share of every core (1.0: all cores busy).
    pub(crate) cpu_share: f64,
    /// Most conversations the batcher decoded in one step.
    pub(crate) peak_batch: usize,
    /// Where the time goes: the share of the level's wall time the batcher spent in forward
    /// steps (1.0: it never waited for work), and the tokens it sampled per second.
    pub(crate) batcher_busy: f64,
    pub(crate) batcher_tokens_per_s: f64,
    /// Tokens the batcher read per second: prompts, and each generated token fed back.
    pub(crate) batcher_fed_per_s: f64,
}

/// Microseconds of CPU this process has used (user and system), from /proc (0 elsewhere).
fn cpu_micros() -> u64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return 0;
    };
    // Fields after the command name (which may hold spaces): utime is the 14th field overall.
    let after = stat.rsplit_once(") ").map_or("", |(_, a)| a);
    let f: Vec<u64> = after
        .split_whitespace()
        .map(|x| x.parse().unwrap_or(0))
        .collect();
    let ticks = f.get(11).copied().unwrap_or(0) + f.get(12).copied().unwrap_or(0);
    // SAFETY: sysconf only reads its argument.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as u64;
    ticks * 1_000_000 / hz
}

/// `npc-minds bench players`.
pub(crate) fn run(a: PlayersBenchArgs) -> anyhow::Result<ExitCode> {
    let story = load_story("assets/npcs".as_ref(), "mods".as_ref(), DEFAULT_CASE);
    let cast = story.cast;
    anyhow::ensure!(!cast.is_empty(), "no villagers in assets/npcs");
    let world = Arc::new(request::world_names(&cast, story.case.as_ref()));
    let load = LoadOptions {
        threads: a.threads.max(1),
        policy_file: a.policy_file.clone(),
    };
    let models = load_sized(a.max_batch.max(1), 4096, &load, &mut |l| eprintln!("{l}"))?;
    for &n in &a.players {
        let batcher = models.batcher.load();
        batcher.peak_batch.store(0, Ordering::Relaxed);
        let (micros, tokens, fed) = (
            batcher.decode_micros.load(Ordering::Relaxed),
            batcher.tokens.load(Ordering::Relaxed),
            batcher.fed.load(Ordering::Relaxed),
        );
        let started = Instant::now();
        let measured = level(&models.pool, &cast, &world, n, &a);
        let wall = started.elapsed().as_secs_f64();
        let busy = batcher.decode_micros.load(Ordering::Relaxed) - micros;
        let sampled = batcher.tokens.load(Ordering::Relaxed) - tokens;
        let read = batcher.fed.load(Ordering::Relaxed) - fed;
        let level = PlayersLevel {
            peak_batch: batcher.peak_batch.load(Ordering::Relaxed),
            batcher_busy: busy as f64 / 1e6 / wall,
            batcher_tokens_per_s: sampled as f64 / wall,
            batcher_fed_per_s: read as f64 / wall,
            ..measured
        };
        if a.json {
            println!("{}", serde_json::to_string(&level)?);
        } else {
            print(&level, false)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Runs `n` players for `a.seconds`, then waits (at most 30 s) for the replies still coming.
fn level(
    pool: &InferencePool,
    cast: &[NpcConfig],
    world: &Arc<WorldNames>,
    n: usize,
    a: &PlayersBenchArgs,
) -> PlayersLevel {
    let start = Instant::now();
    let mut players = players(n, cast.len(), a.seed, start);
    let cpu0 = cpu_micros();
    let stop_saying = start + Duration::from_secs_f64(a.seconds);
    let give_up = stop_saying + Duration::from_secs(30);
    let mut run = Run {
        pool,
        cast,
        world,
        seed: a.seed,
        by_id: HashMap::new(),
        done: Vec::new(),
        turns: 0,
        generation: 0,
    };
    loop {
        let now = Instant::now();
        let waiting = players.iter().filter(|p| p.waiting.is_some()).count();
        if now >= give_up || (now >= stop_saying && waiting == 0) {
            break;
        }
        if now < stop_saying {
            for (i, p) in players.iter_mut().enumerate() {
                if p.waiting.is_none() && p.next_at <= now {
                    run.say(i, p, now);
                }
            }
        }
        while let Some(ev) = pool.recv_timeout(Duration::from_millis(5)) {
            run.hear(&mut players, ev);
        }
    }
    let wall = start.elapsed().as_secs_f64();
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get()) as f64;
    let cpu_share = (cpu_micros().saturating_sub(cpu0)) as f64 / 1e6 / wall / cores;
    let unfinished = players.iter().filter(|p| p.waiting.is_some()).count();
    summary(
        n, a.seconds, run.turns, &run.done, unfinished, wall, cpu_share,
    )
}

/// The level's figures from its finished replies.
fn summary(
    n: usize,
    seconds: f64,
    turns: usize,
    done: &[Done],
    unfinished: usize,
    wall: f64,
    cpu_share: f64,
) -> PlayersLevel {
    let ms = |d: &Duration| d.as_secs_f64() * 1000.0;
    let mut first: Vec<f64> = done.iter().map(|d| ms(&d.first_words)).collect();
    let mut whole: Vec<f64> = done.iter().map(|d| ms(&d.reply)).collect();
    first.sort_by(f64::total_cmp);
    whole.sort_by(f64::total_cmp);
    let per = |x: usize| x as f64 / done.len().max(1) as f64;
    PlayersLevel {
        players: n,
        seconds,
        turns,
        turns_per_s: done.len() as f64 / wall,
        unfinished,
        first_words_ms_p50: percentile(&first, 0.5),
        first_words_ms_p99: percentile(&first, 0.99),
        reply_ms_p50: percentile(&whole, 0.5),
        reply_ms_p99: percentile(&whole, 0.99),
        retries_per_turn: per(done.iter().map(|d| d.retries).sum()),
        retried: per(done.iter().filter(|d| d.retries > 0).count()),
        template_per_turn: per(done.iter().filter(|d| d.template).count()),
        cpu_share,
        peak_batch: 0,
        batcher_busy: 0.0,
        batcher_tokens_per_s: 0.0,
        batcher_fed_per_s: 0.0,
    }
}
