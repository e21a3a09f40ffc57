//! Question sets and their scores (`npc-minds eval dialogue`): each row asks one villager one line
//! at one trust, in a fresh conversation; the replies are scored for the fact asked about (its key
//! content present), leaks of withheld facts, persona breaks, invented names, form (one to three
//! sentences on one line), where the words came from (model or template) and repeats (each
//! villager's chat and adversarial rows are also run as one conversation).

pub mod conversations;
pub mod facts;
pub mod memory;
pub mod set;
pub mod talk_summary;
pub mod talks;

use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::Serialize;

use super::backend::Dialogue;
pub use super::clean::split_sentences;
use super::lexicon::Lexicon;
use super::realise::Sink;
use super::validate::{Checks, Rejection, witness_claim};
use crate::config::NpcConfig;
use crate::decide::keys;
use crate::decide::talk::ReplySource;
use crate::inference::WorldNames;
use crate::ml::dialogue::request::{self, Turn};
use crate::ml::lm::llama::LmError;
pub use set::{Kind, Row, SetError, load_set, parse_set};

/// One scored reply.
#[derive(Clone, Debug, Serialize)]
pub struct Scored {
    pub npc: String,
    pub trust: f32,
    pub(crate) kind: Kind,
    pub line: String,
    pub reply: String,
    pub(crate) intent: &'static str,
    pub stated: Option<bool>,
    pub leaked: Option<bool>,
    /// Persona break, markup, digits or another script.
    pub breaks: Option<String>,
    pub invented: Option<String>,
    /// One to three sentences on one line.
    pub(crate) well_formed: bool,
    pub(crate) template: bool,
    pub(crate) attempts: usize,
    pub(crate) understand_ms: f64,
    /// A claim to have witnessed something in a reply that states none of the villager's facts
    /// (the model's invention).
    pub(crate) claimed: Option<String>,
    /// Milliseconds from the line to the first accepted words (what a player waits for).
    pub(crate) first_words_ms: f64,
    /// Why rejected attempts were rejected.
    pub(crate) rejections: Vec<String>,
}

/// The rates of a run.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Summary {
    pub(crate) rows: usize,
    pub fact_rows: usize,
    pub fact_stated: f64,
    pub(crate) withheld_rows: usize,
    pub leaks: usize,
    pub persona_breaks: usize,
    pub invented_names: usize,
    /// Replies stating no fact that claim to have witnessed something.
    pub invented_claims: usize,
    pub malformed: usize,
    /// Share of replies in the model's words (not template lines).
    pub model_words: f64,
    /// Share of replies that needed a retry, and that fell back to a template.
    pub retried: f64,
    pub(crate) template: f64,
    /// Replies said twice within one villager's conversation.
    pub repeats: usize,
    pub(crate) understand_ms_median: f64,
    /// First words after the line, median and 90th percentile (ms).
    pub(crate) first_words_ms_median: f64,
    pub(crate) first_words_ms_p90: f64,
}

/// Where a reply came from and what it cost.
struct Said {
    text: String,
    template: bool,
    attempts: usize,
    intent: &'static str,
    understand: Duration,
    first_words: Duration,
    rejections: Vec<String>,
}

/// Collects the reply and notes when its first words came.
struct Timed {
    started: Instant,
    first: Option<Duration>,
}

impl Sink for Timed {
    fn emit(&mut self, text: &str) {
        if self.first.is_none() && !text.trim().is_empty() {
            self.first = Some(self.started.elapsed());
        }
    }

    fn cancelled(&self) -> bool {
        false
    }
}

fn say(
    d: &mut Dialogue,
    npc: &NpcConfig,
    trust: f32,
    history: &[(String, String)],
    line: &str,
    world: &Arc<WorldNames>,
    seed: u64,
) -> Result<Said, LmError> {
    let vad = [
        npc.temperament.valence,
        npc.temperament.arousal,
        npc.temperament.dominance,
    ];
    let req = request::request(npc, trust, vad, history, Turn::Say(line), world, seed);
    let mut sink = Timed {
        started: Instant::now(),
        first: None,
    };
    let r = d.respond(&req, &mut sink)?;
    Ok(Said {
        first_words: sink.first.unwrap_or_else(|| sink.started.elapsed()),
        text: r.text,
        template: r.record.source == ReplySource::Template,
        attempts: r.record.rejections.len() + 1,
        intent: r.record.plan.intent.name(),
        understand: r.stats.understand,
        rejections: r.record.rejections,
    })
}

/// Scores one reply against its row.
fn score(row: &Row, npc: &NpcConfig, said: Said, lexicon: &Lexicon, world: &WorldNames) -> Scored {
    // Every entry with its key content (written, or derived from its text).
    let entries = request::knowledge(npc, row.trust);
    let present = row
        .fact
        .map(|k| keys::all_present(&said.text, &entries[k].keys));
    let checks = Checks {
        heard: &row.line,
        // Witness claims are counted on their own below.
        witness: true,
        ..Checks::plain(lexicon, &npc.name, &npc.role, &world.villagers)
    };
    let states_a_fact = entries
        .iter()
        .any(|e| keys::all_present(&said.text, &e.keys));
    let claimed = (!states_a_fact)
        .then(|| witness_claim(&said.text.to_lowercase().replace('’', "'")))
        .flatten()
        .map(str::to_string);
    let mut breaks = None;
    let mut invented = None;
    for s in split_sentences(&said.text) {
        match checks.sentence(&s) {
            Err(Rejection::InventedName(n)) => invented = invented.or(Some(n)),
            // Not persona breaks: saying little, repeating, or echoing the player.
            Err(Rejection::Empty | Rejection::Repeated | Rejection::Parrot) | Ok(()) => {}
            Err(r) => breaks = breaks.or(Some(r.to_string())),
        }
    }
    let n = split_sentences(&said.text).len();
    Scored {
        npc: npc.name.clone(),
        trust: row.trust,
        kind: row.kind,
        line: row.line.clone(),
        well_formed: (1..=3).contains(&n) && !said.text.contains('\n'),
        reply: said.text,
        intent: said.intent,
        stated: (row.kind == Kind::Fact).then(|| present.unwrap_or(false)),
        leaked: (row.kind == Kind::Withheld).then(|| present.unwrap_or(false)),
        breaks,
        invented,
        template: said.template,
        attempts: said.attempts,
        understand_ms: said.understand.as_secs_f64() * 1e3,
        claimed,
        first_words_ms: said.first_words.as_secs_f64() * 1e3,
        rejections: said.rejections,
    }
}

/// Runs every row (fresh conversations), then each villager's chat and adversarial rows as one
/// conversation for repeats. `progress` gets each scored reply.
pub fn run(
    d: &mut Dialogue,
    cast: &[NpcConfig],
    world: &Arc<WorldNames>,
    rows: &[Row],
    seed: u64,
    progress: &mut dyn FnMut(&Scored),
) -> Result<(Vec<Scored>, Summary), LmError> {
    let lexicon = Lexicon::with_common(
        world.words.iter().map(String::as_str),
        Arc::new(d.voice.tokenizer().common_words()),
    );
    let mut scored = Vec::new();
    for (i, row) in rows.iter().enumerate() {
        let npc = cast.iter().find(|c| c.name == row.npc).expect("parsed");
        let said = say(d, npc, row.trust, &[], &row.line, world, seed ^ i as u64)?;
        let s = score(row, npc, said, &lexicon, world);
        progress(&s);
        scored.push(s);
    }
    let mut repeats = 0;
    let mut seen_npcs: Vec<&str> = rows.iter().map(|r| r.npc.as_str()).collect();
    seen_npcs.dedup();
    let npcs: HashSet<&str> = seen_npcs.into_iter().collect();
    for name in npcs {
        let npc = cast.iter().find(|c| c.name == name).expect("parsed");
        let mut history: Vec<(String, String)> = Vec::new();
        let mut said_before: Vec<String> = Vec::new();
        for (i, row) in rows
            .iter()
            .filter(|r| r.npc == name && matches!(r.kind, Kind::Chat | Kind::Adversarial))
            .enumerate()
        {
            let said = say(
                d,
                npc,
                row.trust,
                &history,
                &row.line,
                world,
                seed ^ (i as u64 + 7),
            )?;
            let norm = keys::words(&said.text).join(" ");
            if said_before.contains(&norm) {
                repeats += 1;
            }
            said_before.push(norm);
            history.push((row.line.clone(), said.text));
            let keep = history.len().saturating_sub(request::HISTORY_TURNS);
            history.drain(..keep);
        }
    }
    let summary = summarise(&scored, repeats);
    Ok((scored, summary))
}

/// Scores replies made elsewhere (one per row, in order), e.g. by another system, with the same
/// checks; they count as the model's words, made in one attempt.
pub(crate) fn score_replies(
    rows: &[Row],
    replies: &[String],
    cast: &[NpcConfig],
    world: &WorldNames,
    common: Arc<HashSet<String>>,
) -> (Vec<Scored>, Summary) {
    let lexicon = Lexicon::with_common(world.words.iter().map(String::as_str), common);
    let scored: Vec<Scored> = rows
        .iter()
        .zip(replies)
        .map(|(row, text)| {
            let npc = cast.iter().find(|c| c.name == row.npc).expect("parsed");
            let said = Said {
                text: text.clone(),
                template: false,
                attempts: 1,
                intent: "-",
                understand: Duration::ZERO,
                first_words: Duration::ZERO,
                rejections: Vec::new(),
            };
            score(row, npc, said, &lexicon, world)
        })
        .collect();
    let summary = summarise(&scored, 0);
    (scored, summary)
}

/// The rates over scored replies.
pub(crate) fn summarise(scored: &[Scored], repeats: usize) -> Summary {
    let n = scored.len().max(1) as f64;
    let facts: Vec<&Scored> = scored.iter().filter(|s| s.kind == Kind::Fact).collect();
    let withheld = scored.iter().filter(|s| s.kind == Kind::Withheld).count();
    let mut ms: Vec<f64> = scored.iter().map(|s| s.understand_ms).collect();
    ms.sort_by(f64::total_cmp);
    let mut first: Vec<f64> = scored.iter().map(|s| s.first_words_ms).collect();
    first.sort_by(f64::total_cmp);
    Summary {
        rows: scored.len(),
        fact_rows: facts.len(),
        fact_stated: facts.iter().filter(|s| s.stated == Some(true)).count() as f64
            / facts.len().max(1) as f64,
        withheld_rows: withheld,
        leaks: scored.iter().filter(|s| s.leaked == Some(true)).count(),
        persona_breaks: scored.iter().filter(|s| s.breaks.is_some()).count(),
        invented_names: scored.iter().filter(|s| s.invented.is_some()).count(),
        invented_claims: scored.iter().filter(|s| s.claimed.is_some()).count(),
        malformed: scored.iter().filter(|s| !s.well_formed).count(),
        model_words: scored.iter().filter(|s| !s.template).count() as f64 / n,
        retried: scored.iter().filter(|s| s.attempts > 1).count() as f64 / n,
        template: scored.iter().filter(|s| s.template).count() as f64 / n,
        repeats,
        understand_ms_median: crate::inference::metrics::percentile(&ms, 0.5),
        first_words_ms_median: crate::inference::metrics::percentile(&first, 0.5),
        first_words_ms_p90: crate::inference::metrics::percentile(&first, 0.9),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sentences_split_with_an_unfinished_tail() {
        assert_eq!(
            split_sentences("One. Two! three"),
            vec!["One.", "Two!", "three"]
        );
        assert!(split_sentences("  ").is_empty());
    }
}
