//! `npc-minds bench serve`: concurrent streamed chats against the model service over loopback,
//! as llama.cpp's server is measured (`../shared/tools/llama-server-baseline`): the same prompts,
//! 64 tokens each with `ignore_eos`, no repeat penalty (llama.cpp's default). Per concurrency level: aggregate tokens/s, time to first
//! token p50/p99, errors; the process's memory before and after (and after `--soak-secs`).

use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;
use serde::Serialize;
use serde_json::{Value, json};

use super::print;
use crate::inference::metrics::percentile;
use crate::remote::Client;
use crate::serve::{CHAT_MODEL, Limits, LoadOptions, ServeOptions, Server};

/// Arguments of the service benchmark.
#[derive(Debug, clap::Args)]
pub struct ServeBenchArgs {
    /// Concurrent streams, one level after another.
    #[arg(long, value_delimiter = ',', default_value = "1,8")]
    pub(crate) concurrency: Vec<usize>,
    /// Requests per stream at each level.
    #[arg(long, default_value_t = 2)]
    pub(crate) requests: usize,
    /// Tokens per reply (with `ignore_eos`, so every reply has this many).
    #[arg(long, default_value_t = 64)]
    pub(crate) max_tokens: usize,
    /// Threads of the served models.
    #[arg(long, default_value_t = 2)]
    pub(crate) threads: usize,
    /// Conversations the server decodes together.
    #[arg(long, default_value_t = 32)]
    pub(crate) max_batch: usize,
    /// After the levels, keep the highest level running this long and report memory again.
    #[arg(long, default_value_t = 0)]
    pub(crate) soak_secs: u64,
    /// The model to ask (`npc:NAME` measures a villager's grounded replies instead).
    #[arg(long, default_value = CHAT_MODEL)]
    pub(crate) model: String,
    /// Print one JSON object.
    #[arg(long)]
    pub(crate) json: bool,
}

/// One concurrency level.
#[derive(Debug, Serialize)]
pub(crate) struct Level {
    pub(crate) concurrency: usize,
    pub(crate) requests: usize,
    pub(crate) errors: usize,
    pub(crate) completion_tokens: usize,
    pub(crate) wall_s: f64,
    pub(crate) aggregate_tps: f64,
    pub(crate) ttft_ms_p50: f64,
    pub(crate) ttft_ms_p99: f64,
}

/// Figures of `bench serve`.
#[derive(Debug, Serialize)]
pub(crate) struct ServeBench {
    pub(crate) model: String,
    pub(crate) threads: usize,
    pub(crate) max_tokens: usize,
    pub(crate) levels: Vec<Level>,
    /// Aggregate tokens/s of the highest level over the first (one stream, when it is 1).
    pub(crate) ratio: Option<f64>,
    pub(crate) rss_mb_ready: f64,
    pub(crate) rss_mb_after: f64,
    pub(crate) soak_secs: u64,
    pub(crate) rss_mb_after_soak: Option<f64>,
}

/// This process's resident memory in MB (0 where /proc is missing).
fn rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            let line = s.lines().find(|l| l.starts_with("VmRSS:"))?;
            line.split_whitespace().nth(1)?.parse::<f64>().ok()
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

fn body(model: &str, i: usize, max_tokens: usize) -> Value {
    json!({
        "model": model,
        "messages": [
            {"role": "system", "content": "You are Greta, the village baker of Millbrook. Answer in short, friendly sentences."},
            {"role": "user", "content": format!("Describe your bakery in the morning, take {i}.")},
        ],
        // No repeat penalty, as llama.cpp's server samples by default.
        "max_tokens": max_tokens, "temperature": 0.7, "seed": i, "ignore_eos": true,
        "repeat_penalty": 1.0,
        "stream_options": {"include_usage": true},
    })
}

/// One streamed request: (completion tokens, ms to the first content).
fn one(client: &Client, model: &str, i: usize, max_tokens: usize) -> Option<(usize, f64)> {
    let t = Instant::now();
    let mut first = None;
    let mut tokens = 0;
    let end = client
        .chat_stream(&body(model, i, max_tokens), &mut |v| {
            let has_text = v["choices"][0]["delta"]["content"]
                .as_str()
                .is_some_and(|s| !s.is_empty());
            if has_text && first.is_none() {
                first = Some(t.elapsed().as_secs_f64() * 1000.0);
            }
            if let Some(n) = v["usage"]["completion_tokens"].as_u64() {
                tokens = n as usize;
            }
            true
        })
        .ok()?;
    (end.done && end.error.is_none()).then(|| (tokens, first.unwrap_or(0.0)))
}

fn level(client: &Client, model: &str, c: usize, per_stream: usize, max_tokens: usize) -> Level {
    let total = c * per_stream;
    let next = Arc::new(AtomicUsize::new(0));
    let t = Instant::now();
    let results: Vec<Option<(usize, f64)>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..c)
            .map(|_| {
                let next = next.clone();
                s.spawn(move || {
                    let mut out = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        if i >= total {
                            return out;
                        }
                        out.push(one(client, model, i + 1, max_tokens));
                    }
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_default())
            .collect()
    });
    let wall = t.elapsed().as_secs_f64();
    let ok: Vec<(usize, f64)> = results.iter().flatten().copied().collect();
    let tokens: usize = ok.iter().map(|r| r.0).sum();
    let mut ttft: Vec<f64> = ok.iter().map(|r| r.1).collect();
    ttft.sort_by(f64::total_cmp);
    Level {
        concurrency: c,
        requests: total,
        errors: total - ok.len(),
        completion_tokens: tokens,
        wall_s: wall,
        aggregate_tps: tokens as f64 / wall,
        ttft_ms_p50: percentile(&ttft, 0.5),
        ttft_ms_p99: percentile(&ttft, 0.99),
    }
}

pub(crate) fn run(a: ServeBenchArgs) -> anyhow::Result<ExitCode> {
    anyhow::ensure!(
        !a.concurrency.is_empty() && a.concurrency.iter().all(|&c| (1..=256).contains(&c)),
        "--concurrency: levels between 1 and 256"
    );
    anyhow::ensure!(a.requests >= 1, "--requests must be at least 1");
    let top = a.concurrency.iter().copied().max().unwrap_or(1);
    let options = ServeOptions {
        addr: "127.0.0.1:0".parse()?,
        limits: Limits {
            api_key: None,
            max_tokens: a.max_tokens.max(1),
            timeout: Duration::from_secs(600),
            max_queue: top * 2,
            max_batch: a.max_batch.max(1),
            max_body: 1 << 20,
        },
        load: LoadOptions {
            threads: a.threads.max(1),
            policy_file: "models/policy.safetensors".into(),
        },
        http_threads: 1,
    };
    let server = Server::start(options, "assets/npcs".as_ref(), "mods".as_ref(), |l| {
        eprintln!("{l}")
    })
    .context("cannot start the service on loopback")?;
    let deadline = Instant::now() + Duration::from_secs(600);
    while !server.ready() {
        if let Some(e) = server.load_error() {
            anyhow::bail!("the service could not load its models: {e}");
        }
        anyhow::ensure!(
            Instant::now() < deadline,
            "the models took over 10 minutes to load"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let client = Client::new(
        &format!("http://{}", server.addr()),
        None,
        Duration::from_secs(600),
    );
    let rss_ready = rss_mb();
    one(&client, &a.model, 0, a.max_tokens).context("the warm-up request failed")?;
    let mut levels = Vec::new();
    for &c in &a.concurrency {
        let l = level(&client, &a.model, c, a.requests, a.max_tokens);
        eprintln!(
            "concurrency {c}: {:.1} tok/s aggregate, first token p50 {:.0} ms p99 {:.0} ms, {} errors",
            l.aggregate_tps, l.ttft_ms_p50, l.ttft_ms_p99, l.errors
        );
        levels.push(l);
    }
    let rss_after = rss_mb();
    let mut rss_soak = None;
    if a.soak_secs > 0 {
        let end = Instant::now() + Duration::from_secs(a.soak_secs);
        while Instant::now() < end {
            level(&client, &a.model, top, 1, a.max_tokens);
        }
        rss_soak = Some(rss_mb());
    }
    let ratio = match (levels.first(), levels.last()) {
        (Some(f), Some(l)) if levels.len() > 1 && f.aggregate_tps > 0.0 => {
            Some(l.aggregate_tps / f.aggregate_tps)
        }
        _ => None,
    };
    let report = ServeBench {
        model: a.model.clone(),
        threads: a.threads,
        max_tokens: a.max_tokens,
        levels,
        ratio,
        rss_mb_ready: rss_ready,
        rss_mb_after: rss_after,
        soak_secs: a.soak_secs,
        rss_mb_after_soak: rss_soak,
    };
    server.stop();
    print(&report, a.json)
}
