//! `npc-minds bench dialogue` and `bench emotion`: model speed as medians over several runs, printed
//! as one JSON object with `--json`. Dialogue: prompt and decode speed and time to first token, cold
//! and with a cached persona prefix. Emotion: one sentence, and batches of 32.

use std::process::ExitCode;

use anyhow::Context;
use serde::Serialize;

use crate::inference::metrics::percentile;
use crate::ml::dialogue::DialogueModel;
use crate::ml::dialogue::model::Prompt;
use crate::ml::model_files::dialogue_model_path;

/// What to measure.
#[derive(Debug, clap::Subcommand)]
pub enum BenchCommand {
    /// Prompt and decode tokens/s and time to first token, cold and with a cached persona prefix.
    Dialogue(BenchArgs),
    /// Latency of one sentence and throughput of batches of 32.
    Emotion(BenchArgs),
}

/// Arguments of each benchmark.
#[derive(Debug, clap::Args)]
pub struct BenchArgs {
    /// Threads for the model.
    #[arg(long, default_value_t = 2)]
    pub threads: usize,
    /// Measured runs (after one warm-up); medians are reported (default: 5 for dialogue, 20 for
    /// emotion).
    #[arg(long)]
    pub runs: Option<usize>,
    /// Print one JSON object.
    #[arg(long)]
    pub json: bool,
}

impl BenchCommand {
    pub fn threads(&self) -> usize {
        match self {
            BenchCommand::Dialogue(a) | BenchCommand::Emotion(a) => a.threads,
        }
    }
}

/// `npc-minds bench ...`.
pub fn run(c: BenchCommand) -> anyhow::Result<ExitCode> {
    match c {
        BenchCommand::Dialogue(a) => dialogue(a.threads, a.runs.unwrap_or(5), a.json),
        BenchCommand::Emotion(a) => emotion(a.threads, a.runs.unwrap_or(20), a.json),
    }
}

fn print<T: Serialize + std::fmt::Debug>(r: &T, json: bool) -> anyhow::Result<ExitCode> {
    if json {
        println!("{}", serde_json::to_string(r)?);
    } else {
        println!("{r:#?}");
    }
    Ok(ExitCode::SUCCESS)
}

/// The measured figures (medians).
#[derive(Debug, Serialize)]
pub struct DialogueBench {
    pub engine: &'static str,
    pub model: String,
    pub threads: usize,
    pub runs: usize,
    pub prompt_tokens: usize,
    pub cached_prefix_tokens: usize,
    pub prompt_tps: f64,
    pub decode_tokens: usize,
    pub decode_tps: f64,
    pub ttft_ms_cold: f64,
    pub ttft_ms_cached: f64,
}

/// The same persona and question as the llama.cpp baseline script, split the way the game splits
/// it (persona cached; mood, task and question after it).
fn prompt() -> Prompt {
    Prompt {
        persona:
            "You are Greta, the village baker of Millbrook. You are warm but gossipy, you speak \
                  in short, friendly sentences, and you know everyone's business."
                .into(),
        system: "Stay in character, answer in at most three sentences, and never mention that you \
                 are an AI. You saw the blacksmith near the church late last night. You think the \
                 mayor has been worried about money."
            .into(),
        history: vec![],
        user: "Good morning Greta! Did you notice anything strange last night?".into(),
        prefill: String::new(),
        speaker: "Greta".into(),
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    percentile(&v, 0.5)
}

fn dialogue(threads: usize, runs: usize, json: bool) -> anyhow::Result<ExitCode> {
    let path = dialogue_model_path(&mut |l| eprintln!("{l}"))?;
    let mut model = DialogueModel::load(&path, threads, &mut |l| eprintln!("{l}"))?;
    let req = prompt();
    let n = 64;
    let (mut cold, mut cached, mut prompt_tps, mut decode_tps) = (vec![], vec![], vec![], vec![]);
    let mut last = None;
    for run in 0..=runs.max(1) {
        let c = model.measure(&req, n, true)?;
        let w = model.measure(&req, 0, false)?;
        if run == 0 {
            continue; // warm-up
        }
        eprintln!(
            "run {run}: ttft cold {:.1} ms, cached {:.1} ms, decode {:.1} tok/s",
            c.ttft.as_secs_f64() * 1e3,
            w.ttft.as_secs_f64() * 1e3,
            c.decode_tokens as f64 / c.decode.as_secs_f64()
        );
        cold.push(c.ttft.as_secs_f64() * 1e3);
        cached.push(w.ttft.as_secs_f64() * 1e3);
        prompt_tps.push(c.prompt_tokens as f64 / c.ttft.as_secs_f64());
        decode_tps.push(c.decode_tokens as f64 / c.decode.as_secs_f64());
        last = Some((c, w));
    }
    let (c, w) = last.context("no run was measured")?;
    let r = DialogueBench {
        engine: "candle",
        model: model.model_id().to_string(),
        threads,
        runs: runs.max(1),
        prompt_tokens: c.prompt_tokens,
        cached_prefix_tokens: w.cached_tokens,
        prompt_tps: median(prompt_tps),
        decode_tokens: n,
        decode_tps: median(decode_tps),
        ttft_ms_cold: median(cold),
        ttft_ms_cached: median(cached),
    };
    print(&r, json)
}

/// Figures of `bench emotion` (medians).
#[derive(Debug, Serialize)]
pub struct EmotionBench {
    pub model: String,
    pub threads: usize,
    pub runs: usize,
    /// One sentence per forward pass.
    pub single_ms: f64,
    pub single_p90_ms: f64,
    pub batch_size: usize,
    /// A batch of `batch_size` sentences per forward pass.
    pub batch_ms: f64,
    pub batch_sentences_per_s: f64,
}

/// What players typically type, of mixed length.
const SENTENCES: [&str; 8] = [
    "Good morning! How are you today?",
    "You useless old fool, get out of my way before I knock you down.",
    "Please help me, there are wolves behind the mill and I can't see in the dark!",
    "Thank you so much for the bread, it was the best I have ever eaten.",
    "My brother never came back from the woods last winter.",
    "Wait, the mayor's bell is gone? Since when?",
    "That stew smells like something died in it.",
    "Where can I find the blacksmith?",
];

fn emotion(threads: usize, runs: usize, json: bool) -> anyhow::Result<ExitCode> {
    let classifier =
        crate::ml::emotion::EmotionClassifier::load_default(&mut |l| eprintln!("{l}"))?;
    let batch: Vec<&str> = SENTENCES.iter().cycle().take(32).copied().collect();
    let runs = runs.max(1);
    let (mut single, mut batched) = (Vec::new(), Vec::new());
    for run in 0..=runs {
        for s in SENTENCES {
            let t = std::time::Instant::now();
            classifier.classify(&[s])?;
            if run > 0 {
                single.push(t.elapsed().as_secs_f64() * 1e3);
            }
        }
        let t = std::time::Instant::now();
        classifier.classify(&batch)?;
        if run > 0 {
            batched.push(t.elapsed().as_secs_f64() * 1e3);
        }
    }
    let batch_ms = median(batched);
    let r = EmotionBench {
        model: classifier.model_id(),
        threads,
        runs,
        single_ms: median(single.clone()),
        single_p90_ms: {
            single.sort_by(f64::total_cmp);
            percentile(&single, 0.9)
        },
        batch_size: batch.len(),
        batch_ms,
        batch_sentences_per_s: batch.len() as f64 / (batch_ms / 1e3),
    };
    print(&r, json)
}
