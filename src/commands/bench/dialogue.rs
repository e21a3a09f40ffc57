//! `npc-minds bench dialogue`: prompt and decode speed and time to first token, cold and with a
//! cached persona prefix, for one engine or several side by side (their runs interleaved), and
//! the aggregate rate of several conversations decoded together (`--batch`).

use std::process::ExitCode;

use anyhow::Context;
use serde::Serialize;

use super::speculative::{self, SpeculativeBench};
use super::{BenchArgs, bandwidth, median, print};
use crate::config::DEFAULT_CASE;
use crate::ml::lm::DialogueModel;
use crate::ml::lm::Kernel;
use crate::ml::lm::engine::EngineKind;
use crate::ml::lm::model::DRAFT_TOKENS;
use crate::ml::lm::model::Prompt;
use crate::ml::lm::speed::SpeedRun;
use crate::ml::model_files::dialogue_model_path;

/// Arguments of the dialogue benchmark.

#[derive(Debug, clap::Args)]
pub struct DialogueBenchArgs {
    #[command(flatten)]
    pub(crate) common: BenchArgs,
    /// Engines to measure, side by side in the same run (their runs interleaved): `ours` (our
    /// forward pass, Q8_0 weights), `ours-q4` (ours on the file's Q4_1 blocks), `candle`.
    /// Default: the engine the game uses (`NPC_MINDS_LM_ENGINE`, else `ours-q4`).
    #[arg(long, value_enum, value_delimiter = ',')]
    pub(crate) engine: Vec<EngineKind>,
    /// Also measure candle's stock quantized llama (the reference), side by side.
    #[arg(long)]
    pub(crate) reference: bool,
    /// Also decode N conversations together (one batched step per token) and report the
    /// aggregate rate (`aggregate_decode_tps`).
    #[arg(long, default_value_t = 1)]
    pub(crate) batch: usize,
    /// Kernels to run our engines with, side by side (`scalar`, `avx2`, `avx512-vnni`; one this
    /// CPU lacks is refused). Default: the best this CPU has.
    #[arg(long, value_delimiter = ',', value_parser = Kernel::from_name)]
    pub(crate) kernel: Vec<Kernel>,
    /// Also decode grounded fact replies (every villager of `--case` stating each thing it
    /// knows) with draft tokens looked up in their context and without, side by side:
    /// `speculative_decode_tps`, `plain_decode_tps`, `acceptance_rate`, and whether greedy
    /// replies come out the same (`greedy_identical`). On the first engine measured.
    #[arg(long)]
    pub(crate) speculative: bool,
    /// Draft tokens verified per step with `--speculative`.
    #[arg(long, default_value_t = DRAFT_TOKENS)]
    pub(crate) drafts: usize,
    /// The case whose villagers' facts `--speculative` decodes.
    #[arg(long, default_value = DEFAULT_CASE)]
    pub(crate) case: String,
}

/// The measured figures (medians).
#[derive(Debug, Serialize)]
pub(crate) struct DialogueBench {
    pub(crate) engine: EngineKind,
    /// The engine, and the kernel when `--kernel` chose one (`ours-q4/avx2`).
    pub(crate) label: String,
    /// What computed: engine, weight format, kernel, bytes read per token.
    pub(crate) engine_detail: String,
    pub(crate) model: String,
    pub(crate) threads: usize,
    pub(crate) runs: usize,
    pub(crate) prompt_tokens: usize,
    pub(crate) cached_prefix_tokens: usize,
    pub(crate) prompt_tps: f64,
    pub(crate) decode_tokens: usize,
    pub(crate) decode_tps: f64,
    pub(crate) ttft_ms_cold: f64,
    pub(crate) ttft_ms_cached: f64,
    /// Conversations decoded together for `aggregate_decode_tps` (1: not measured).
    pub(crate) batch: usize,
    /// Tokens/s over all `batch` conversations decoded together (median).
    pub(crate) aggregate_decode_tps: Option<f64>,
    /// Bytes of weights one decoded token reads (our engine).
    pub(crate) bytes_per_token: Option<usize>,
    /// This machine's parallel memory read rate on `threads` threads, measured in the same run.
    pub(crate) memory_read_gbps: f64,
    /// `memory_read_gbps` over `bytes_per_token`: the decode rate no kernel can pass here.
    pub(crate) decode_ceiling_tps: Option<f64>,
    /// With `--speculative` (first engine only).
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub(crate) speculative: Option<SpeculativeBench>,
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

pub(crate) fn run(a: DialogueBenchArgs) -> anyhow::Result<ExitCode> {
    let (threads, runs, json) = (
        a.common.threads,
        a.common.runs.unwrap_or(5).max(1),
        a.common.json,
    );
    let mut kinds = if a.engine.is_empty() {
        vec![EngineKind::from_env().map_err(anyhow::Error::msg)?]
    } else {
        a.engine
    };
    if a.reference && !kinds.contains(&EngineKind::Candle) {
        kinds.push(EngineKind::Candle);
    }
    let batch = a.batch.max(1);
    let mut models = load_models(&kinds, &a.kernel, threads)?;
    let gbps = bandwidth::read_gbps(threads)?;
    eprintln!("memory read on {threads} threads: {gbps:.1} GB/s");
    let req = prompt();
    let n = 64;
    let samples = measure(&mut models, &req, n, runs, batch)?;
    let mut spec = match (a.speculative, models.first_mut()) {
        (true, Some((_, _, m))) => Some(speculative::measure(m, &a.case, a.drafts, runs)?),
        _ => None,
    };
    let mut out = Vec::new();
    for ((label, k, model), s) in models.into_iter().zip(samples) {
        let (c, w) = s.last.context("no run was measured")?;
        let bytes = model.bytes_per_token();
        out.push(DialogueBench {
            engine: k,
            label,
            engine_detail: model.engine(),
            model: model.model_id().to_string(),
            threads,
            runs,
            prompt_tokens: c.prompt_tokens,
            cached_prefix_tokens: w.cached_tokens,
            prompt_tps: median(s.prompt_tps),
            decode_tokens: n,
            decode_tps: median(s.decode_tps),
            ttft_ms_cold: median(s.cold),
            ttft_ms_cached: median(s.cached),
            batch,
            aggregate_decode_tps: (batch > 1).then(|| median(s.aggregate)),
            bytes_per_token: bytes,
            memory_read_gbps: gbps,
            decode_ceiling_tps: bytes.map(|b| gbps * 1e9 / b as f64),
            speculative: spec.take(),
        });
    }
    print_ratios(&out, batch);
    if out.len() == 1 {
        print(&out[0], json)
    } else {
        print(&out, json)
    }
}

/// Each chosen engine once per chosen kernel: (label, engine, model).
fn load_models(
    kinds: &[EngineKind],
    kernel: &[Kernel],
    threads: usize,
) -> anyhow::Result<Vec<(String, EngineKind, DialogueModel)>> {
    let path = dialogue_model_path(&mut |l| eprintln!("{l}"))?;
    let mut models = Vec::new();
    for &k in kinds {
        let kernels: Vec<Option<Kernel>> = if kernel.is_empty() || k == EngineKind::Candle {
            vec![None]
        } else {
            kernel.iter().copied().map(Some).collect()
        };
        for kernel in kernels {
            let m = DialogueModel::load_engine(&path, k, threads, &mut |l| eprintln!("{l}"))?;
            let (m, label) = match kernel {
                Some(c) => (m.with_kernel(c), format!("{}/{}", k.name(), c.name())),
                None => (m, k.name().to_string()),
            };
            eprintln!("{label}: {}", m.engine());
            models.push((label, k, m));
        }
    }
    Ok(models)
}

/// One warm-up, then `runs` measured runs of every model in turn (side by side): first token
/// cold and cached, decode, and `batch` conversations together when more than one.
fn measure(
    models: &mut [(String, EngineKind, DialogueModel)],
    req: &Prompt,
    n: usize,
    runs: usize,
    batch: usize,
) -> anyhow::Result<Vec<Samples>> {
    let batch_prompts = batch_prompts(batch);
    let mut samples: Vec<Samples> = models.iter().map(|_| Samples::default()).collect();
    for run in 0..=runs {
        for ((label, _, model), s) in models.iter_mut().zip(&mut samples) {
            let c = model.measure(req, n, true)?;
            let w = model.measure(req, 0, false)?;
            if run == 0 {
                continue; // warm-up
            }
            eprintln!(
                "run {run} {label}: ttft cold {:.1} ms, cached {:.1} ms, decode {:.1} tok/s",
                c.ttft.as_secs_f64() * 1e3,
                w.ttft.as_secs_f64() * 1e3,
                c.decode_tokens as f64 / c.decode.as_secs_f64()
            );
            s.cold.push(c.ttft.as_secs_f64() * 1e3);
            s.cached.push(w.ttft.as_secs_f64() * 1e3);
            s.prompt_tps
                .push(c.prompt_tokens as f64 / c.ttft.as_secs_f64());
            s.decode_tps
                .push(c.decode_tokens as f64 / c.decode.as_secs_f64());
            s.last = Some((c, w));
            if batch > 1 {
                let b = model.measure_batch(&batch_prompts, n)?;
                let tps = b.decode_tokens as f64 / b.decode.as_secs_f64();
                eprintln!("run {run} {label}: {batch} together, {tps:.1} tok/s");
                s.aggregate.push(tps);
            }
        }
    }
    Ok(samples)
}

/// Each engine after the first against the first: decode, prompt, cached first token, batch.
fn print_ratios(out: &[DialogueBench], batch: usize) {
    for r in out.iter().skip(1) {
        if let (Some(x), Some(y)) = (out[0].aggregate_decode_tps, r.aggregate_decode_tps) {
            eprintln!(
                "{} / {}: {batch} conversations together {:.2}×",
                out[0].label,
                r.label,
                x / y
            );
        }
        eprintln!(
            "{} / {}: decode {:.2}×, prompt {:.2}×, cached first token {:.2}× the time",
            out[0].label,
            r.label,
            out[0].decode_tps / r.decode_tps,
            out[0].prompt_tps / r.prompt_tps,
            out[0].ttft_ms_cached / r.ttft_ms_cached
        );
    }
}

/// One engine's measurements over the runs.
#[derive(Default)]
struct Samples {
    cold: Vec<f64>,
    cached: Vec<f64>,
    prompt_tps: Vec<f64>,
    decode_tps: Vec<f64>,
    aggregate: Vec<f64>,
    last: Option<(SpeedRun, SpeedRun)>,
}

/// `n` conversations with the benchmark's villager, each asked something else (so their
/// prompts, and positions, differ).
fn batch_prompts(n: usize) -> Vec<Prompt> {
    const LINES: [&str; 8] = [
        "Good morning Greta! Did you notice anything strange last night?",
        "What bread do you bake?",
        "Who was out late last night?",
        "Have you heard the wolves howling near the forest lately, Greta?",
        "Is the mayor worried?",
        "Tell me about the blacksmith.",
        "Do you know where the bell is?",
        "What do people in the village say about the miller and his money?",
    ];
    (0..n)
        .map(|i| Prompt {
            user: LINES[i % LINES.len()].into(),
            ..prompt()
        })
        .collect()
}
