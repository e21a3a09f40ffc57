//! Scoring whole conversations (`npc-minds eval conversations`): each conversation is played
//! turn by turn as `chat` plays it (the history goes with every line), and every reply is scored
//! for what its turn expects and for what no reply may do: leak a withheld fact, break character,
//! invent a name or a mystery event, change a fact's meaning, quote the player, or repeat a
//! sentence said before in the conversation. Also counted: facts copied word for word, distinct
//! refusals per villager, retries, templates and the wait for the first words.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::sync::Arc;

use super::talk_summary::summarise;
pub use super::talk_summary::{TalkSummary, TurnScored};
use super::talks::{Expect, Talk};
use crate::config::NpcConfig;
use crate::decide::keys;
use crate::decide::talk::{DialogueRecord, Move, ReplySource};
use crate::inference::KnowledgeEntry;
use crate::inference::WorldNames;
use crate::ml::dialogue::backend::Dialogue;
use crate::ml::dialogue::clean::split_sentences;
use crate::ml::dialogue::conversation::{detail_keys, names, says_detail};
use crate::ml::dialogue::lexicon::Lexicon;
use crate::ml::dialogue::meaning::{changed_meaning_of, echoes, invented_event, negations};
use crate::ml::dialogue::request::{self, Turn};
use crate::ml::dialogue::validate::{Checks, Rejection};
use crate::ml::lm::llama::LmError;

/// Words that tell the player what would change a villager's mind.
const WAY_FORWARD: &[&str] = &[
    "trust",
    "kind",
    "gift",
    "proof",
    "prove",
    "bring",
    "earn",
    "friend",
    "manners",
    "civil",
    "learn",
    "show",
    "dear",
    "round",
    "heart",
    "confidence",
    "know you",
    "bite",
];

/// What one conversation knows while it is scored.
struct Scene<'a> {
    npc: &'a NpcConfig,
    trust: f32,
    world: &'a WorldNames,
    lexicon: Lexicon,
    player_lines: Vec<String>,
    previous: Vec<String>,
    told: Vec<usize>,
}

/// Plays and scores every conversation; `progress` gets each scored turn.
pub fn run_talks(
    d: &mut Dialogue,
    cast: &[NpcConfig],
    world: &Arc<WorldNames>,
    talks: &[Talk],
    seed: u64,
    progress: &mut dyn FnMut(&TurnScored),
) -> Result<(Vec<TurnScored>, TalkSummary), LmError> {
    let common = Arc::new(d.voice.tokenizer().common_words());
    let mut scored = Vec::new();
    let mut refusals: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (i, talk) in talks.iter().enumerate() {
        let npc = cast.iter().find(|c| c.name == talk.npc).expect("checked");
        let vad = [
            npc.temperament.valence,
            npc.temperament.arousal,
            npc.temperament.dominance,
        ];
        let mut words = world.words.clone();
        words.extend(talk.turns.iter().map(|t| t.say.clone()));
        let mut scene = Scene {
            npc,
            trust: talk.trust,
            world,
            lexicon: Lexicon::with_common(words.iter().map(String::as_str), common.clone()),
            player_lines: Vec::new(),
            previous: Vec::new(),
            told: Vec::new(),
        };
        let mut history: Vec<(String, String)> = Vec::new();
        for (j, turn) in talk.turns.iter().enumerate() {
            let turn_seed = seed ^ ((i as u64) << 8 | j as u64);
            let req = request::request(
                npc,
                talk.trust,
                vad,
                &history,
                Turn::Say(&turn.say),
                world,
                turn_seed,
            );
            let started = std::time::Instant::now();
            let mut sink = super::Timed {
                started,
                first: None,
            };
            let reply = d.respond(&req, &mut sink)?;
            scene.player_lines.push(turn.say.clone());
            let mut s = score(
                &mut scene,
                &turn.expect,
                &turn.say,
                &reply.text,
                &reply.record,
            );
            s.talk = i + 1;
            s.first_words_ms = sink
                .first
                .unwrap_or_else(|| started.elapsed())
                .as_secs_f64()
                * 1e3;
            if matches!(
                reply.record.plan.mv,
                Move::Hint(_) | Move::NotKnown | Move::Deflect | Move::NoDetail(..)
            ) && let Some(first) = split_sentences(&reply.text).first()
            {
                refusals
                    .entry(npc.name.clone())
                    .or_default()
                    .insert(keys::words(first).join(" "));
            }
            progress(&s);
            scene.previous.push(reply.text.clone());
            history.push((turn.say.clone(), reply.text));
            scored.push(s);
        }
    }
    let summary = summarise(&scored, talks.len(), refusals);
    Ok((scored, summary))
}

/// Scores one reply in its scene (and takes in what it told).
fn score(
    scene: &mut Scene,
    expect: &Expect,
    say: &str,
    reply: &str,
    record: &DialogueRecord,
) -> TurnScored {
    let mut entries = request::knowledge(scene.npc, scene.trust);
    request::unlock_by_evidence(&mut entries, scene.player_lines.iter().map(String::as_str));
    let stated: Vec<usize> = (0..entries.len())
        .filter(|&k| keys::all_present(reply, &entries[k].keys))
        .collect();
    let met = expected(scene, expect, reply, &entries, &stated);
    let mut problems: Vec<String> = stated
        .iter()
        .filter(|k| !entries[**k].allowed)
        .map(|k| format!("leak of entry {k}"))
        .collect();
    let forbidden = forbidden_words(scene, say, &entries, &stated);
    problems.extend(sentence_problems(
        scene, say, reply, &entries, &stated, &forbidden,
    ));
    problems.extend(meaning_problems(scene, reply, record, &entries, &stated));
    for k in &stated {
        if entries[*k].allowed && !scene.told.contains(k) {
            scene.told.push(*k);
        }
    }
    let fact_said = stated.iter().any(|k| entries[*k].allowed);
    TurnScored {
        talk: 0,
        npc: scene.npc.name.clone(),
        trust: scene.trust,
        say: say.to_string(),
        reply: reply.to_string(),
        expect: expect.clone(),
        plan: format!("{:?}", record.plan.mv),
        right: met && problems.is_empty(),
        met,
        problems,
        verbatim: fact_said.then(|| stated.iter().any(|k| verbatim(reply, &entries[*k].text))),
        template: record.source == ReplySource::Template,
        attempts: record.rejections.len() + 1,
        rejections: record.rejections.clone(),
        first_words_ms: 0.0,
    }
}

/// Whether `reply` (stating the entries `stated`) is what the turn expects.
fn expected(
    scene: &Scene,
    expect: &Expect,
    reply: &str,
    entries: &[KnowledgeEntry],
    stated: &[usize],
) -> bool {
    let new_fact = stated
        .iter()
        .any(|k| entries[*k].allowed && !scene.told.contains(k));
    let words = keys::words(reply);
    let other_named = scene
        .world
        .villagers
        .iter()
        .any(|v| *v != scene.npc.name && names(reply, v));
    match expect {
        Expect::Any => true,
        // Told now, or, told earlier in the conversation, referred back to briefly (a fact is
        // not recited twice); the same for one opened by evidence.
        Expect::Fact(k) | Expect::Unlock(k) => {
            stated.contains(k)
                || (scene.told.contains(k) && keys::count_present(reply, &entries[*k].keys) > 0)
        }
        Expect::Detail(k, a) => entries[*k]
            .details
            .get(*a)
            .is_some_and(|d| says_detail(reply, d)),
        Expect::NoDetail(k) => {
            let unknown = &entries[*k].details.unknown;
            let honest =
                negations(reply) > 0 || (!unknown.is_empty() && says_detail(reply, unknown));
            honest && !new_fact
        }
        Expect::Recall(k) => {
            !verbatim(reply, &entries[*k].text)
                && (keys::count_present(reply, &entries[*k].keys) > 0
                    || ["said", "told", "sure", "certain"]
                        .iter()
                        .any(|w| words.iter().any(|x| x == w)))
        }
        Expect::Hint(k) => {
            let way = WAY_FORWARD.iter().any(|w| keys::group_present(&words, w))
                || (!entries[*k].unlock.is_empty() && says_detail(reply, &entries[*k].unlock));
            !stated.contains(k) && way
        }
        Expect::Lead => other_named,
        Expect::NewFactOrLead => new_fact || other_named,
        Expect::Remember(w) => words.iter().any(|x| *x == w.to_lowercase()),
    }
}

/// The mystery's words this reply may not bring up: all but those of the facts told so far and
/// now (and their details), what the player just told, and the villager's own talk.
fn forbidden_words(
    scene: &Scene,
    say: &str,
    entries: &[KnowledgeEntry],
    stated: &[usize],
) -> Vec<String> {
    // What the reply may bring up: the facts told so far and now, their details, its own talk.
    let mut carried: Vec<String> = Vec::new();
    for k in scene.told.iter().chain(stated) {
        carried.extend(keys::words(&entries[*k].text));
        for (_, d) in entries[*k].details.written() {
            carried.extend(keys::words(d));
        }
    }
    // What the player just told (not asked) the villager may take up.
    if !crate::ml::dialogue::understand::is_asking(say) {
        carried.extend(keys::words(say));
    }
    for t in scene
        .npc
        .talk_about
        .iter()
        .chain([&scene.npc.role, &scene.npc.work])
    {
        carried.extend(keys::words(&t.replace('_', " ")));
    }
    scene
        .world
        .mystery_words
        .iter()
        .filter(|w| !keys::group_present(&carried, w))
        .cloned()
        .collect()
}

/// What is wrong with the reply's sentences: invented names, persona breaks, invented mystery
/// events, echoes of the player, sentences said before in the conversation.
fn sentence_problems(
    scene: &Scene,
    say: &str,
    reply: &str,
    entries: &[KnowledgeEntry],
    stated: &[usize],
    forbidden: &[String],
) -> Vec<String> {
    let mut problems = Vec::new();
    // A reply may say again what it states, and what the player told about themselves.
    let mut allowed_text: Vec<String> = stated.iter().map(|k| entries[*k].text.clone()).collect();
    for line in &scene.player_lines {
        allowed_text.extend(
            crate::memory::told::from_line(line)
                .into_iter()
                .map(|t| t.text),
        );
    }
    let allowed_text = allowed_text.join(" ");
    let checks = Checks {
        witness: true,
        heard: say,
        ..Checks::plain(
            &scene.lexicon,
            &scene.npc.name,
            &scene.npc.role,
            &scene.world.villagers,
        )
    };
    let earlier: HashSet<String> = scene
        .previous
        .iter()
        .flat_map(|p| split_sentences(p))
        .map(|s| keys::words(&s).join(" "))
        .collect();
    for s in split_sentences(reply) {
        match checks.sentence(&s) {
            Err(Rejection::InventedName(n)) => problems.push(format!("invented name {n:?}")),
            Err(Rejection::Empty | Rejection::Repeated | Rejection::Parrot) | Ok(()) => {}
            Err(r) => problems.push(format!("persona break: {r}")),
        }
        if let Some(w) = invented_event(&s, forbidden, say) {
            problems.push(format!("invented mystery event {w:?}"));
        }
        if echoes(&s, &scene.player_lines, &allowed_text) {
            problems.push("echoes the player".into());
        }
        let norm = keys::words(&s).join(" ");
        if keys::words(&s).len() >= 3 && earlier.contains(&norm) {
            problems.push(format!("repeats {s:?}"));
        }
    }
    problems
}

/// The facts and the detail the reply states, each with its meaning changed.
fn meaning_problems(
    scene: &Scene,
    reply: &str,
    record: &DialogueRecord,
    entries: &[KnowledgeEntry],
    stated: &[usize],
) -> Vec<String> {
    let mut problems = Vec::new();
    // Meaning is checked against the entry the reply was planned to state, and any other it
    // states that the planned one does not already carry ("It was Odo who asked about melting
    // bronze" states the "someone asked" entry too).
    let planned = record.plan.mv.entry();
    let subsumed = |k: usize| {
        planned.is_some_and(|p| {
            p != k && p < entries.len() && keys::all_present(&entries[p].text, &entries[k].keys)
        })
    };
    for k in stated.iter().filter(|k| !subsumed(**k)) {
        if let Some(why) = meaning_of(reply, &entries[*k].text, &entries[*k].keys, scene) {
            problems.push(format!("meaning of entry {k} changed: {why}"));
        }
    }
    if let Move::Detail(k, a) = record.plan.mv
        && let Some(d) = entries.get(k).and_then(|e| e.details.get(a))
        && says_detail(reply, d)
        && let Some(why) = meaning_of(reply, d, &detail_keys(d), scene)
    {
        problems.push(format!("meaning of a detail changed: {why}"));
    }
    problems
}

/// Whether the sentences of `reply` that carry `text`'s key content change its meaning.
fn meaning_of(reply: &str, text: &str, groups: &[String], scene: &Scene) -> Option<String> {
    changed_meaning_of(text, groups, reply, &scene.world.villagers, &scene.npc.name)
}

/// True when `reply` has every word of `text` in order (the knowledge entry copied).
fn verbatim(reply: &str, text: &str) -> bool {
    crate::ml::dialogue::meaning::recites(reply, text)
}
