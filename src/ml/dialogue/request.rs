//! Builds a dialogue request from an NPC's config: its persona (the cached part of the prompt), mood
//! and trust, its knowledge with what trust allows, and the world's names that replies are checked
//! against. Plain data, no Bevy.

use std::sync::Arc;

use crate::config::{CaseConfig, NpcConfig};
use crate::decide::keys;
use crate::decide::{EmotionLabel, dominant};
use crate::inference::{DialogueRequest, KnowledgeEntry, Person, WorldNames};
use crate::world::places;

/// Turns of history kept in a request: the conversation's state is read from them (what was told,
/// the topic, the evidence cited); the model sees only the last two.
pub(crate) const HISTORY_TURNS: usize = 16;
/// Longest player line passed on, in characters.
pub const MAX_LINE_CHARS: usize = 400;

fn trait_words(c: &NpcConfig) -> Vec<&'static str> {
    let p = &c.persona;
    let mut w = Vec::new();
    let mut pick = |v: f32, high: &'static str, low: &'static str| {
        if v >= 0.7 {
            w.push(high);
        } else if v <= 0.3 {
            w.push(low);
        }
    };
    pick(p.bravery, "brave", "timid");
    pick(p.sociability, "talkative", "reserved");
    pick(p.diligence, "hard-working", "easy-going");
    pick(p.temper, "hot-tempered", "calm");
    pick(p.honesty, "honest", "secretive");
    w
}

/// How the NPC feels, as words for the prompt's tone: "very angry", "a little sad", "calm".
pub(crate) fn feeling(vad: [f32; 3]) -> String {
    let (label, intensity) = dominant(vad);
    if label == EmotionLabel::Neutral {
        return "calm".into();
    }
    let how = match intensity {
        i if i >= 0.75 => "very ",
        i if i >= 0.45 => "",
        _ => "a little ",
    };
    format!("{how}{}", label.adjective())
}

fn trust_sentence(trust: f32) -> &'static str {
    match trust {
        t if t >= 0.6 => "You trust the traveller you are talking to and speak openly.",
        t if t >= 0.2 => "You are friendly towards the traveller you are talking to.",
        t if t > -0.2 => "You do not know the traveller you are talking to yet.",
        t if t > -0.6 => "You are wary of the traveller you are talking to; keep it short.",
        _ => "You dislike the traveller you are talking to and want them gone; be curt.",
    }
}

/// A place name as people say it ("town_hall" → "the town hall").
pub(crate) fn place_words(name: &str) -> String {
    let n = name.replace('_', " ");
    match places::find(name).map(|p| p.kind) {
        Some(places::PlaceKind::Home) => format!("your house ({n})"),
        _ => format!("the {n}"),
    }
}

/// Who the NPC is and how it talks: the cached part of the system turn (never repeated).
pub fn persona(c: &NpcConfig) -> String {
    let traits = trait_words(c);
    let traits = if traits.is_empty() {
        String::new()
    } else {
        format!(" You are {}.", traits.join(", "))
    };
    format!(
        "You are {name}, the {role} of Millbrook, a small village. You work at {work}.{traits} \
         You speak {style}.",
        name = c.name,
        role = c.role,
        work = place_words(&c.work),
        style = c.speech_style,
    )
}

/// Mood and trust as instructions.
pub(crate) fn mood(trust: f32, vad: [f32; 3]) -> String {
    format!(
        "You feel {} right now. {}",
        feeling(vad),
        trust_sentence(trust)
    )
}

/// The NPC's knowledge, each entry with its key content and whether `trust` allows telling it.
pub(crate) fn knowledge(c: &NpcConfig, trust: f32) -> Vec<KnowledgeEntry> {
    c.knowledge
        .iter()
        .map(|f| KnowledgeEntry {
            text: f.text.clone(),
            keys: if f.keys.is_empty() {
                keys::derive(&f.text)
            } else {
                f.keys.clone()
            },
            topics: f.topics.clone(),
            allowed: f.min_trust <= trust,
            details: f.details.clone(),
            unlock: f.unlock.clone(),
            evidence: f.evidence.clone(),
            unlocked: false,
            recalled: false,
        })
        .collect()
}

/// Allows each withheld entry whose `evidence` one of the player's `lines` cites (every evidence
/// group present): the player showed it is on the right track.
pub(crate) fn unlock_by_evidence<'a>(
    entries: &mut [KnowledgeEntry],
    lines: impl Iterator<Item = &'a str> + Clone,
) {
    for e in entries.iter_mut() {
        if !e.allowed
            && !e.evidence.is_empty()
            && lines.clone().any(|l| keys::all_present(l, &e.evidence))
        {
            e.allowed = true;
            e.unlocked = true;
        }
    }
}

/// Words of the villagers' knowledge and the mystery's title that are tied to the mystery: content
/// words less names, trades, places and everyday words (`cues::EVERYDAY`) and less verb forms.
fn mystery_words(cast: &[NpcConfig], mystery: Option<&CaseConfig>) -> Vec<String> {
    let mut common: Vec<String> = Vec::new();
    for c in cast {
        common.extend(keys::words(&c.name));
        common.extend(keys::words(&c.role));
    }
    for p in places::PLACES {
        common.extend(keys::words(&p.name.replace('_', " ")));
    }
    let texts = cast
        .iter()
        .flat_map(|c| c.knowledge.iter().map(|f| f.text.as_str()))
        .chain(mystery.map(|m| m.title.as_str()));
    let mut out: Vec<String> = Vec::new();
    for w in texts.flat_map(keys::words) {
        let verb_form = ["ing", "ed", "ly"].iter().any(|e| w.ends_with(e)) && w.len() > 4;
        // A contraction ("i'd", "don't") is grammar, never the mystery's.
        if keys::is_content(&w)
            && !w.contains(['\'', '’'])
            && !verb_form
            && !common.contains(&w)
            && !super::cues::EVERYDAY.contains(&w.as_str())
            && !out.contains(&w)
        {
            out.push(w);
        }
    }
    // A theft's own words: "stolen" (a title's), "stealing" (the crime's); "thief" says the same.
    let theft = mystery.is_some_and(|m| m.crime.contains("steal"));
    if theft || out.iter().any(|w| w == "stolen") {
        out.extend(["stole", "steal", "thief", "theft"].map(String::from));
    }
    out
}

/// The names of the game's world: villagers, their roles, places, the mystery and every word of
/// the villagers' knowledge.
pub fn world_names(cast: &[NpcConfig], mystery: Option<&CaseConfig>) -> WorldNames {
    let mut words: Vec<String> = Vec::new();
    for c in cast {
        words.push(c.name.clone());
        words.push(c.role.clone());
        words.extend(c.knowledge.iter().map(|f| f.text.clone()));
    }
    words.extend(places::PLACES.iter().map(|p| p.name.replace('_', " ")));
    if let Some(m) = mystery {
        words.extend([m.title.clone(), m.culprit.clone(), m.judge.clone()]);
    }
    WorldNames {
        villagers: cast.iter().map(|c| c.name.clone()).collect(),
        words,
        people: cast
            .iter()
            .map(|c| Person {
                name: c.name.clone(),
                role: c.role.clone(),
                place: format!("the {}", c.work.replace('_', " ")),
                knows: c
                    .knowledge
                    .iter()
                    .flat_map(|f| keys::words(&f.text))
                    .filter(|w| keys::is_content(w))
                    .collect(),
            })
            .collect(),
        mystery_words: mystery_words(cast, mystery),
    }
}

/// A player's line as the villager hears it: at most [`MAX_LINE_CHARS`] characters, trimmed.
pub(crate) fn cut_line(line: &str) -> String {
    let cut: String = line.trim().chars().take(MAX_LINE_CHARS).collect();
    cut.trim_end().to_string()
}

/// What the player does in a turn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Turn<'a> {
    Say(&'a str),
    Gift,
}

/// A full request for one turn. A line is trimmed and cut to [`MAX_LINE_CHARS`].
pub fn request(
    c: &NpcConfig,
    trust: f32,
    vad: [f32; 3],
    history: &[(String, String)],
    turn: Turn,
    world: &Arc<WorldNames>,
    seed: u64,
) -> DialogueRequest {
    let keep = history.len().saturating_sub(HISTORY_TURNS);
    let (line, gift) = match turn {
        Turn::Say(line) => (cut_line(line), false),
        Turn::Gift => (String::new(), true),
    };
    let mut knowledge = knowledge(c, trust);
    let said = history[keep..]
        .iter()
        .map(|(p, _)| p.as_str())
        .chain([line.as_str()]);
    unlock_by_evidence(&mut knowledge, said);
    DialogueRequest {
        speaker: c.name.clone(),
        role: c.role.clone(),
        work_place: place_words(&c.work),
        persona: persona(c),
        mood: mood(trust, vad),
        trust,
        vad,
        knowledge,
        world: world.clone(),
        history: history[keep..].to_vec(),
        line,
        gift,
        player_words: Vec::new(),
        talk_about: c.talk_about.clone(),
        memory: None,
        now: 0.0,
        sampling: c.sampling,
        seed,
    }
}
