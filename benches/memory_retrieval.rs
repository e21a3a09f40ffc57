//! A villager's memory stream at its bound (200 memories, 384-wide embeddings as the sentence
//! encoder makes them): retrieving the best three for a line (what one reply costs), the same for
//! 1,000 villagers (a whole village asked at once, which the game never does: only the villager
//! you talk to retrieves), and adding to a full stream (forgetting the least memorable first, as
//! gossip and witnessing do in the frame).

use criterion::{BatchSize, BenchmarkId, Criterion, criterion_group, criterion_main};
use npc_minds::memory::stream::{CAPACITY, importance};
use npc_minds::memory::{Memory, MemoryKind, MemoryStream, Query};

const DIM: usize = 384;

/// A deterministic unit vector.
fn embedding(seed: u64) -> Vec<f32> {
    let mut x = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    let mut v: Vec<f32> = (0..DIM)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x % 2000) as f32 / 1000.0 - 1.0
        })
        .collect();
    let n = v.iter().map(|a| a * a).sum::<f32>().sqrt();
    v.iter_mut().for_each(|a| *a /= n);
    v
}

fn memory(i: usize) -> Memory {
    let kind = [MemoryKind::Told, MemoryKind::Heard, MemoryKind::Witnessed][i % 3];
    Memory {
        at: i as f64 * 30.0,
        kind,
        text: format!("You told me thing number {i}."),
        keys: vec![format!("thing{i}")],
        topics: vec!["what I told you".into()],
        importance: importance(kind, Some((i % 10) as f32 / 10.0)),
        embedding: embedding(i as u64),
        source: None,
        min_trust: 0.0,
    }
}

fn full_stream() -> MemoryStream {
    let mut s = MemoryStream::new(CAPACITY, 20.0);
    (0..CAPACITY).for_each(|i| s.add(memory(i)));
    s
}

fn bench(c: &mut Criterion) {
    let stream = full_stream();
    let query = Query::new(
        "What did I tell you about the bell?",
        Some(embedding(99_999)),
    );
    let now = CAPACITY as f64 * 30.0;
    let mut group = c.benchmark_group("memory_retrieval");
    for villagers in [1usize, 1000] {
        let streams = vec![stream.clone(); villagers];
        group.bench_with_input(
            BenchmarkId::new("retrieve_top3", villagers),
            &streams,
            |b, streams| {
                b.iter(|| {
                    streams
                        .iter()
                        .map(|s| s.retrieve(&query, now, 3, |m| m.kind.recallable()).len())
                        .sum::<usize>()
                })
            },
        );
    }
    group.bench_function("add_to_full_stream", |b| {
        let mut s = stream.clone();
        let mut i = CAPACITY;
        b.iter_batched(
            || {
                i += 1;
                memory(i)
            },
            |m| s.add(m),
            BatchSize::SmallInput,
        )
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
