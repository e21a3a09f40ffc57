//! `npc-minds bench dialogue`: prompt and decode speed, and time to first token cold and with a
//! cached persona prefix, as medians over several runs, printed as one JSON object.

use std::process::ExitCode;

use serde::Serialize;

use crate::inference::{DialogueRequest, Sampling};
use crate::ml::dialogue::DialogueModel;

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

/// The same persona and question as the llama.cpp baseline script, split the way the game splits it.
fn request() -> DialogueRequest {
    DialogueRequest {
        speaker: "Greta".into(),
        identity: "You are Greta, the village baker of Millbrook.".into(),
        instructions: "You are warm but gossipy, you speak in short, friendly sentences, and you know everyone's \
                       business."
            .into(),
        mood: "Stay in character, answer in at most three sentences, and never mention that you are an AI.".into(),
        facts: vec![
            "You saw the blacksmith near the church late last night.".into(),
            "You think the mayor has been worried about money.".into(),
        ],
        history: vec![],
        line: "Good morning Greta! Did you notice anything strange last night?".into(),
        sampling: Sampling { temperature: 0.0, ..Sampling::default() },
        seed: 1,
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    if v.is_empty() { 0.0 } else { v[v.len() / 2] }
}

pub fn dialogue(threads: usize, runs: usize, json: bool) -> ExitCode {
    let path = match super::fetch::dialogue_model_path() {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut model = match DialogueModel::load(&path, threads, &mut |l| eprintln!("{l}")) {
        Ok(m) => m,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let req = request();
    let n = 64;
    let (mut cold, mut cached, mut prompt_tps, mut decode_tps) = (vec![], vec![], vec![], vec![]);
    let mut last = None;
    for run in 0..=runs.max(1) {
        let c = match model.measure(&req, n, true) {
            Ok(r) => r,
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::FAILURE;
            }
        };
        let w = match model.measure(&req, 0, false) {
            Ok(r) => r,
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::FAILURE;
            }
        };
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
    let Some((c, w)) = last else {
        return ExitCode::FAILURE;
    };
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
    if json {
        println!("{}", serde_json::to_string(&r).unwrap_or_default());
    } else {
        println!("{r:#?}");
    }
    ExitCode::SUCCESS
}
