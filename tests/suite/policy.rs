//! The policy network and its lane backend: shapes, masking, save/load with the encoding version,
//! batched equals one at a time, bad weights and bad observations fall back to the utility AI.

use candle_core::{Device, Tensor};
use candle_nn::VarMap;
use npc_minds::decide::{Action, Observation, action_mask};
use npc_minds::inference::{Backend, InferenceError, JobInput, JobOutput, StreamContext};
use npc_minds::ml::policy::PolicyBackend;
use npc_minds::ml::policy::encoding::{ACTIONS, OBS_DIM, OBS_VERSION, encode};
use npc_minds::ml::policy::net::{PolicyError, PolicyNet};
use npc_minds::ml::weights;
use npc_minds::sim::policy::{PolicyChoice, backend_factory};

struct NoStream;
impl StreamContext for NoStream {
    fn emit(&mut self, _: usize, _: &str) {}
    fn is_cancelled(&self, _: usize) -> bool {
        false
    }
}

/// Varied observations from a small deterministic generator.
fn observations(n: usize) -> Vec<Observation> {
    let mut s = 0x2545_f491_4f6c_dd1du64;
    let mut next = move || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        (s >> 40) as f32 / (1u64 << 24) as f32
    };
    (0..n)
        .map(|_| Observation {
            needs: [next(), next(), next()],
            emotion: [next() * 2.0 - 1.0, next() * 2.0 - 1.0, next() * 2.0 - 1.0],
            persona: [next(), next(), next(), next(), next()],
            hour: next() * 24.0,
            player: ([1.0, 0.0], next() * 800.0),
            threat: ([0.0, 1.0], next() * 600.0),
            home: ([0.6, 0.8], next() * 100.0),
            work: ([-1.0, 0.0], next() * 500.0),
            trust: next() * 2.0 - 1.0,
            current: Action::ALL[(next() * 10.0) as usize % 10],
            health: next(),
            scheduled: None,
        })
        .collect()
}

fn temp(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("npc-minds-policy-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

#[test]
fn shapes_and_masking() {
    let net = PolicyNet::new(&VarMap::new(), 64).unwrap();
    let obs = observations(500);
    let rows: Vec<[f32; OBS_DIM]> = obs.iter().map(|o| encode(o).unwrap()).collect();
    let x = Tensor::from_vec(rows.concat(), (rows.len(), OBS_DIM), &Device::Cpu).unwrap();
    let (logits, values) = net.forward(&x).unwrap();
    assert_eq!(logits.dims(), &[500, ACTIONS]);
    assert_eq!(values.dims(), &[500]);
    let masks: Vec<[bool; ACTIONS]> = obs.iter().map(action_mask).collect();
    assert!(
        masks.iter().any(|m| m.iter().any(|ok| !ok)),
        "some actions are impossible"
    );
    for ((action, probs), mask) in net.decide(&rows, &masks).unwrap().iter().zip(&masks) {
        assert!(mask[action.index()], "{action:?} is not possible here");
        for (p, ok) in probs.iter().zip(mask) {
            if !ok {
                assert!(*p < 1e-6, "an impossible action has probability {p}");
            }
        }
    }
}

#[test]
fn batched_equals_one_at_a_time() {
    let net = PolicyNet::new(&VarMap::new(), 64).unwrap();
    let obs = observations(64);
    let rows: Vec<[f32; OBS_DIM]> = obs.iter().map(|o| encode(o).unwrap()).collect();
    let masks: Vec<[bool; ACTIONS]> = obs.iter().map(action_mask).collect();
    let batch = net.decide(&rows, &masks).unwrap();
    for i in 0..rows.len() {
        let one = net.decide(&rows[i..i + 1], &masks[i..i + 1]).unwrap();
        assert_eq!(one[0].0, batch[i].0);
        for (a, b) in one[0].1.iter().zip(&batch[i].1) {
            assert!((a - b).abs() < 1e-5);
        }
    }
}

#[test]
fn save_and_load_round_trip_with_the_encoding_version() {
    let net = PolicyNet::new(&VarMap::new(), 32).unwrap();
    let path = temp("round_trip.safetensors");
    net.save(&path).unwrap();
    let back = PolicyNet::load(&path).unwrap();
    let obs = observations(20);
    let rows: Vec<[f32; OBS_DIM]> = obs.iter().map(|o| encode(o).unwrap()).collect();
    let masks: Vec<[bool; ACTIONS]> = obs.iter().map(action_mask).collect();
    let (a, b) = (
        net.decide(&rows, &masks).unwrap(),
        back.decide(&rows, &masks).unwrap(),
    );
    assert_eq!(a, b);
    let bytes = std::fs::read(&path).unwrap();
    let text = String::from_utf8_lossy(&bytes);
    assert!(text.contains(&format!("\"obs_version\":\"{OBS_VERSION}\"")));
}

#[test]
fn wrong_version_or_corrupt_weights_are_clear_errors_and_the_utility_ai_takes_over() {
    // A file that says it was trained for another encoding version.
    let net = PolicyNet::new(&VarMap::new(), 16).unwrap();
    let good = temp("good.safetensors");
    net.save(&good).unwrap();
    let (bytes, mut meta) = weights::read(&good).unwrap();
    meta.insert("obs_version".into(), (OBS_VERSION + 98).to_string());
    let tensors = candle_core::safetensors::load_buffer(&bytes, &Device::Cpu).unwrap();
    weights::write(
        &temp("v99.safetensors"),
        tensors.into_iter().collect(),
        meta,
    )
    .unwrap();
    match PolicyNet::load(&temp("v99.safetensors")) {
        Err(e @ PolicyError::Mismatch { .. }) => {
            assert!(e.to_string().contains("obs_version"), "{e}")
        }
        other => panic!("expected a version mismatch, got {:?}", other.err()),
    }
    std::fs::write(temp("corrupt.safetensors"), b"not weights at all").unwrap();
    assert!(PolicyNet::load(&temp("corrupt.safetensors")).is_err());
    let missing = PolicyNet::load(&temp("missing.safetensors")).err().unwrap();
    assert!(missing.to_string().contains("cannot read"));
    // The lane falls back to the utility AI.
    let lane = backend_factory(PolicyChoice::Net(temp("missing.safetensors")), |_| {});
    assert_eq!(lane().unwrap().model_id(), "utility-v1");
    let lane = backend_factory(PolicyChoice::Net(good), |_| {});
    assert!(lane().unwrap().model_id().starts_with("policy-obs"));
}

#[test]
fn a_nan_observation_fails_alone() {
    let mut backend = PolicyBackend::new(&PolicyNet::new(&VarMap::new(), 16).unwrap()).unwrap();
    let mut obs = observations(3);
    obs[1].needs[0] = f32::NAN;
    let batch: Vec<JobInput> = obs
        .into_iter()
        .map(|o| JobInput::Policy(Box::new(o)))
        .collect();
    let out = backend.infer(&batch, &mut NoStream);
    assert!(matches!(out[0], Ok(JobOutput::Policy { .. })));
    assert!(matches!(&out[1], Err(InferenceError::Backend(m)) if m.contains("needs")));
    assert!(matches!(out[2], Ok(JobOutput::Policy { .. })));
}

#[test]
fn the_deciding_runner_agrees_with_the_network() {
    // The runner (our dense layers, one reused buffer) against candle's forward pass.
    let net = PolicyNet::new(&VarMap::new(), 64).unwrap();
    let mut runner = npc_minds::ml::policy::runner::PolicyRunner::new(&net).unwrap();
    let obs = observations(500);
    let rows: Vec<_> = obs
        .iter()
        .map(|o| npc_minds::ml::policy::encoding::encode(o).unwrap())
        .collect();
    let masks: Vec<_> = obs.iter().map(npc_minds::decide::action_mask).collect();
    let theirs = net.decide(&rows, &masks).unwrap();
    let ours = runner.decide(&rows, &masks).to_vec();
    assert_eq!(ours.len(), theirs.len());
    for (a, (action, probs)) in ours.iter().zip(&theirs) {
        for (x, y) in a.probs.iter().zip(probs) {
            assert!(
                (x - y).abs() < 1e-4,
                "probabilities {:?} vs {probs:?}",
                a.probs
            );
        }
        if a.action != *action {
            let (i, j) = (a.action.index(), action.index());
            assert!(
                (probs[i] - probs[j]).abs() < 1e-4,
                "a different action only on a tie"
            );
        }
    }
    // Deciding again reuses the buffer and gives the same answer.
    assert_eq!(runner.decide(&rows, &masks), &ours[..]);
}
