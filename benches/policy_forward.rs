//! The policy network deciding for 1, 100 and 10,000 NPCs in one forward pass (encoding, forward,
//! masked softmax and argmax included), as the policy lane runs it.

use candle_nn::VarMap;
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use npc_minds::decide::{Observation, action_mask};
use npc_minds::ml::policy::encoding::{ACTIONS, OBS_DIM, encode};
use npc_minds::ml::policy::net::{HIDDEN, PolicyNet};

fn bench(c: &mut Criterion) {
    let net = PolicyNet::new(&VarMap::new(), HIDDEN).unwrap();
    let mut group = c.benchmark_group("policy_forward");
    for n in [1usize, 100, 10_000] {
        let obs: Vec<Observation> = (0..n)
            .map(|i| Observation {
                needs: [(i % 7) as f32 / 7.0, 0.5, (i % 5) as f32 / 5.0],
                hour: (i % 24) as f32,
                player: ([0.0, 1.0], (i % 900) as f32),
                threat: ([1.0, 0.0], (i % 400) as f32),
                ..Default::default()
            })
            .collect();
        group.bench_with_input(BenchmarkId::from_parameter(n), &obs, |b, obs| {
            b.iter(|| {
                let rows: Vec<[f32; OBS_DIM]> = obs.iter().map(|o| encode(o).unwrap()).collect();
                let masks: Vec<[bool; ACTIONS]> = obs.iter().map(action_mask).collect();
                net.decide(&rows, &masks).unwrap()
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
