//! `npc-minds bench players`: simulated players talking to the villagers at a human pace, through
//! the path `serve` uses for `npc:NAME` (the dialogue lane's workers understand, plan, check and
//! retry each reply, decoded by the shared batcher beside every other conversation; each line is
//! also read by the emotion lane). Each player says a line every 8–15 s (its own pace, drawn once)
//! to one villager at a time, a few turns per villager: questions from what the villager knows,
//! follow-ups, "anything else?", small talk and now and then a loaf of bread. A player waits for a
//! reply before saying the next line. Per level of players: turns per second, first words and
//! whole replies (p50/p99, from the line to the first streamed words and to the end), retries and
//! template lines per turn, and the process's CPU use.

use std::collections::HashMap;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use serde::Serialize;

use super::print;
use crate::config::MysteryConfig;
use crate::config::NpcConfig;
use crate::config::files::load_cast;
use crate::decide::talk::ReplySource;
use crate::inference::metrics::percentile;
use crate::inference::{
    DialogueRequest, InferencePool, Job, JobInput, JobOutput, Lane, PoolEvent, Priority, RequestId,
    WorldNames,
};
use crate::ml::dialogue::request::{self, Turn};
use crate::ml::seeded::Rng;
use crate::serve::{LoadOptions, load_sized};

/// Arguments of the players benchmark.
#[derive(Debug, clap::Args)]
pub struct PlayersBenchArgs {
    /// Simulated players, one level after another.
    #[arg(long, value_delimiter = ',', default_value = "10,50,100")]
    pub players: Vec<usize>,
    /// Seconds each level says lines for (replies still coming are waited for afterwards).
    #[arg(long, default_value_t = 60.0)]
    pub seconds: f64,
    /// Threads of the language model.
    #[arg(long, default_value_t = 2)]
    pub threads: usize,
    /// Conversations the batcher decodes together.
    #[arg(long, default_value_t = 16)]
    pub max_batch: usize,
    /// Seed of the players' choices (and of the replies' sampling).
    #[arg(long, default_value_t = 7)]
    pub seed: u64,
    /// The policy network's weights (the service loads its lane too).
    #[arg(long, default_value = "models/policy.safetensors")]
    pub policy_file: std::path::PathBuf,
    /// Print one JSON object per level, one per line.
    #[arg(long)]
    pub json: bool,
}

/// One level of players.
#[derive(Debug, Serialize)]
pub struct PlayersLevel {
    pub players: usize,
    pub seconds: f64,
    /// Lines said (each one a villager's turn).
    pub turns: usize,
    /// Replies finished per second of the level.
    pub turns_per_s: f64,
    /// Replies not finished 30 s after the level stopped saying lines.
    pub unfinished: usize,
    pub first_words_ms_p50: f64,
    pub first_words_ms_p99: f64,
    pub reply_ms_p50: f64,
    pub reply_ms_p99: f64,
    /// Rejected attempts per reply (each one a second or third try).
    pub retries_per_turn: f64,
    /// Share of replies that needed a second attempt.
    pub retried: f64,
    /// Share of replies that fell back to the plan's template line.
    pub template_per_turn: f64,
    /// Process CPU time over wall time, as a share of every core (1.0: all cores busy).
    pub cpu_share: f64,
    /// Most conversations the batcher decoded in one step.
    pub peak_batch: usize,
    /// Where the time goes: the share of the level's wall time the batcher spent in forward
    /// steps (1.0: it never waited for work), and the tokens it sampled per second.
    pub batcher_busy: f64,
    pub batcher_tokens_per_s: f64,
    /// Tokens the batcher read per second: prompts, and each generated token fed back.
    pub batcher_fed_per_s: f64,
}

/// What a player says next.
const FOLLOW_UPS: &[&str] = &[
    "Where was that?",
    "Who was it?",
    "When was that?",
    "Are you sure?",
    "Why would anyone do that?",
];
const MORE: &[&str] = &[
    "Anything else?",
    "Who else should I ask?",
    "What else do you know?",
];
const SMALL_TALK: &[&str] = &[
    "Lovely weather today.",
    "How is your work going?",
    "Good morning to you!",
    "Thank you, that helps.",
];

/// One simulated player.
struct Player {
    rng: Rng,
    /// Seconds between its lines.
    pace: f64,
    next_at: Instant,
    /// The villager it talks to, and turns left with it.
    with: usize,
    turns_left: u32,
    /// Per villager: what was said both ways, and trust.
    talks: HashMap<usize, (Vec<(String, String)>, f32)>,
    waiting: Option<Pending>,
}

/// A line sent and not yet answered.
struct Pending {
    id: RequestId,
    line: String,
    sent: Instant,
    first_words: Option<Duration>,
}

/// One finished reply.
struct Done {
    first_words: Duration,
    reply: Duration,
    retries: usize,
    template: bool,
}

impl Player {
    fn pick<'a>(&mut self, list: &[&'a str]) -> &'a str {
        list[(self.rng.next_u64() % list.len() as u64) as usize]
    }

    /// The next line to villager `self.with` (`None`: a loaf of bread).
    fn line(&mut self, npc: &NpcConfig) -> Option<String> {
        let said = self.talks.get(&self.with).map_or(0, |t| t.0.len());
        let topics: Vec<&str> = npc
            .knowledge
            .iter()
            .flat_map(|k| k.topics.iter().map(String::as_str))
            .collect();
        let roll = self.rng.unit();
        // A question about something it knows ("Did you see anything strange at night?").
        let question = |p: &mut Player| {
            if topics.is_empty() {
                return Some(p.pick(SMALL_TALK).to_string());
            }
            let t = p.pick(&topics);
            let mut chars = t.chars();
            let first = chars.next().map(|c| c.to_uppercase().to_string());
            Some(format!("{}{}?", first.unwrap_or_default(), chars.as_str()))
        };
        match roll {
            _ if said == 0 => question(self),
            r if r < 0.35 => Some(self.pick(FOLLOW_UPS).to_string()),
            r if r < 0.5 => Some(self.pick(MORE).to_string()),
            r if r < 0.7 => Some(self.pick(SMALL_TALK).to_string()),
            r if r < 0.92 => question(self),
            _ => None,
        }
    }
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
pub fn run(a: PlayersBenchArgs) -> anyhow::Result<ExitCode> {
    let (cast, _) = load_cast("assets/npcs".as_ref(), "mods".as_ref());
    anyhow::ensure!(!cast.is_empty(), "no villagers in assets/npcs");
    let mystery = MysteryConfig::load("assets/mystery.ron".as_ref()).ok();
    let world = Arc::new(request::world_names(&cast, mystery.as_ref()));
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

/// `n` players, their paces drawn, their first lines spread over one pace (players who arrive at
/// different times).
fn players(n: usize, villagers: usize, seed: u64, start: Instant) -> Vec<Player> {
    let mut rng = Rng(seed ^ (n as u64).wrapping_mul(0x9E37));
    (0..n)
        .map(|i| {
            let pace = 8.0 + 7.0 * rng.unit() as f64;
            Player {
                rng: Rng(seed.wrapping_mul(31).wrapping_add(i as u64)),
                pace,
                next_at: start + Duration::from_secs_f64(pace * rng.unit() as f64),
                with: (rng.next_u64() % villagers as u64) as usize,
                turns_left: 3 + (rng.next_u64() % 4) as u32,
                talks: HashMap::new(),
                waiting: None,
            }
        })
        .collect()
}

/// A level in progress: the lines on their way and the replies back.
struct Run<'a> {
    pool: &'a InferencePool,
    cast: &'a [NpcConfig],
    world: &'a Arc<WorldNames>,
    seed: u64,
    /// The player each job in flight belongs to.
    by_id: HashMap<(u64, u32), usize>,
    done: Vec<Done>,
    turns: usize,
    generation: u32,
}

impl Run<'_> {
    /// Player `i` says its next line (or gives bread) to the villager it is with, and its emotion
    /// is read; with the lane's queue full it tries again a second later.
    fn say(&mut self, i: usize, p: &mut Player, now: Instant) {
        if p.turns_left == 0 {
            p.with = (p.rng.next_u64() % self.cast.len() as u64) as usize;
            p.turns_left = 3 + (p.rng.next_u64() % 4) as u32;
        }
        let npc = &self.cast[p.with];
        let line = p.line(npc);
        let (history, trust) = p.talks.entry(p.with).or_insert((Vec::new(), 0.3)).clone();
        let turn = match &line {
            Some(l) => Turn::Say(l),
            None => Turn::Gift,
        };
        let vad = [
            npc.temperament.valence,
            npc.temperament.arousal,
            npc.temperament.dominance,
        ];
        let seed = self.seed ^ ((i as u64) << 20) ^ self.turns as u64;
        let req: DialogueRequest =
            request::request(npc, trust, vad, &history, turn, self.world, seed);
        self.generation += 1;
        let id = RequestId {
            npc: (i * self.cast.len() + p.with) as u64,
            generation: self.generation,
        };
        let job = |input| Job {
            id,
            priority: Priority::Normal,
            deadline: None,
            input,
        };
        let dialogue = job(JobInput::Dialogue(Box::new(req)));
        if self.pool.try_submit(Lane::Dialogue, dialogue).is_err() {
            p.next_at = now + Duration::from_secs(1);
            return;
        }
        match &line {
            Some(l) => {
                let _ = (self.pool)
                    .try_submit(Lane::Emotion, job(JobInput::Emotion { text: l.clone() }));
            }
            None => p.talks.entry(p.with).or_default().1 += 0.1,
        }
        p.turns_left -= 1;
        self.turns += 1;
        self.by_id.insert((id.npc, id.generation), i);
        p.waiting = Some(Pending {
            id,
            line: line.unwrap_or_else(|| "(gives a loaf of bread)".into()),
            sent: now,
            first_words: None,
        });
        p.next_at = now + Duration::from_secs_f64(p.pace);
    }

    /// A reply's first words, or its end (timed, and kept in the conversation).
    fn hear(&mut self, players: &mut [Player], ev: PoolEvent) {
        match ev {
            PoolEvent::Partial {
                lane: Lane::Dialogue,
                id,
                ..
            } => {
                if let Some(&i) = self.by_id.get(&(id.npc, id.generation))
                    && let Some(w) = players[i].waiting.as_mut()
                    && w.first_words.is_none()
                {
                    w.first_words = Some(w.sent.elapsed());
                }
            }
            PoolEvent::Completed(c) if c.lane == Lane::Dialogue => {
                let Some(i) = self.by_id.remove(&(c.id.npc, c.id.generation)) else {
                    return;
                };
                let p = &mut players[i];
                let Some(w) = p.waiting.take().filter(|w| w.id == c.id) else {
                    return;
                };
                let reply = w.sent.elapsed();
                let (text, record) = match c.result {
                    Ok(JobOutput::Dialogue { text, record }) => (text, record),
                    _ => (String::new(), None),
                };
                self.done.push(Done {
                    first_words: w.first_words.unwrap_or(reply),
                    reply,
                    retries: record.as_ref().map_or(0, |r| r.rejections.len()),
                    template: record
                        .as_ref()
                        .is_some_and(|r| r.source == ReplySource::Template),
                });
                p.talks.entry(p.with).or_default().0.push((w.line, text));
            }
            _ => {}
        }
    }
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
