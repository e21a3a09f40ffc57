//! `bench dialogue --speculative`: decoding grounded fact replies with draft tokens looked up in
//! their own context (speculative decoding, no second model) against plain decoding, on the same
//! replies with the villagers' own sampling, runs interleaved; and a check that greedy replies
//! come out the same either way. A reply ends with its first sentence, the one its prompt starts
//! and that states the fact: the game ends a fact reply there too (what the model adds after a
//! stated fact is mostly its own story, see `realise`).

use std::sync::Arc;
use std::time::Duration;

use anyhow::bail;
use serde::Serialize;

use super::median;
use crate::config::files::load_story;
use crate::decide::sampling::Sampling;
use crate::ml::dialogue::eval::facts::{FactPrompt, fact_prompts};
use crate::ml::dialogue::request;
use crate::ml::lm::DialogueModel;
use crate::ml::lm::model::{Flow, ReplyStats, Step};

/// The figures `--speculative` adds (medians over the runs).
#[derive(Debug, Serialize)]
pub(crate) struct SpeculativeBench {
    /// The case whose villagers state their facts.
    pub(crate) speculative_case: String,
    pub(crate) fact_replies: usize,
    /// Draft tokens verified per step at most.
    pub(crate) draft_tokens: usize,
    /// Tokens/s after each reply's first token, plain decoding.
    pub(crate) plain_decode_tps: f64,
    /// The same with draft tokens.
    pub(crate) speculative_decode_tps: f64,
    pub(crate) speculative_speedup: f64,
    /// Draft tokens accepted over draft tokens verified.
    pub(crate) acceptance_rate: f64,
    /// Tokens per reply after its first (mean over both ways of decoding).
    pub(crate) tokens_per_reply: f64,
    /// Whether every greedy reply (temperature 0) was the same token for token either way.
    pub(crate) greedy_identical: bool,
}

/// Sums over one pass through the replies.
#[derive(Default)]
struct Pass {
    tokens: usize,
    decode: Duration,
    drafted: usize,
    accepted: usize,
}

/// Measures `model` on the facts of case `case`: a warm-up and `runs` interleaved runs.
pub(crate) fn measure(
    model: &mut DialogueModel,
    case: &str,
    drafts: usize,
    runs: usize,
) -> anyhow::Result<SpeculativeBench> {
    let story = load_story("assets/npcs".as_ref(), "mods".as_ref(), case);
    if story.case.is_none() {
        bail!("no case {case:?} in assets/cases (see `npc-minds cases`)");
    }
    let world = Arc::new(request::world_names(&story.cast, story.case.as_ref()));
    let facts = fact_prompts(&story.cast, story.case.as_ref(), &world);
    if facts.is_empty() {
        bail!("the villagers of {case:?} know nothing to state");
    }
    let greedy_identical = greedy_same(model, &facts, drafts)?;
    let (mut plain, mut spec) = (Vec::new(), Vec::new());
    let (mut drafted, mut accepted, mut tokens) = (0, 0, 0);
    for run in 0..=runs {
        for (n, rates) in [(0, &mut plain), (drafts, &mut spec)] {
            let p = pass(model, &facts, n, run as u64)?;
            if run == 0 {
                continue; // warm-up
            }
            let tps = p.tokens as f64 / p.decode.as_secs_f64().max(1e-9);
            eprintln!("run {run}: {n} draft tokens, {tps:.1} tok/s");
            rates.push(tps);
            drafted += p.drafted;
            accepted += p.accepted;
            tokens += p.tokens;
        }
    }
    let (plain, spec) = (median(plain), median(spec));
    Ok(SpeculativeBench {
        speculative_case: case.to_string(),
        fact_replies: facts.len(),
        draft_tokens: drafts,
        plain_decode_tps: plain,
        speculative_decode_tps: spec,
        speculative_speedup: spec / plain,
        acceptance_rate: accepted as f64 / drafted.max(1) as f64,
        tokens_per_reply: tokens as f64 / (2 * runs.max(1) * facts.len()) as f64,
        greedy_identical,
    })
}

/// One pass through `facts` with `drafts` draft tokens per step, each reply seeded by `run`.
fn pass(
    model: &mut DialogueModel,
    facts: &[FactPrompt],
    drafts: usize,
    run: u64,
) -> anyhow::Result<Pass> {
    model.set_drafts(drafts);
    let mut p = Pass::default();
    for (i, f) in facts.iter().enumerate() {
        let (_, s) = reply(model, f, &f.sampling, run * 1000 + i as u64)?;
        // Decode time runs from the first token: the tokens after it.
        p.tokens += s.generated_tokens.saturating_sub(1);
        p.decode += s.decode;
        p.drafted += s.drafted_tokens;
        p.accepted += s.accepted_tokens;
    }
    Ok(p)
}

/// Whether every fact's greedy reply is the same with and without draft tokens.
fn greedy_same(
    model: &mut DialogueModel,
    facts: &[FactPrompt],
    drafts: usize,
) -> anyhow::Result<bool> {
    let mut same = true;
    for f in facts {
        let greedy = Sampling {
            temperature: 0.0,
            ..f.sampling
        };
        model.set_drafts(0);
        let plain = reply(model, f, &greedy, 0)?;
        model.set_drafts(drafts);
        let spec = reply(model, f, &greedy, 0)?;
        if (&plain.0, plain.1.generated_tokens) != (&spec.0, spec.1.generated_tokens) {
            eprintln!(
                "{}: greedy replies differ:\n  {}\n  {}",
                f.speaker, plain.0, spec.0
            );
            same = false;
        }
    }
    Ok(same)
}

/// The reply to `f` up to its first sentence, with its counts.
fn reply(
    model: &mut DialogueModel,
    f: &FactPrompt,
    sampling: &Sampling,
    seed: u64,
) -> anyhow::Result<(String, ReplyStats)> {
    let mut text = String::new();
    let stats = model.generate(&f.prompt, sampling, seed, &mut |step| {
        if let Step::Sentence(s) = step {
            text.push_str(s);
            return Flow::Stop;
        }
        Flow::Continue
    })?;
    Ok((text, stats))
}
