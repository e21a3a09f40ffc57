//! Pool round trip: submit → worker → result, for one job and for a batch of 100 policy jobs.

use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use npc_minds::decide::Observation;
use npc_minds::inference::backends::utility::UtilityBackend;
use npc_minds::inference::{
    InferencePool, Job, JobInput, Lane, PoolEvent, Priority, RequestId, factory,
};

fn job(npc: u64, generation: u32) -> Job {
    Job {
        id: RequestId { npc, generation },
        priority: Priority::Normal,
        deadline: None,
        input: JobInput::Policy(Box::new(Observation {
            needs: [0.5, 0.5, 0.5],
            ..Default::default()
        })),
    }
}

fn wait_for(pool: &InferencePool, n: usize) {
    let mut got = 0;
    while got < n {
        if let Some(PoolEvent::Completed(_)) = pool.recv_timeout(Duration::from_secs(5)) {
            got += 1;
        }
    }
}

fn round_trip(c: &mut Criterion) {
    let pool = InferencePool::builder()
        .lane(Lane::Policy, factory(|| Ok(UtilityBackend)))
        .build();
    let mut generation = 0u32;
    c.bench_function("pool_round_trip/1", |b| {
        b.iter(|| {
            generation += 1;
            pool.try_submit(Lane::Policy, job(1, generation)).unwrap();
            wait_for(&pool, 1);
        })
    });
    c.bench_function("pool_round_trip/100", |b| {
        b.iter(|| {
            generation += 1;
            for npc in 0..100 {
                pool.try_submit(Lane::Policy, job(npc, generation)).unwrap();
            }
            wait_for(&pool, 100);
        })
    });
}

criterion_group!(benches, round_trip);
criterion_main!(benches);
