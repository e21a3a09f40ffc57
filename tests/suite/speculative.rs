//! Speculative decoding with draft tokens looked up in the reply's own context: greedy replies
//! are the same token for token as plain decoding's, most drafts of a grounded fact reply are
//! accepted, and a reply stopped at a token stops there. (That sampled replies keep their
//! distribution is `ml::lm::sample`'s unit test: it needs hundreds of thousands of draws.)

use crate::common;
use crate::common::dialogue;

use npc_minds::config::CaseConfig;
use npc_minds::decide::sampling::Sampling;
use npc_minds::ml::dialogue::eval::facts::{FactPrompt, fact_prompts};
use npc_minds::ml::lm::DialogueModel;
use npc_minds::ml::lm::engine::EngineKind;
use npc_minds::ml::lm::model::{DRAFT_TOKENS, Flow, ReplyStats, Step};
use npc_minds::ml::model_files::models_dir;

fn load() -> Option<DialogueModel> {
    let path = common::require_model(
        "dialogue",
        models_dir().join("SmolLM2-135M-Instruct.Q4_1.gguf"),
    )?;
    Some(
        DialogueModel::load_engine(&path, EngineKind::OursQ4, 2, &mut |l| eprintln!("{l}"))
            .expect("loads"),
    )
}

fn facts() -> Vec<FactPrompt> {
    let case = CaseConfig::load("assets/cases/stolen-bell.case.ron".as_ref()).expect("the case");
    fact_prompts(&dialogue::cast(), Some(&case), &dialogue::world())
}

/// Every sentence of the reply to `f` (the first only with `first`), and its counts; stopped at
/// token `stop_at` when given.
fn reply(
    m: &mut DialogueModel,
    f: &FactPrompt,
    s: &Sampling,
    first: bool,
    stop_at: Option<usize>,
) -> (String, ReplyStats) {
    let (mut text, mut tokens) = (String::new(), 0);
    let stats = m
        .generate(&f.prompt, s, 3, &mut |step| match step {
            Step::Token => {
                tokens += 1;
                if stop_at == Some(tokens) {
                    Flow::Stop
                } else {
                    Flow::Continue
                }
            }
            Step::Sentence(s) => {
                text.push_str(s);
                text.push('|');
                if first { Flow::Stop } else { Flow::Continue }
            }
        })
        .expect("generates");
    (text, stats)
}

#[test]
fn greedy_replies_come_out_the_same_with_draft_tokens_and_most_drafts_of_facts_are_accepted() {
    let Some(mut m) = load() else { return };
    let facts = facts();
    assert!(facts.len() >= 10, "{} facts", facts.len());
    let (mut drafted, mut accepted) = (0, 0);
    for (i, f) in facts.iter().enumerate().step_by(2) {
        // Whole replies (the model's own story after the fact too), and fact sentences alone
        // as the game says them.
        let first = i % 4 == 2;
        let greedy = Sampling {
            temperature: 0.0,
            ..f.sampling
        };
        m.set_drafts(0);
        let (plain, p) = reply(&mut m, f, &greedy, first, None);
        m.set_drafts(DRAFT_TOKENS);
        let (spec, s) = reply(&mut m, f, &greedy, first, None);
        assert_eq!(plain, spec, "{}: {:?}", f.speaker, f.prompt.prefill);
        assert_eq!(p.generated_tokens, s.generated_tokens, "{}", f.speaker);
        assert_eq!(p.drafted_tokens, 0);
        if first {
            drafted += s.drafted_tokens;
            accepted += s.accepted_tokens;
        }
    }
    eprintln!("{accepted} of {drafted} draft tokens of fact sentences accepted");
    assert!(
        drafted > 0 && accepted * 2 > drafted,
        "{accepted} of {drafted} draft tokens accepted"
    );
}

#[test]
fn a_reply_stopped_at_a_token_stops_there_with_draft_tokens() {
    let Some(mut m) = load() else { return };
    let f = &facts()[0];
    m.set_drafts(DRAFT_TOKENS);
    let (_, whole) = reply(&mut m, f, &f.sampling, false, None);
    assert!(
        whole.generated_tokens > 6,
        "{} tokens",
        whole.generated_tokens
    );
    let (_, cut) = reply(&mut m, f, &f.sampling, false, Some(4));
    assert!(cut.cancelled);
    assert_eq!(cut.generated_tokens, 3, "the fourth token was not taken");
}
