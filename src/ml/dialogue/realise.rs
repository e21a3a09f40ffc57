//! Saying the plan in the villager's voice: the model gets a short system turn (persona, mood, the
//! one task of the plan), the player's turn and, on a retry, the start of the reply to continue.
//! Each sentence is checked as it completes; sentences are held back until the reply so far
//! passes the whole-reply checks (the planned fact's key content present, nothing withheld, not
//! said before), then streamed, so the player never reads a line that is taken back. A failed
//! attempt is retried with another seed (at most [`ATTEMPTS`] in all), then the plan's template
//! line is said.

use std::collections::HashSet;
use std::sync::Arc;

use super::clean::{EchoGuard, close_quote, end_at_fact, sentence_ends};
use super::conversation::{Conversation, says_detail};
use super::lexicon::Lexicon;
use super::model::{Flow, Prompt, ReplyStats, Step};
use super::plan::{self, player_turn, task};
use super::understand::{Entry, Understander};
use super::validate::{Checks, Rejection};
use super::voice::Voice;
use crate::decide::keys;
use crate::decide::talk::{DialoguePlan, DialogueRecord, Move, ReplySource};
use crate::inference::DialogueRequest;
use crate::ml::llama::LmError;

/// Generated attempts before the template line.
pub const ATTEMPTS: u8 = 3;
/// The share of the wait for first words after which no new attempt starts.
const RETRY_SHARE: f64 = 0.7;
/// History turns shown to the model.
const HISTORY_SHOWN: usize = 2;
/// Most sentences in a reply that states no fact.
pub const MAX_SENTENCES: usize = 2;

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
/// word on later ones.
pub fn prompt(req: &DialogueRequest, plan: &DialoguePlan, attempt: u8) -> Prompt {
    let shows = plan::shows_line(plan);
    let history = if shows {
        let keep = req.history.len().saturating_sub(HISTORY_SHOWN);
        req.history[keep..].to_vec()
    } else {
        Vec::new()
    };
    let prefill = match plan::content(plan, req) {
        Some((said, _)) => {
            let words: Vec<&str> = said.split_whitespace().collect();
            let n = if attempt == 0 {
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
pub fn respond(
    model: &mut Voice,
    understander: &mut Understander,
    common: &Arc<HashSet<String>>,
    req: &DialogueRequest,
    wait: Option<std::time::Duration>,
    sink: &mut dyn Sink,
) -> Result<Reply, LmError> {
    let over =
        |share: f64, t: std::time::Instant| wait.is_some_and(|w| t.elapsed() > w.mul_f64(share));
    let entries: Vec<Entry> = req
        .knowledge
        .iter()
        .map(|e| Entry {
            text: &e.text,
            topics: &e.topics,
        })
        .collect();
    let started = std::time::Instant::now();
    let conv = Conversation::read(req);
    let mut understanding = if req.gift {
        super::understand::decide("", Vec::new())
    } else {
        understander.understand(&req.line, &entries)?
    };
    // A short question the cue words do not read, after a fact: a follow-up when it is close to
    // one worded otherwise, and about no entry of its own.
    if conv.topic.is_some()
        && understanding.follow_up.is_none()
        && understanding.about.is_none()
        && matches!(
            understanding.intent,
            crate::decide::talk::Intent::Question | crate::decide::talk::Intent::SmallTalk
        )
        && let Some(ask) = understander.follow_up_like(&req.line)?
    {
        understanding.intent = crate::decide::talk::Intent::FollowUp;
        understanding.follow_up = Some(ask);
    }
    // A follow-up is understood with the topic it follows: "Who was it?" after "someone asked me
    // about melting bronze" finds the entry that says who.
    if understanding.intent == crate::decide::talk::Intent::FollowUp
        && let Some(t) = conv.topic
    {
        let query = format!("{} {}", req.line, req.knowledge[t].text);
        understanding.follow_retrieved = understander.retrieve(&query, &entries)?;
    }
    let plan = plan::plan(&understanding, req, &conv);
    let lexicon = Lexicon::with_common(req.world.words.iter().map(String::as_str), common.clone());
    let content = plan::content(&plan, req);
    // A fact referred back to is named by its first key group ("As I said, the lantern...").
    let recalled_key: Vec<String> = match plan.mv {
        Move::Recall(k) if content.is_none() => {
            req.knowledge[k].keys.iter().take(1).cloned().collect()
        }
        _ => Vec::new(),
    };
    let required = match &content {
        Some((_, keys)) => Some(keys.as_slice()),
        None if !recalled_key.is_empty() => Some(recalled_key.as_slice()),
        None => None,
    };
    let withheld: Vec<(usize, Vec<String>)> = req
        .knowledge
        .iter()
        .enumerate()
        .filter(|(_, e)| !e.allowed)
        .map(|(i, e)| (i, e.keys.clone()))
        .collect();
    let allowed_digits: String = content
        .iter()
        .flat_map(|(said, _)| said.chars().filter(char::is_ascii_digit))
        .collect();
    let previous: Vec<String> = req.history.iter().map(|(_, npc)| npc.clone()).collect();
    let player_lines: Vec<String> = req
        .history
        .iter()
        .map(|(p, _)| p.clone())
        .chain([req.line.clone()])
        .collect();
    let forbidden = super::carried::forbidden(req, &plan, &conv);
    // The instructions the player must never hear back (what the plan states, and the fact
    // under discussion, are not among them).
    let mut told = task(&plan, req);
    if let Some((said, _)) = &content {
        told = told.replace(said.as_str(), "");
    }
    if let Some(k) = plan.mv.entry().filter(|&k| req.knowledge[k].allowed) {
        told = told.replace(&req.knowledge[k].text, "");
    }
    // Who the villager is (the persona's first two sentences) may be said; the rest may not.
    let persona = &req.persona;
    let identity_end = sentence_ends(persona, true).get(1).copied().unwrap_or(0);
    let guard = EchoGuard::new(&format!(
        "{}\n{}\n{told}",
        &persona[identity_end..],
        req.mood
    ));
    // What the reply must keep the meaning of: what it states, or the fact it refers back to.
    let meaning: Option<String> = match (&content, plan.mv) {
        (Some((said, _)), _) => Some(said.clone()),
        (None, Move::Recall(k)) => Some(req.knowledge[k].text.clone()),
        _ => None,
    };
    let checks = Checks {
        lexicon: &lexicon,
        name: &req.speaker,
        role: &req.role,
        others: &req.world.villagers,
        required,
        withheld: &withheld,
        allowed_digits: &allowed_digits,
        previous: &previous,
        echo: Some(&guard),
        heard: &req.line,
        witness: content.is_some() || matches!(plan.mv, Move::Recall(_)),
        player_words: &req.player_words,
        forbidden: &forbidden,
        meaning: meaning.as_deref(),
        player_lines: &player_lines,
    };
    // A withheld fact's hint ends with what would change the villager's mind.
    let coda = match plan.mv {
        Move::Hint(k) => Some(plan::unlock_line(req, k)),
        _ => None,
    };
    let mut rejections = Vec::new();
    let mut stats = ReplyStats {
        understand: started.elapsed(),
        ..ReplyStats::default()
    };
    // Another fact the reply happens to state (every key group) keeps its meaning too, unless
    // what differs is what the planned fact itself says ("Odo asked" beside "someone asked").
    let planned = plan.mv.entry();
    let names = &req.world.villagers;
    let changed = |e: &crate::inference::KnowledgeEntry, text: &str| {
        super::meaning::changed_meaning_of(&e.text, &e.keys, text, names, &req.speaker)
    };
    let others_kept = |text: &str| -> Result<(), Rejection> {
        for (k, e) in req.knowledge.iter().enumerate() {
            if Some(k) == planned || !e.allowed || !keys::all_present(text, &e.keys) {
                continue;
            }
            let explained = meaning
                .as_deref()
                .is_some_and(|p| keys::all_present(p, &e.keys) && changed(e, p).is_some());
            if let Some(why) = changed(e, text).filter(|_| !explained) {
                return Err(Rejection::MeaningChanged(why));
            }
        }
        Ok(())
    };
    let recalled_fact = match plan.mv {
        Move::Recall(k) if content.is_none() => Some(req.knowledge[k].text.as_str()),
        _ => None,
    };
    for attempt in 0..ATTEMPTS {
        if attempt > 0 && over(RETRY_SHARE, started) {
            rejections.push(format!("attempt {}: out of time", attempt + 1));
            break;
        }
        let p = prompt(req, &plan, attempt);
        let mut accepted = String::new();
        let mut held = String::new();
        let mut sentences = 0usize;
        let mut failure: Option<Rejection> = None;
        let seed = req.seed.wrapping_add(attempt as u64 * 0x9e37_79b9);
        let mut on_step = |step: Step| -> Flow {
            let s = match step {
                Step::Token if sink.cancelled() => return Flow::Stop,
                Step::Token if accepted.is_empty() && over(1.0, started) => {
                    failure = Some(Rejection::TooSlow);
                    return Flow::Stop;
                }
                Step::Token => return Flow::Continue,
                Step::Sentence(s) => s,
            };
            if let Err(r) = checks.sentence(s) {
                failure = Some(r);
                return Flow::Stop;
            }
            // Referred back to, a fact is not recited again whole.
            if let Some(fact) = recalled_fact
                && super::meaning::recites(s, fact)
            {
                failure = Some(Rejection::Repeated);
                return Flow::Stop;
            }
            if !held.is_empty() {
                held.push(' ');
            }
            // A sentence that states the planned fact ends with it.
            let s = match (&content, required) {
                (Some((said, _)), Some(groups)) if keys::all_present(s, groups) => {
                    end_at_fact(s, said)
                }
                _ => s.to_string(),
            };
            held.push_str(&close_quote(s.trim()));
            sentences += 1;
            let candidate = join(&accepted, &held);
            match checks
                .reply(&candidate)
                .and_then(|()| others_kept(&candidate))
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
            // A stated fact ends the reply (what a small model adds after it is mostly
            // invention). A villager that knows nothing, or will not say, says so in one
            // sentence: a second one is where the model makes up a story. Others stay short.
            let done = match plan.mv {
                _ if content.is_some() => !accepted.is_empty(),
                Move::NotKnown
                | Move::Deflect
                | Move::Hint(_)
                | Move::NoDetail(..)
                | Move::Recall(_)
                | Move::Lead(_) => sentences >= 1,
                _ => sentences >= MAX_SENTENCES,
            };
            if done { Flow::Stop } else { Flow::Continue }
        };
        let run = model.generate(&p, &req.sampling, seed, &mut on_step)?;
        stats.add(&run);
        let cancelled = sink.cancelled();
        if !accepted.is_empty() || cancelled {
            stats.cancelled = cancelled;
            if !cancelled {
                add_coda(&mut accepted, coda.as_deref(), &checks, sink);
            }
            let record = record(
                req,
                &accepted,
                plan,
                ReplySource::Model { attempt },
                rejections,
            );
            return Ok(Reply {
                text: accepted,
                record,
                stats,
            });
        }
        rejections.push(format!(
            "attempt {}: {}",
            attempt + 1,
            failure.map_or("nothing said".to_string(), |r| r.to_string())
        ));
    }
    let lines = plan::template(&plan, req);
    let mut text = lines
        .iter()
        .find(|l| checks.reply(l).is_ok())
        .unwrap_or(&lines[0])
        .clone();
    sink.emit(&text);
    add_coda(&mut text, coda.as_deref(), &checks, sink);
    let record = record(req, &text, plan, ReplySource::Template, rejections);
    Ok(Reply {
        text,
        record,
        stats,
    })
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
