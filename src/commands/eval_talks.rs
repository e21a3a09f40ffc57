//! `npc-minds eval conversations`: plays a conversation set with the grounded dialogue and prints
//! the rates (the work is in `ml::dialogue::eval::conversations`).

use std::path::PathBuf;
use std::process::ExitCode;

use crate::ml::dialogue::eval::conversations::{TalkSummary, TurnScored, run_talks};
use crate::ml::dialogue::eval::talk_summary::merged_refusals;
use crate::ml::dialogue::eval::talks::{load_probe, load_talks};

/// Arguments of `npc-minds eval conversations`.
#[derive(Debug, clap::Args)]
pub struct TalkEvalArgs {
    /// Conversation set (RON; see `assets/datasets/conversations/README.md`). Default: our
    /// held-out set.
    #[arg(long, default_value = "assets/datasets/conversations/heldout.ron")]
    pub(crate) set: PathBuf,
    #[command(flatten)]
    pub run: super::eval_run::EvalRun,
}

fn line(s: &TurnScored) -> String {
    let mut flags: Vec<String> = s.problems.clone();
    if !s.met {
        flags.insert(0, format!("MISSED {:?}", s.expect));
    }
    if s.template {
        flags.push("template".into());
    }
    format!(
        "#{} {} ({:+.1}) {:?} -> {:?} [{} | {}] {}",
        s.talk,
        s.npc,
        s.trust,
        s.say,
        s.reply,
        s.plan,
        s.attempts,
        flags.join("; ")
    )
}

fn print_summary(set: &str, s: &TalkSummary) {
    let pct = |x: f64| format!("{:.1}%", x * 100.0);
    println!(
        "conversation set: {set} ({} conversations, {} turns)",
        s.talks, s.turns
    );
    println!("turns answered right: {}", pct(s.right));
    println!(
        "follow-ups resolved: {} of {}",
        pct(s.follow_ups_right),
        s.follow_ups
    );
    println!(
        "\"anything else\" / \"who else\" turns: {} of {}",
        pct(s.more_right),
        s.more
    );
    println!(
        "repeated sentences {}, echoes {}, leaks {}, persona breaks {}, invented names {}, \
         invented mystery events {}, changed meanings {}",
        s.repeated_sentences,
        s.echoes,
        s.leaks,
        s.persona_breaks,
        s.invented_names,
        s.invented_events,
        s.meaning_changed
    );
    println!(
        "facts copied verbatim: {} of {} fact replies",
        pct(s.verbatim),
        s.fact_replies
    );
    println!(
        "distinct refusals per villager: least {} ({:?})",
        s.min_distinct_refusals, s.refusals
    );
    println!(
        "retried: {}; template lines: {}",
        pct(s.retried),
        pct(s.template)
    );
    println!(
        "first words after the line: median {:.0} ms, p90 {:.0} ms",
        s.first_words_ms_median, s.first_words_ms_p90
    );
}

/// `npc-minds eval conversations`.
pub(crate) fn run(a: TalkEvalArgs) -> anyhow::Result<ExitCode> {
    let cast = a.run.cast();
    let talks = load_talks(&a.set, &cast)?;
    let probe = load_probe(&a.set, &cast)?;
    let (world, mut d) = a.run.load(&cast)?;
    let total: usize = talks.iter().map(|t| t.turns.len()).sum::<usize>() + probe.len();
    let mut done = 0;
    let mut progress = |s: &TurnScored| {
        done += 1;
        if a.run.verbose {
            eprintln!("{done}/{total} {}", line(s));
        } else {
            eprint!("\r{done}/{total} turns");
        }
    };
    let (scored, summary) = run_talks(&mut d, &cast, &world, &talks, a.run.seed, &mut progress)?;
    let (probed, probe_summary) =
        run_talks(&mut d, &cast, &world, &probe, a.run.seed, &mut progress)?;
    eprintln!();
    let (refusals, least) = merged_refusals(&summary, &probe_summary);
    if a.run.json {
        let out = serde_json::json!({
            "set": a.set,
            "summary": summary,
            "turns": scored,
            "probe": { "summary": probe_summary, "turns": probed },
            "refusals": { "per_villager": refusals, "least": least },
        });
        println!("{}", serde_json::to_string_pretty(&out)?);
    } else {
        for s in scored.iter().chain(&probed).filter(|s| !s.right) {
            println!("{}", line(s));
        }
        print_summary(&a.set.display().to_string(), &summary);
        if !probe.is_empty() {
            let p = &probe_summary;
            println!(
                "refusal probe: {} lines asked of every villager alone; leaks {}, persona breaks \
                 {}, invented names {}, invented mystery events {}, echoes {}",
                p.turns, p.leaks, p.persona_breaks, p.invented_names, p.invented_events, p.echoes
            );
            println!("distinct refusals per villager, set and probe: least {least} ({refusals:?})");
        }
    }
    Ok(ExitCode::SUCCESS)
}
