//! The worker pool with the scripted backend: ordering, staleness, batching, deadlines, streaming,
//! cancellation, panic isolation, shutdown and bounded memory.

use crate::common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use common::{collect, policy_job, quiet_panics};
use npc_minds::inference::backends::scripted::ScriptedBackend;
use npc_minds::inference::backends::{Backend, StreamContext};
use npc_minds::inference::{
    DialogueRequest, InferenceError, InferencePool, Job, JobInput, JobOutput, Lane, LaneConfig,
    PoolEvent, Priority, RequestId, Sampling, SubmitError, factory,
};

fn dialogue(line: &str, max_tokens: usize) -> JobInput {
    JobInput::Dialogue(Box::new(DialogueRequest {
        line: line.into(),
        sampling: Sampling {
            max_tokens,
            ..Default::default()
        },
        ..Default::default()
    }))
}

/// A lane with one worker whose newer requests supersede older ones; only the bounds vary.
fn lane(capacity: usize, max_batch: usize) -> LaneConfig {
    LaneConfig {
        capacity,
        max_batch,
        workers: 1,
        supersede: true,
    }
}

/// How long a test waits for something that should happen at once before it fails.
const WAIT: Duration = Duration::from_secs(10);

/// Holds backend calls until the test opens it, and tells the test when a call arrived: "the first
/// job is running, the next ones queue up behind it" without sleeping and hoping.
#[derive(Clone, Default)]
struct Gate(Arc<(Mutex<(usize, bool)>, Condvar)>);

impl Gate {
    /// Called by the backend: counts the call, then waits until the gate is open.
    fn pass(&self) {
        let (state, cv) = &*self.0;
        let mut s = state.lock().unwrap();
        s.0 += 1;
        cv.notify_all();
        while !s.1 {
            s = cv.wait(s).unwrap();
        }
    }

    /// Waits (at most [`WAIT`]) until `n` backend calls arrived; panics otherwise.
    fn wait_for_calls(&self, n: usize) {
        let (state, cv) = &*self.0;
        let s = state.lock().unwrap();
        let (s, timeout) = cv.wait_timeout_while(s, WAIT, |s| s.0 < n).unwrap();
        assert!(
            !timeout.timed_out(),
            "{} backend call(s) of {n} arrived",
            s.0
        );
    }

    /// Lets every held and future call through.
    fn open(&self) {
        let (state, cv) = &*self.0;
        state.lock().unwrap().1 = true;
        cv.notify_all();
    }
}

/// A backend whose calls go through a [`Gate`] first.
struct Gated<B>(B, Gate);
impl<B: Backend> Backend for Gated<B> {
    fn model_id(&self) -> String {
        self.0.model_id()
    }
    fn infer(
        &mut self,
        batch: &[JobInput],
        ctx: &mut dyn StreamContext,
    ) -> Vec<Result<JobOutput, InferenceError>> {
        self.1.pass();
        self.0.infer(batch, ctx)
    }
}

fn scripted(latency_ms: u64) -> ScriptedBackend {
    ScriptedBackend {
        latency: Duration::from_millis(latency_ms),
        ..Default::default()
    }
}

fn completed_ids(events: &[PoolEvent]) -> Vec<RequestId> {
    events
        .iter()
        .filter_map(|e| match e {
            PoolEvent::Completed(c) => Some(c.id),
            _ => None,
        })
        .collect()
}

/// A backend that records the batch sizes it is called with.
struct Sizes(Arc<std::sync::Mutex<Vec<usize>>>, Duration);
impl Backend for Sizes {
    fn model_id(&self) -> String {
        "sizes".into()
    }
    fn infer(
        &mut self,
        batch: &[JobInput],
        _: &mut dyn StreamContext,
    ) -> Vec<Result<JobOutput, InferenceError>> {
        self.0.lock().unwrap().push(batch.len());
        std::thread::sleep(self.1);
        batch
            .iter()
            .map(|_| {
                Ok(JobOutput::Dialogue {
                    text: String::new(),
                    record: None,
                })
            })
            .collect()
    }
}

#[test]
fn higher_priority_runs_first_then_first_come_first_served() {
    let gate = Gate::default();
    let g2 = gate.clone();
    let pool = InferencePool::builder()
        .lane_with(
            Lane::Dialogue,
            lane(64, 1),
            factory(move || Ok(Gated(scripted(30), g2.clone()))),
        )
        .build();
    // The first job occupies the worker (held at the gate); the rest queue up behind it.
    pool.try_submit(Lane::Dialogue, policy_job(0, 1, Priority::Normal))
        .unwrap();
    gate.wait_for_calls(1);
    for (npc, p) in [
        (1, Priority::Background),
        (2, Priority::Normal),
        (3, Priority::Focus),
        (4, Priority::Normal),
    ] {
        pool.try_submit(Lane::Dialogue, policy_job(npc, 1, p))
            .unwrap();
    }
    gate.open();
    let ids = completed_ids(&collect(&pool, 5, Duration::from_secs(5)));
    let order: Vec<u64> = ids.iter().map(|i| i.npc).collect();
    assert_eq!(order, vec![0, 3, 2, 4, 1]);
}

#[test]
fn stale_generations_are_dropped_and_counted_never_delivered() {
    let pool = InferencePool::builder()
        .lane_with(Lane::Policy, lane(64, 1), factory(|| Ok(scripted(20))))
        .build();
    pool.try_submit(Lane::Policy, policy_job(9, 0, Priority::Normal))
        .unwrap(); // occupies the worker
    for g in 1..=5 {
        pool.try_submit(Lane::Policy, policy_job(1, g, Priority::Normal))
            .unwrap();
    }
    assert_eq!(
        pool.try_submit(Lane::Policy, policy_job(1, 2, Priority::Normal)),
        Err(SubmitError::Stale)
    );
    let events = collect(&pool, 2, Duration::from_secs(5));
    let ids = completed_ids(&events);
    assert_eq!(
        ids,
        vec![
            RequestId {
                npc: 9,
                generation: 0
            },
            RequestId {
                npc: 1,
                generation: 5
            }
        ]
    );
    std::thread::sleep(Duration::from_millis(50));
    assert!(pool.try_iter().next().is_none());
    let m = pool.metrics();
    let lane = m.lane(Lane::Policy).unwrap();
    assert_eq!(
        lane.stale, 5,
        "four superseded in the queue plus one refused at submit"
    );
    assert_eq!(lane.done, 2);
}

#[test]
fn batching_lanes_take_everything_queued_up_to_the_max() {
    let sizes = Arc::new(std::sync::Mutex::new(Vec::new()));
    let s2 = sizes.clone();
    let gate = Gate::default();
    let g2 = gate.clone();
    let pool = InferencePool::builder()
        .lane_with(
            Lane::Emotion,
            lane(256, 32),
            factory(move || {
                Ok(Gated(
                    Sizes(s2.clone(), Duration::from_millis(40)),
                    g2.clone(),
                ))
            }),
        )
        .build();
    // The first job occupies the worker (held at the gate) while 70 more queue up.
    pool.try_submit(Lane::Emotion, policy_job(1000, 0, Priority::Normal))
        .unwrap();
    gate.wait_for_calls(1);
    for npc in 0..70 {
        pool.try_submit(Lane::Emotion, policy_job(npc, 0, Priority::Normal))
            .unwrap();
    }
    gate.open();
    let ids = completed_ids(&collect(&pool, 71, Duration::from_secs(5)));
    assert_eq!(ids.len(), 71);
    assert_eq!(*sizes.lock().unwrap(), vec![1, 32, 32, 6]);
    assert_eq!(pool.metrics().lane(Lane::Emotion).unwrap().batches, 4);
}

#[test]
fn expired_jobs_are_skipped_and_reported() {
    let gate = Gate::default();
    let g2 = gate.clone();
    let pool = InferencePool::builder()
        .lane_with(
            Lane::Policy,
            lane(8, 1),
            factory(move || Ok(Gated(scripted(50), g2.clone()))),
        )
        .build();
    pool.try_submit(Lane::Policy, policy_job(0, 0, Priority::Normal))
        .unwrap();
    gate.wait_for_calls(1);
    let deadline = Instant::now() + Duration::from_millis(5);
    let mut late = policy_job(1, 0, Priority::Normal);
    late.deadline = Some(deadline);
    pool.try_submit(Lane::Policy, late).unwrap();
    // The first job holds the worker until the second one's deadline has passed.
    while Instant::now() <= deadline {
        std::thread::sleep(Duration::from_millis(1));
    }
    gate.open();
    let events = collect(&pool, 2, Duration::from_secs(5));
    let expired: Vec<_> = events
        .iter()
        .filter_map(|e| match e {
            PoolEvent::Completed(c) if c.id.npc == 1 => Some(c.result.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(expired, vec![Err(InferenceError::Expired)]);
    assert_eq!(pool.metrics().lane(Lane::Policy).unwrap().dropped, 1);
}

#[test]
fn dialogue_streams_tokens_and_cancels_within_one_token() {
    let backend = ScriptedBackend {
        token_latency: Duration::from_millis(20),
        ..Default::default()
    };
    let pool = InferencePool::builder()
        .lane(Lane::Dialogue, factory(move || Ok(backend.clone())))
        .build();
    let job = |g| Job {
        id: RequestId {
            npc: 7,
            generation: g,
        },
        priority: Priority::Focus,
        deadline: None,
        input: dialogue("hello", 200),
    };
    pool.try_submit(Lane::Dialogue, job(1)).unwrap();
    let mut partials = 0;
    let start = Instant::now();
    while partials < 3 && start.elapsed() < Duration::from_secs(5) {
        if let Some(PoolEvent::Partial { text, .. }) = pool.recv_timeout(Duration::from_millis(10))
        {
            assert!(!text.is_empty());
            partials += 1;
        }
    }
    assert_eq!(partials, 3, "tokens arrive one by one");
    let cancelled_at = Instant::now();
    pool.cancel(Lane::Dialogue, 7);
    // A new line from the player starts a new generation; it must be served promptly.
    pool.try_submit(Lane::Dialogue, job(2)).unwrap();
    let mut first_new = None;
    while first_new.is_none() && cancelled_at.elapsed() < Duration::from_secs(5) {
        match pool.recv_timeout(Duration::from_millis(5)) {
            Some(PoolEvent::Partial { id, .. })
            | Some(PoolEvent::Completed(npc_minds::inference::Completed { id, .. })) => {
                assert_eq!(
                    id.generation, 2,
                    "nothing of the cancelled reply is delivered"
                );
                first_new = Some(cancelled_at.elapsed());
            }
            None => {}
        }
    }
    let waited = first_new.expect("the new reply started");
    assert!(
        waited < Duration::from_millis(500),
        "old stream stopped within a token or two: {waited:?}"
    );
    assert!(pool.metrics().lane(Lane::Dialogue).unwrap().stale >= 1);
}

#[test]
fn a_thousand_backend_panics_are_contained_and_counted() {
    quiet_panics();
    let builds = Arc::new(AtomicUsize::new(0));
    let b2 = builds.clone();
    let pool = InferencePool::builder()
        .lane_with(
            Lane::Policy,
            lane(2000, 1),
            factory(move || {
                b2.fetch_add(1, Ordering::Relaxed);
                Ok(ScriptedBackend {
                    panic_rate: 1.0,
                    ..Default::default()
                })
            }),
        )
        .build();
    for npc in 0..1000 {
        pool.try_submit(Lane::Policy, policy_job(npc, 0, Priority::Normal))
            .unwrap();
    }
    let events = collect(&pool, 1000, Duration::from_secs(60));
    let panicked = events
        .iter()
        .filter(|e| matches!(e, PoolEvent::Completed(c) if matches!(c.result, Err(InferenceError::Panicked(_)))))
        .count();
    assert_eq!(panicked, 1000);
    let lane = pool.metrics().lane(Lane::Policy).unwrap().clone();
    assert_eq!((lane.panics, lane.failed), (1000, 1000));
    assert_eq!(
        builds.load(Ordering::Relaxed),
        1000,
        "the backend is rebuilt after each panic"
    );
    // The lane still works afterwards with a healthy backend.
    drop(pool);
    let pool = InferencePool::builder()
        .lane(Lane::Policy, factory(|| Ok(scripted(0))))
        .build();
    pool.try_submit(Lane::Policy, policy_job(1, 0, Priority::Normal))
        .unwrap();
    assert_eq!(
        completed_ids(&collect(&pool, 1, Duration::from_secs(5))).len(),
        1
    );
}

#[test]
fn failures_come_back_as_errors() {
    let backend = ScriptedBackend {
        failure_rate: 1.0,
        ..Default::default()
    };
    let pool = InferencePool::builder()
        .lane(Lane::Policy, factory(move || Ok(backend.clone())))
        .build();
    pool.try_submit(Lane::Policy, policy_job(1, 0, Priority::Normal))
        .unwrap();
    let events = collect(&pool, 1, Duration::from_secs(5));
    assert!(
        matches!(&events[0], PoolEvent::Completed(c) if matches!(c.result, Err(InferenceError::Backend(_))))
    );
    assert_eq!(pool.metrics().lane(Lane::Policy).unwrap().failed, 1);
}

#[test]
fn dropping_the_pool_stops_busy_workers_without_hanging() {
    let backend = ScriptedBackend {
        token_latency: Duration::from_millis(50),
        ..Default::default()
    };
    let pool = InferencePool::builder()
        .lane(Lane::Dialogue, factory(move || Ok(backend.clone())))
        .lane(Lane::Policy, factory(|| Ok(scripted(5))))
        .build();
    let job = Job {
        id: RequestId {
            npc: 1,
            generation: 0,
        },
        priority: Priority::Normal,
        deadline: None,
        input: dialogue("long", 10_000),
    };
    pool.try_submit(Lane::Dialogue, job).unwrap();
    for npc in 0..500 {
        let _ = pool.try_submit(Lane::Policy, policy_job(npc, 0, Priority::Normal));
    }
    // Both workers are busy once the long reply left the queue and some policy jobs are done
    // (read from the metrics: the events stay undrained).
    let busy = |pool: &InferencePool| {
        pool.queue_depth(Lane::Dialogue) == 0 && pool.metrics().lane(Lane::Policy).unwrap().done > 0
    };
    let waiting = Instant::now();
    while !busy(&pool) && waiting.elapsed() < WAIT {
        std::thread::sleep(Duration::from_millis(5));
    }
    assert!(busy(&pool), "both workers started within {WAIT:?}");
    let start = Instant::now();
    drop(pool); // nobody drains the events: workers must still notice the shutdown
    assert!(
        start.elapsed() < Duration::from_secs(2),
        "shutdown took {:?}",
        start.elapsed()
    );
}

#[test]
fn a_flood_of_jobs_is_refused_not_buffered() {
    let pool = InferencePool::builder()
        .lane_with(Lane::Policy, lane(100, 10), factory(|| Ok(scripted(5))))
        .build();
    let mut refused = 0;
    for npc in 0..100_000u64 {
        match pool.try_submit(Lane::Policy, policy_job(npc, 0, Priority::Normal)) {
            Ok(()) => {}
            Err(SubmitError::Full(_)) => refused += 1,
            Err(e) => panic!("unexpected {e}"),
        }
        // Never more than the queue plus the worker's heap and one batch in flight.
        assert!(pool.queue_depth(Lane::Policy) <= 2 * 100 + 10);
    }
    assert!(refused > 90_000, "refused {refused}");
    let m = pool.metrics();
    assert_eq!(m.lane(Lane::Policy).unwrap().dropped, refused);
}

#[test]
fn submitting_to_a_missing_lane_is_an_error_not_a_panic() {
    let pool = InferencePool::builder()
        .lane(Lane::Policy, factory(|| Ok(scripted(0))))
        .build();
    assert_eq!(
        pool.try_submit(Lane::Emotion, policy_job(1, 0, Priority::Normal)),
        Err(SubmitError::NoLane("emotion"))
    );
}

#[test]
fn latency_percentiles_are_measured() {
    let pool = InferencePool::builder()
        .lane(Lane::Policy, factory(|| Ok(scripted(3))))
        .build();
    for npc in 0..20 {
        pool.try_submit(Lane::Policy, policy_job(npc, 0, Priority::Normal))
            .unwrap();
        collect(&pool, 1, Duration::from_secs(5));
    }
    let lane = pool.metrics().lane(Lane::Policy).unwrap().clone();
    assert_eq!(lane.done, 20);
    assert!(
        lane.latency_ms.p50 >= 3.0 && lane.latency_ms.p99 >= lane.latency_ms.p50,
        "{lane:?}"
    );
}

#[test]
fn the_emotion_lane_reads_every_line_a_newer_one_does_not_supersede_it() {
    let pool = InferencePool::builder()
        .lane(
            Lane::Emotion,
            factory(|| {
                Ok(ScriptedBackend {
                    latency: Duration::from_millis(30),
                    ..Default::default()
                })
            }),
        )
        .build();
    let line = |generation| Job {
        id: RequestId { npc: 5, generation },
        priority: Priority::Focus,
        deadline: None,
        input: JobInput::Emotion {
            text: format!("line {generation}"),
        },
    };
    for g in 1..=3 {
        pool.try_submit(Lane::Emotion, line(g)).unwrap();
    }
    let done: Vec<u32> = collect(&pool, 3, Duration::from_secs(5))
        .into_iter()
        .filter_map(|ev| match ev {
            PoolEvent::Completed(c) if c.result.is_ok() => Some(c.id.generation),
            _ => None,
        })
        .collect();
    assert_eq!(done.len(), 3, "{done:?}");
    assert_eq!(pool.metrics().lane(Lane::Emotion).unwrap().stale, 0);
}

/// The one pool builder: a lane whose model could not be had answers every job with the reason,
/// while the other lanes work.
#[test]
fn an_unavailable_lane_answers_with_its_reason_and_the_others_work() {
    use npc_minds::lanes::{self, LaneChoice, PoolPlan};
    let pool = lanes::build(PoolPlan {
        dialogue: LaneChoice::Unavailable("no dialogue model in this test".into()),
        ..PoolPlan::scripted(factory(|| Ok(ScriptedBackend::default())))
    });
    let job = |npc, input| Job {
        id: RequestId { npc, generation: 1 },
        priority: Priority::Normal,
        deadline: None,
        input,
    };
    pool.try_submit(Lane::Dialogue, job(1, dialogue("hello", 4)))
        .unwrap();
    pool.try_submit(Lane::Policy, policy_job(2, 1, Priority::Normal))
        .unwrap();
    let done: Vec<_> = collect(&pool, 2, WAIT)
        .into_iter()
        .filter_map(|e| match e {
            PoolEvent::Completed(c) => Some(c),
            _ => None,
        })
        .collect();
    assert_eq!(done.len(), 2);
    for c in done {
        match c.lane {
            Lane::Dialogue => assert!(
                matches!(&c.result, Err(InferenceError::Unavailable(r)) if r == "no dialogue model in this test"),
                "{:?}",
                c.result
            ),
            _ => assert!(
                matches!(c.result, Ok(JobOutput::Policy { .. })),
                "{:?}",
                c.result
            ),
        }
    }
}
