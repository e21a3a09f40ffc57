//! The players of `bench players`: each one's pace, the villager it is with and the lines it says
//! (questions from what the villager knows, follow-ups, "anything else?", small talk, bread), and a
//! level in progress: lines sent through the pool, first words and replies timed as they come.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::config::NpcConfig;
use crate::decide::talk::ReplySource;
use crate::inference::{
    DialogueRequest, InferencePool, Job, JobInput, JobOutput, Lane, PoolEvent, Priority, RequestId,
    WorldNames,
};
use crate::ml::dialogue::request::{self, Turn};
use crate::ml::seeded::Rng;

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
pub(super) struct Player {
    pub(super) rng: Rng,
    /// Seconds between its lines.
    pub(super) pace: f64,
    pub(super) next_at: Instant,
    /// The villager it talks to, and turns left with it.
    pub(super) with: usize,
    pub(super) turns_left: u32,
    /// Per villager: what was said both ways, and trust.
    pub(super) talks: HashMap<usize, (Vec<(String, String)>, f32)>,
    pub(super) waiting: Option<Pending>,
}

/// A line sent and not yet answered.
pub(super) struct Pending {
    pub(super) id: RequestId,
    pub(super) line: String,
    pub(super) sent: Instant,
    pub(super) first_words: Option<Duration>,
}

/// One finished reply.
pub(super) struct Done {
    pub(super) first_words: Duration,
    pub(super) reply: Duration,
    pub(super) retries: usize,
    pub(super) template: bool,
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

/// `n` players, their paces drawn, their first lines spread over one pace (players who arrive at
/// different times).
pub(super) fn players(n: usize, villagers: usize, seed: u64, start: Instant) -> Vec<Player> {
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
pub(super) struct Run<'a> {
    pub(super) pool: &'a InferencePool,
    pub(super) cast: &'a [NpcConfig],
    pub(super) world: &'a Arc<WorldNames>,
    pub(super) seed: u64,
    /// The player each job in flight belongs to.
    pub(super) by_id: HashMap<(u64, u32), usize>,
    pub(super) done: Vec<Done>,
    pub(super) turns: usize,
    pub(super) generation: u32,
}

impl Run<'_> {
    /// Player `i` says its next line (or gives bread) to the villager it is with, and its emotion
    /// is read; with the lane's queue full it tries again a second later.
    pub(super) fn say(&mut self, i: usize, p: &mut Player, now: Instant) {
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
    pub(super) fn hear(&mut self, players: &mut [Player], ev: PoolEvent) {
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
