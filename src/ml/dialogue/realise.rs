//! Saying the plan in the villager's voice: the model gets a short system turn (persona, mood, the
//! one task of the plan), the player's turn and, on a retry, the start of the reply to continue.
//! Each sentence is checked as it completes; sentences are held back until the reply so far
//! passes the whole-reply checks (the planned fact's key content present, nothing withheld, not
//! said before), then streamed, so the player never reads a line that is taken back. A failed
//! attempt is retried with another seed (at most [`ATTEMPTS`] in all), then the plan's template
//! line is said.

use std::collections::HashSet;
use std::sync::Arc;

use std::time::{Duration, Instant};

use super::clean::{close_quote, end_at_fact};
use super::conversation::{Conversation, says_detail};
use super::frame::{self, Frame};
use super::plan::{self, player_turn, task};
use super::understand::Understander;
use super::validate::{Checks, Rejection};
use super::voice::Voice;
use crate::decide::keys;
use crate::decide::talk::{DialoguePlan, DialogueRecord, Move, ReplySource};
use crate::inference::DialogueRequest;
use crate::ml::lm::llama::LmError;
use crate::ml::lm::model::{Flow, Prompt, ReplyStats, Step};

/// Generated attempts before the template line.
pub const ATTEMPTS: u8 = 3;
/// The share of the wait for first words after which no new attempt starts.
const RETRY_SHARE: f64 = 0.7;
/// History turns shown to the model.
const HISTORY_SHOWN: usize = 2;
/// Most sentences in a reply that states no fact.
pub(crate) const MAX_SENTENCES: usize = 2;

/// A finished reply.
#[derive(Clone, Debug)]
pub struct Reply {
    pub text: String,
    pub record: DialogueRecord,
    pub stats: ReplyStats,
}

/// The prompt for `attempt` of a plan. A fact to state is started for the model: the first half of
/// its words on the first attempt (left to itself the model told some other story on more than
/// half of the tuning set's questions, and each retry costs the player a wait), all but the last
/// word on later ones, and on every attempt for a detail or a reminder.
pub fn prompt(req: &DialogueRequest, plan: &DialoguePlan, attempt: u8) -> Prompt {
    let shows = plan::shows_line(plan);
    let history = if shows {
        let keep = req.history.len().saturating_sub(HISTORY_SHOWN);
        req.history[keep..].to_vec()
    } else {
        Vec::new()
    };
    // A detail, what the villager did not see, or a reminder is already a line in its voice:
    // the model only finishes it (left half the words, it wandered off on a third of the tuning
    // set's details and reminders, into retries and invented people).
    let short = matches!(
        plan.mv,
        Move::Detail(..) | Move::NoDetail(..) | Move::Recall(_)
    );
    let prefill = match plan::content(plan, req) {
        Some((said, _)) => {
            let words: Vec<&str> = said.split_whitespace().collect();
            let n = if attempt == 0 && !short {
                words.len().div_ceil(2).max(3)
            } else {
                words.len().saturating_sub(1).max(3)
            };
            words[..n.min(words.len())].join(" ")
        }
        None => {
            let openers = plan::openers(plan, req);
            openers[(req.seed.wrapping_add(attempt as u64) % openers.len() as u64) as usize].clone()
        }
    };
    Prompt {
        persona: req.persona.clone(),
        system: format!(
            "{}\n{}\nAnswer in one or two short sentences, in your own voice.",
            req.mood,
            task(plan, req)
        ),
        history,
        user: player_turn(plan, &req.line),
        prefill,
        speaker: req.speaker.clone(),
    }
}

/// The knowledge entries a reply states (every key group present).
pub fn conveyed(req: &DialogueRequest, text: &str) -> Vec<usize> {
    req.knowledge
        .iter()
        .enumerate()
        .filter(|(_, e)| e.allowed && keys::all_present(text, &e.keys))
        .map(|(i, _)| i)
        .collect()
}

/// Where accepted text goes while a reply is made, and who can stop it.
pub trait Sink: Send {
    /// A piece of accepted text, in order.
    fn emit(&mut self, text: &str);
    /// True when the reply is no longer wanted (checked at every token).
    fn cancelled(&self) -> bool;
}

/// Understands, plans and says one reply; accepted text goes to `sink` as it is accepted. With a
/// `wait` (the game's), the player's wait for first words stays bounded whatever the checks
/// reject: no new attempt starts after most of it, an attempt that has shown nothing by then is
/// stopped, and the plan's template line is said.
pub(crate) fn respond(
    model: &mut Voice,
    understander: &mut Understander,
    common: &Arc<HashSet<String>>,
    req: &DialogueRequest,
    wait: Option<Duration>,
    sink: &mut dyn Sink,
) -> Result<Reply, LmError> {
    let started = Instant::now();
    let conv = Conversation::read(req);
    let understanding = frame::understand(understander, req, &conv)?;
    let plan = plan::plan(&understanding, req, &conv);
    let frame = Frame::new(req, &plan, &conv, common);
    let checks = frame.checks(req);
    let give_up = wait.map(|w| started + w);
    let no_retry_after = wait.map(|w| started + w.mul_f64(RETRY_SHARE));
    let mut rejections = Vec::new();
    let mut stats = ReplyStats {
        understand: started.elapsed(),
        ..ReplyStats::default()
    };
    for attempt in 0..ATTEMPTS {
        if attempt > 0 && no_retry_after.is_some_and(|t| Instant::now() > t) {
            rejections.push(format!("attempt {}: out of time", attempt + 1));
            break;
        }
        let tried = Attempt {
            req,
            plan: &plan,
            frame: &frame,
            checks: &checks,
            give_up,
        }
        .run(model, attempt, sink)?;
        stats.add(&tried.stats);
        let cancelled = sink.cancelled();
        if !tried.accepted.is_empty() || cancelled {
            stats.cancelled = cancelled;
            let mut text = tried.accepted;
            if !cancelled {
                add_coda(&mut text, frame.coda.as_deref(), &checks, sink);
            }
            let source = ReplySource::Model { attempt };
            let record = record(req, &text, plan, source, rejections);
            return Ok(Reply {
                text,
                record,
                stats,
            });
        }
        rejections.push(format!(
            "attempt {}: {}",
            attempt + 1,
            tried
                .failure
                .map_or("nothing said".to_string(), |r| r.to_string())
        ));
    }
    let lines = plan::template(&plan, req);
    let mut text = lines
        .iter()
        .find(|l| checks.reply(l).is_ok())
        .unwrap_or(&lines[0])
        .clone();
    sink.emit(&text);
    add_coda(&mut text, frame.coda.as_deref(), &checks, sink);
    let record = record(req, &text, plan, ReplySource::Template, rejections);
    Ok(Reply {
        text,
        record,
        stats,
    })
}

/// One attempt at a reply: what it needs to check each sentence as it completes.
struct Attempt<'a> {
    req: &'a DialogueRequest,
    plan: &'a DialoguePlan,
    frame: &'a Frame,
    checks: &'a Checks<'a>,
    /// When an attempt that has shown nothing is stopped.
    give_up: Option<Instant>,
}

/// What an attempt came to: the accepted text (streamed already), why the rest was rejected.
struct Tried {
    accepted: String,
    failure: Option<Rejection>,
    stats: ReplyStats,
}

impl Attempt<'_> {
    /// Generates attempt `attempt`; sentences are held back until the reply so far passes the
    /// whole-reply checks, then streamed to `sink`.
    fn run(&self, model: &mut Voice, attempt: u8, sink: &mut dyn Sink) -> Result<Tried, LmError> {
        let p = prompt(self.req, self.plan, attempt);
        let seed = self.req.seed.wrapping_add(attempt as u64 * 0x9e37_79b9);
        let mut accepted = String::new();
        let mut held = String::new();
        let mut sentences = 0usize;
        let mut failure: Option<Rejection> = None;
        let mut on_step = |step: Step| -> Flow {
            let s = match step {
                Step::Token if sink.cancelled() => return Flow::Stop,
                Step::Token
                    if accepted.is_empty() && self.give_up.is_some_and(|t| Instant::now() > t) =>
                {
                    failure = Some(Rejection::TooSlow);
                    return Flow::Stop;
                }
                Step::Token => return Flow::Continue,
                Step::Sentence(s) => s,
            };
            if let Err(r) = self.sentence(s) {
                failure = Some(r);
                return Flow::Stop;
            }
            if !held.is_empty() {
                held.push(' ');
            }
            held.push_str(&close_quote(self.ended(s).trim()));
            sentences += 1;
            let candidate = join(&accepted, &held);
            match self
                .checks
                .reply(&candidate)
                .and_then(|()| self.frame.others_kept(self.req, self.plan, &candidate))
            {
                Ok(()) => {
                    let piece = if accepted.is_empty() {
                        held.clone()
                    } else {
                        format!(" {held}")
                    };
                    sink.emit(&piece);
                    accepted = candidate;
                    held.clear();
                    failure = None;
                }
                Err(r @ Rejection::TooLong) => {
                    failure = Some(r);
                    return Flow::Stop;
                }
                // A fact not said within two sentences is not coming: what came instead is
                // the model's own story. Try again.
                Err(r @ Rejection::MissingFact) if accepted.is_empty() && sentences >= 2 => {
                    failure = Some(r);
                    return Flow::Stop;
                }
                Err(r) => failure = Some(r),
            }
            if self.done(!accepted.is_empty(), sentences) {
                Flow::Stop
            } else {
                Flow::Continue
            }
        };
        let stats = model.generate(&p, &self.req.sampling, seed, &mut on_step)?;
        Ok(Tried {
            accepted,
            failure,
            stats,
        })
    }

    /// The checks of one sentence, and a fact referred back to is not recited again whole.
    fn sentence(&self, s: &str) -> Result<(), Rejection> {
        self.checks.sentence(s)?;
        match &self.frame.recalled {
            Some(fact) if super::meaning::recites(s, fact) => Err(Rejection::Repeated),
            _ => Ok(()),
        }
    }

    /// A sentence that states the planned fact ends with it.
    fn ended(&self, s: &str) -> String {
        match (&self.frame.content, &self.frame.required) {
            (Some((said, _)), Some(groups)) if keys::all_present(s, groups) => end_at_fact(s, said),
            _ => s.to_string(),
        }
    }

    /// A stated fact ends the reply (what a small model adds after it is mostly invention). A
    /// villager that knows nothing, or will not say, says so in one sentence: a second one is
    /// where the model makes up a story. Others stay short.
    fn done(&self, accepted: bool, sentences: usize) -> bool {
        match self.plan.mv {
            _ if self.frame.content.is_some() => accepted,
            Move::NotKnown
            | Move::Deflect
            | Move::Hint(_)
            | Move::NoDetail(..)
            | Move::Recall(_)
            | Move::Lead(_) => sentences >= 1,
            _ => sentences >= MAX_SENTENCES,
        }
    }
}

/// Appends `coda` (what would change the villager's mind) to an accepted reply, when it passes
/// the checks with it.
fn add_coda(text: &mut String, coda: Option<&str>, checks: &Checks, sink: &mut dyn Sink) {
    let Some(coda) = coda else { return };
    let with = join(text, coda);
    let sentences = super::clean::split_sentences(coda);
    if sentences.iter().all(|s| checks.sentence(s).is_ok()) && checks.reply(&with).is_ok() {
        sink.emit(&format!(" {coda}"));
        *text = with;
    }
}

/// The record of a reply: its plan, what it conveyed (facts, details) and how it was checked.
fn record(
    req: &DialogueRequest,
    text: &str,
    plan: DialoguePlan,
    source: ReplySource,
    rejections: Vec<String>,
) -> DialogueRecord {
    let details = match plan.mv {
        Move::Detail(k, a) => req.knowledge[k]
            .details
            .get(a)
            .filter(|d| says_detail(text, d))
            .map(|d| vec![d.to_string()])
            .unwrap_or_default(),
        _ => Vec::new(),
    };
    DialogueRecord {
        conveyed: conveyed(req, text),
        details,
        unlocked: req
            .knowledge
            .iter()
            .enumerate()
            .filter(|(_, e)| e.unlocked)
            .map(|(i, _)| i)
            .collect(),
        plan,
        source,
        rejections,
        speed: Default::default(),
    }
}

fn join(a: &str, b: &str) -> String {
    if a.is_empty() {
        b.to_string()
    } else {
        format!("{a} {b}")
    }
}
