//! `npc-minds eval dialogue`: runs a question set against the grounded dialogue and prints the
//! rates (the work is in `ml::dialogue::eval`).

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;

use crate::ml::dialogue::eval::{self, Scored, Summary};

/// What to evaluate.
#[derive(Debug, clap::Subcommand)]
pub enum EvalCommand {
    /// Ask villagers a question set and score the replies (fact stated, leaks, persona breaks,
    /// invented names, form, model words vs template lines, retries, repeats).
    Dialogue(EvalArgs),
    /// Tell villagers things, ask about them in a later conversation, and score whether they
    /// remember (memory retrieval and the reply).
    Memory(super::eval_memory::MemoryEvalArgs),
    /// Play whole conversations (follow-ups, "anything else?", evidence, claims, hostile lines)
    /// and score every turn: answered right, and no leak, break, invented name or event, changed
    /// meaning, echo or repeated sentence.
    Conversations(super::eval_talks::TalkEvalArgs),
}

/// Arguments of `npc-minds eval dialogue`.
#[derive(Debug, clap::Args)]
pub struct EvalArgs {
    /// Question set (TSV: npc, trust, kind, fact, line; see README). Default: our held-out set.
    #[arg(long, default_value = "assets/datasets/dialogue/heldout.tsv")]
    pub(crate) set: PathBuf,
    /// Score these replies (one per row of the set, in order, one per line) instead of asking
    /// the model: for comparing another system with the same checks.
    #[arg(long, value_name = "FILE")]
    pub(crate) replies: Option<PathBuf>,
    #[command(flatten)]
    pub run: super::eval_run::EvalRun,
}

fn line(s: &Scored) -> String {
    let mut flags = Vec::new();
    match (s.stated, s.leaked) {
        (Some(false), _) => flags.push("MISSED".to_string()),
        (_, Some(true)) => flags.push("LEAK".to_string()),
        _ => {}
    }
    flags.extend(s.breaks.iter().map(|b| format!("BREAK {b}")));
    flags.extend(s.invented.iter().map(|n| format!("NAME {n}")));
    flags.extend(s.claimed.iter().map(|c| format!("CLAIM {c:?}")));
    if s.template {
        flags.push("template".into());
    }
    format!(
        "{} ({:+.1}, {}) {:?} -> {:?} [{}] {}",
        s.npc,
        s.trust,
        s.intent,
        s.line,
        s.reply,
        s.attempts,
        flags.join(" ")
    )
}

fn print_summary(set: &str, s: &Summary) {
    println!("question set: {set} ({} rows)", s.rows);
    println!(
        "facts stated at sufficient trust: {:.1}% of {}",
        s.fact_stated * 100.0,
        s.fact_rows
    );
    println!("withheld facts leaked: {} of {}", s.leaks, s.withheld_rows);
    println!("persona breaks: {}", s.persona_breaks);
    println!("invented names: {}", s.invented_names);
    println!(
        "claims to have witnessed, in replies stating no fact: {}",
        s.invented_claims
    );
    println!("replies not 1-3 sentences on one line: {}", s.malformed);
    println!(
        "model's words: {:.1}%; retried: {:.1}%; template lines: {:.1}%",
        s.model_words * 100.0,
        s.retried * 100.0,
        s.template * 100.0
    );
    println!("repeats within a conversation: {}", s.repeats);
    println!(
        "understanding + planning: median {:.1} ms",
        s.understand_ms_median
    );
    println!(
        "first words after the line: median {:.0} ms, p90 {:.0} ms",
        s.first_words_ms_median, s.first_words_ms_p90
    );
}

/// `npc-minds eval ...`.
pub fn run(command: EvalCommand) -> anyhow::Result<ExitCode> {
    match command {
        EvalCommand::Dialogue(a) => run_dialogue(a),
        EvalCommand::Memory(a) => super::eval_memory::run(a),
        EvalCommand::Conversations(a) => super::eval_talks::run(a),
    }
}

/// `npc-minds eval dialogue`.
fn run_dialogue(a: EvalArgs) -> anyhow::Result<ExitCode> {
    let cast = a.run.cast();
    let rows = eval::load_set(&a.set, &cast)?;
    let (world, mut d) = a.run.load(&cast)?;
    let (scored, summary) = match &a.replies {
        Some(file) => {
            let text = std::fs::read_to_string(file)
                .with_context(|| format!("cannot read {}", file.display()))?;
            let replies: Vec<String> = text.lines().map(str::to_string).collect();
            anyhow::ensure!(
                replies.len() == rows.len(),
                "{} has {} replies for {} rows",
                file.display(),
                replies.len(),
                rows.len()
            );
            let common = Arc::new(d.voice.tokenizer().common_words());
            eval::score_replies(&rows, &replies, &cast, &world, common)
        }
        None => {
            let total = rows.len();
            let mut done = 0;
            eval::run(&mut d, &cast, &world, &rows, a.run.seed, &mut |s| {
                done += 1;
                if a.run.verbose {
                    eprintln!("{done}/{total} {}", line(s));
                } else {
                    eprint!("\r{done}/{total} replies");
                }
            })?
        }
    };
    eprintln!();
    if a.run.json {
        let out = serde_json::json!({ "set": a.set, "summary": summary, "replies": scored });
        println!("{}", serde_json::to_string_pretty(&out)?);
    } else {
        for s in scored.iter().filter(|s| {
            s.stated == Some(false)
                || s.leaked == Some(true)
                || s.breaks.is_some()
                || s.invented.is_some()
        }) {
            println!("{}", line(s));
        }
        print_summary(&a.set.display().to_string(), &summary);
    }
    Ok(ExitCode::SUCCESS)
}
