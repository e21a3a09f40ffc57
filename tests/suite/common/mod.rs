//! Helpers shared by the integration tests.
#![allow(dead_code)]

pub mod dialogue;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use npc_minds::decide::Observation;
use npc_minds::inference::{InferencePool, Job, JobInput, PoolEvent, Priority, RequestId};
use npc_minds::sim::SimOptions;

/// A policy job for `npc` with the given generation and priority.
pub fn policy_job(npc: u64, generation: u32, priority: Priority) -> Job {
    let obs = Observation {
        hour: npc as f32 % 24.0,
        needs: [0.5, 0.5, 0.5],
        trust: (npc % 7) as f32 / 7.0,
        ..Default::default()
    };
    Job {
        id: RequestId { npc, generation },
        priority,
        deadline: None,
        input: JobInput::Policy(Box::new(obs)),
    }
}

/// Collects events until `n` completions arrived or `timeout` passed.
pub fn collect(pool: &InferencePool, n: usize, timeout: Duration) -> Vec<PoolEvent> {
    let start = Instant::now();
    let mut out = Vec::new();
    let mut done = 0;
    while done < n && start.elapsed() < timeout {
        match pool.recv_timeout(Duration::from_millis(10)) {
            Some(ev) => {
                if matches!(ev, PoolEvent::Completed(_)) {
                    done += 1;
                }
                out.push(ev);
            }
            None => continue,
        }
    }
    out
}

/// Silences the default panic message for the test's injected panics (they are expected).
pub fn quiet_panics() {
    std::panic::set_hook(Box::new(|info| {
        let msg = info.to_string();
        if !msg.contains("scripted panic") {
            eprintln!("{msg}");
        }
    }));
}

/// A minimal valid NPC config.
pub const ADA: &str = r#"(
    name: "Ada",
    role: "tester",
    persona: (bravery: 0.5, sociability: 0.5, diligence: 0.5, temper: 0.5, honesty: 0.5),
    speech_style: "plain",
    home: "farm_house",
    work: "fields",
    fallback_lines: ["Hello."],
)"#;

/// Why a missing model must fail the test instead of skipping it, if it must: in CI (`CI` set to
/// anything non-empty) or with `NPC_MINDS_REQUIRE_MODELS=1` (set by `scripts/test.sh` and `.ci/run`).
pub fn models_required() -> Option<&'static str> {
    if std::env::var_os("NPC_MINDS_REQUIRE_MODELS").is_some_and(|v| v == "1") {
        Some("NPC_MINDS_REQUIRE_MODELS=1")
    } else if std::env::var_os("CI").is_some_and(|v| !v.is_empty()) {
        Some("CI is set")
    } else {
        None
    }
}

/// `path`, a file of the model `id` of `models/manifest.ron` (under
/// `npc_minds::ml::model_files::models_dir()`), when it is there. When it is missing the test
/// fails when [`models_required`] says so, and otherwise says it is skipped and gets `None` (the
/// one way a model test may pass without its model).
pub fn require_model(id: &str, path: PathBuf) -> Option<PathBuf> {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("models");
    let known: Vec<String> = npc_minds::ml::model_files::read_manifest(&manifest)
        .map(|m| m.into_iter().map(|e| e.id).collect())
        .unwrap_or_default();
    assert!(
        known.is_empty() || known.iter().any(|k| k == id),
        "require_model: no model with id {id:?} in {}/manifest.ron (ids: {known:?})",
        manifest.display()
    );
    if path.is_file() {
        return Some(path);
    }
    let dir = npc_minds::ml::model_files::models_dir();
    let origin = if std::env::var_os("NPC_MINDS_MODELS").is_some() {
        ", set by NPC_MINDS_MODELS"
    } else {
        ""
    };
    let what = format!(
        "model {id:?} is missing: {} does not exist (models folder {}{origin})",
        path.display(),
        dir.display()
    );
    let fix = format!("run `cargo run -- fetch-models` (or `npc-minds fetch-models --model {id}`)");
    if let Some(why) = models_required() {
        panic!("{what}; it is required here ({why}): {fix}");
    }
    eprintln!("SKIPPED: {what}; {fix} (set NPC_MINDS_REQUIRE_MODELS=1 to make this a failure)");
    None
}

/// A lockstep sim of `npcs` villagers for `seconds` game seconds with `seed`.
pub fn lockstep(npcs: usize, seconds: f64, seed: u64) -> SimOptions {
    SimOptions {
        npcs,
        seconds,
        seed,
        lockstep: true,
        ..SimOptions::default()
    }
}
