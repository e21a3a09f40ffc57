//! The rates of a conversation run (`eval conversations`): turns right, follow-ups and "anything
//! else" turns right, each kind of problem counted, facts copied word for word, distinct refusals
//! per villager, retries, templates and the wait for the first words.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::talks::Expect;

/// One scored turn.
#[derive(Clone, Debug, Serialize)]
pub struct TurnScored {
    pub talk: usize,
    pub npc: String,
    pub(crate) trust: f32,
    pub say: String,
    pub reply: String,
    pub(crate) expect: Expect,
    pub plan: String,
    /// What the turn expects is there.
    pub(crate) met: bool,
    /// Met, and none of `problems`.
    pub right: bool,
    /// Leaks, persona breaks, invented names or events, changed meanings, echoes, repeats.
    pub problems: Vec<String>,
    /// For replies that state a fact: copied word for word from the knowledge entry.
    pub(crate) verbatim: Option<bool>,
    pub(crate) template: bool,
    pub(crate) attempts: usize,
    /// Why each rejected attempt was rejected.
    pub(crate) rejections: Vec<String>,
    pub(crate) first_words_ms: f64,
}

/// Distinct refusals per villager over two runs (a set and its probe), and the least.
pub fn merged_refusals(a: &TalkSummary, b: &TalkSummary) -> (BTreeMap<String, usize>, usize) {
    let mut all = a.refusal_texts.clone();
    for (npc, texts) in &b.refusal_texts {
        all.entry(npc.clone())
            .or_default()
            .extend(texts.iter().cloned());
    }
    let counts: BTreeMap<String, usize> = all.into_iter().map(|(k, v)| (k, v.len())).collect();
    let least = counts.values().copied().min().unwrap_or(0);
    (counts, least)
}

fn fraction(n: usize, of: usize) -> f64 {
    n as f64 / of.max(1) as f64
}

/// The rates of a run.
#[derive(Clone, Debug, Default, Serialize)]
pub struct TalkSummary {
    pub(crate) talks: usize,
    pub(crate) turns: usize,
    pub right: f64,
    pub follow_ups: usize,
    pub follow_ups_right: f64,
    pub(crate) more: usize,
    pub more_right: f64,
    pub repeated_sentences: usize,
    pub echoes: usize,
    pub leaks: usize,
    pub persona_breaks: usize,
    pub invented_names: usize,
    pub invented_events: usize,
    pub meaning_changed: usize,
    pub(crate) fact_replies: usize,
    pub verbatim: f64,
    /// Distinct refusals (hints, "I don't know", deflections) per villager, and the least.
    pub(crate) refusals: BTreeMap<String, usize>,
    pub(crate) min_distinct_refusals: usize,
    /// The refusals themselves (first sentences), per villager: merged with a probe's.
    #[serde(skip)]
    pub(crate) refusal_texts: BTreeMap<String, BTreeSet<String>>,
    pub retried: f64,
    pub(crate) template: f64,
    pub(crate) first_words_ms_median: f64,
    pub(crate) first_words_ms_p90: f64,
}

pub(super) fn summarise(
    scored: &[TurnScored],
    talks: usize,
    refusals: BTreeMap<String, BTreeSet<String>>,
) -> TalkSummary {
    let count = |f: &dyn Fn(&TurnScored) -> bool| scored.iter().filter(|s| f(s)).count();
    let problem = |p: &str| {
        scored
            .iter()
            .flat_map(|s| &s.problems)
            .filter(|x| x.starts_with(p))
            .count()
    };
    let follow = count(&|s| s.expect.is_follow_up());
    let more = count(&|s| s.expect.is_more());
    let facts = count(&|s| s.verbatim.is_some());
    let mut first: Vec<f64> = scored.iter().map(|s| s.first_words_ms).collect();
    first.sort_by(f64::total_cmp);
    let refusal_texts = refusals;
    let refusals: BTreeMap<String, usize> = refusal_texts
        .iter()
        .map(|(k, v)| (k.clone(), v.len()))
        .collect();
    TalkSummary {
        talks,
        turns: scored.len(),
        right: fraction(count(&|s| s.right), scored.len()),
        follow_ups: follow,
        follow_ups_right: fraction(count(&|s| s.expect.is_follow_up() && s.right), follow),
        more,
        more_right: fraction(count(&|s| s.expect.is_more() && s.right), more),
        repeated_sentences: problem("repeats"),
        echoes: problem("echoes"),
        leaks: problem("leak"),
        persona_breaks: problem("persona break"),
        invented_names: problem("invented name"),
        invented_events: problem("invented mystery event"),
        meaning_changed: problem("meaning of"),
        fact_replies: facts,
        verbatim: fraction(count(&|s| s.verbatim == Some(true)), facts),
        min_distinct_refusals: refusals.values().copied().min().unwrap_or(0),
        refusals,
        refusal_texts,
        retried: fraction(count(&|s| s.attempts > 1), scored.len()),
        template: fraction(count(&|s| s.template), scored.len()),
        first_words_ms_median: crate::inference::metrics::percentile(&first, 0.5),
        first_words_ms_p90: crate::inference::metrics::percentile(&first, 0.9),
    }
}
