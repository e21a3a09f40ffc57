//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::time::{Duration, Instant};

use npc_minds::inference::{
    InferencePool, Job, JobInput, Observation, PoolEvent, Priority, RequestId,
};

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
