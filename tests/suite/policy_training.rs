//! Training the policy in the headless village: a short run on a fixed seed beats its own
//! starting point when both play the same unseen world greedily, and a seed gives the same network.

use npc_minds::decide::{Observation, action_mask};
use npc_minds::ml::policy::encoding::{ACTIONS, OBS_DIM, encode};
use npc_minds::ml::policy::net::PolicyNet;
use npc_minds::sim::policy::PolicyChoice;
use npc_minds::sim::train::{TrainOptions, train};
use npc_minds::sim::{SimOptions, run_sim};

fn dir() -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("npc-minds-train-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn options(
    out: &str,
    steps: usize,
    clone_epochs: usize,
    npcs: usize,
    seconds: f64,
) -> TrainOptions {
    TrainOptions {
        steps,
        seed: 3,
        resume: None,
        out: dir().join(out),
        curve: dir().join(format!("{out}.csv")),
        npcs,
        seconds,
        clone_epochs,
    }
}

fn greedy_reward(weights: std::path::PathBuf) -> f64 {
    run_sim(SimOptions {
        npcs: 30,
        seconds: 120.0,
        seed: 11,
        lockstep: true,
        policy: PolicyChoice::Net(weights),
        ..SimOptions::default()
    })
    .unwrap()
    .mean_reward
}

#[test]
fn a_short_training_run_improves_on_its_start() {
    let start = options("start.safetensors", 0, 0, 30, 120.0);
    train(&start, &mut |_| {}).unwrap();
    let trained = options("trained.safetensors", 2, 30, 30, 120.0);
    let curve = train(&trained, &mut |l| eprintln!("{l}")).unwrap();
    assert_eq!(
        curve.len(),
        3,
        "the utility AI's episode and two iterations"
    );
    let csv = std::fs::read_to_string(&trained.curve).unwrap();
    assert_eq!(csv.lines().count(), 4, "{csv}");
    let png = std::fs::read(trained.curve.with_extension("png")).unwrap();
    assert!(
        png.starts_with(b"\x89PNG") && png.len() > 1000,
        "a learning-curve plot"
    );
    let (before, after) = (greedy_reward(start.out), greedy_reward(trained.out));
    eprintln!("greedy mean reward on an unseen world: start {before:.4}, trained {after:.4}");
    assert!(after > before + 0.05, "start {before}, trained {after}");
}

#[test]
fn the_same_seed_trains_the_same_network() {
    let a = options("a.safetensors", 1, 3, 20, 40.0);
    let b = options("b.safetensors", 1, 3, 20, 40.0);
    train(&a, &mut |_| {}).unwrap();
    train(&b, &mut |_| {}).unwrap();
    let (na, nb) = (
        PolicyNet::load(&a.out).unwrap(),
        PolicyNet::load(&b.out).unwrap(),
    );
    let obs: Vec<Observation> = (0..50)
        .map(|i| Observation {
            needs: [i as f32 / 50.0, 0.5, 1.0 - i as f32 / 50.0],
            hour: i as f32 * 0.45,
            player: ([0.0, 1.0], 100.0 + i as f32 * 10.0),
            threat: ([1.0, 0.0], 50.0 + i as f32 * 20.0),
            ..Default::default()
        })
        .collect();
    let rows: Vec<[f32; OBS_DIM]> = obs.iter().map(|o| encode(o).unwrap()).collect();
    let masks: Vec<[bool; ACTIONS]> = obs.iter().map(action_mask).collect();
    assert_eq!(
        na.decide(&rows, &masks).unwrap(),
        nb.decide(&rows, &masks).unwrap()
    );
}
