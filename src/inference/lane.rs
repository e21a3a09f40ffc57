//! One lane's worker thread: a local priority heap fed from the bounded queue, batching, deadlines,
//! staleness and panic isolation.

use std::collections::{BinaryHeap, HashMap};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, RecvTimeoutError, SendTimeoutError, Sender};

use super::backends::{Backend, BackendFactory, StreamContext};
use super::metrics::LaneMetrics;
use super::protocol::{
    Completed, InferenceError, Job, JobInput, JobOutput, Lane, PoolEvent, RequestId,
};

/// How one lane is sized.
#[derive(Clone, Debug)]
pub struct LaneConfig {
    /// Bound of the lane's queue (and of the worker's local heap).
    pub capacity: usize,
    /// Most jobs handed to the backend in one call (1 for dialogue).
    pub max_batch: usize,
    /// Worker threads for this lane.
    pub workers: usize,
    /// A newer request of the same NPC makes older ones stale (dialogue, policy: only the latest
    /// situation matters). Off for emotion: every line the player says is felt.
    pub supersede: bool,
}

impl LaneConfig {
    pub(crate) fn for_lane(lane: Lane) -> Self {
        match lane {
            Lane::Dialogue => LaneConfig {
                capacity: 16,
                max_batch: 1,
                workers: 1,
                supersede: true,
            },
            Lane::Emotion => LaneConfig {
                capacity: 256,
                max_batch: 32,
                workers: 1,
                supersede: false,
            },
            Lane::Policy => LaneConfig {
                capacity: 16_384,
                max_batch: 1024,
                workers: 1,
                supersede: true,
            },
            // One bar asked for at a time; each is played, none supersedes another.
            Lane::Music => LaneConfig {
                capacity: 4,
                max_batch: 1,
                workers: 1,
                supersede: false,
            },
        }
    }
}

/// A job in the queue, stamped when it was submitted.
pub(crate) struct Queued {
    pub(crate) job: Job,
    pub(crate) submitted: Instant,
    pub(crate) seq: u64,
}

impl PartialEq for Queued {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other).is_eq()
    }
}
impl Eq for Queued {}
impl PartialOrd for Queued {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Queued {
    /// Higher priority first, then first come first served.
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.job
            .priority
            .cmp(&other.job.priority)
            .then(other.seq.cmp(&self.seq))
    }
}

/// The latest generation asked for per NPC, and whether it was cancelled.
pub(crate) struct Generations {
    map: Mutex<HashMap<u64, (u32, bool)>>,
    /// Whether a newer generation makes older ones stale (see [`LaneConfig::supersede`]).
    supersede: bool,
}

impl Generations {
    pub(crate) fn new(supersede: bool) -> Self {
        Generations {
            map: Mutex::default(),
            supersede,
        }
    }

    /// Records a new request; false if it is older than one already seen (superseding lanes).
    pub(crate) fn submit(&self, id: RequestId) -> bool {
        let mut map = self.map.lock().unwrap_or_else(|e| e.into_inner());
        let entry = map.entry(id.npc).or_insert((id.generation, false));
        if id.generation < entry.0 {
            return !self.supersede;
        }
        *entry = (id.generation, false);
        true
    }

    pub(crate) fn cancel(&self, npc: u64) {
        let mut map = self.map.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(entry) = map.get_mut(&npc) {
            entry.1 = true;
        }
    }

    /// Drops what is known of `npc` (a caller that will never ask for it again, such as one HTTP
    /// request of the service), so that the map does not grow without end.
    pub(crate) fn forget(&self, npc: u64) {
        let mut map = self.map.lock().unwrap_or_else(|e| e.into_inner());
        map.remove(&npc);
    }

    pub(crate) fn is_current(&self, id: RequestId) -> bool {
        let map = self.map.lock().unwrap_or_else(|e| e.into_inner());
        map.get(&id.npc)
            .is_none_or(|&(g, cancelled)| !cancelled && (g == id.generation || !self.supersede))
    }
}

/// State shared by a lane's workers and the pool handle.
pub(crate) struct LaneShared {
    pub(crate) lane: Lane,
    pub(crate) config: LaneConfig,
    pub(crate) metrics: LaneMetrics,
    pub(crate) generations: Generations,
    pub(crate) shutdown: Arc<AtomicBool>,
}

struct Ctx<'a> {
    shared: &'a LaneShared,
    ids: &'a [RequestId],
    events: &'a Sender<PoolEvent>,
}

impl StreamContext for Ctx<'_> {
    fn emit(&mut self, index: usize, text: &str) {
        let ev = PoolEvent::Partial {
            lane: self.shared.lane,
            id: self.ids[index],
            text: text.to_owned(),
        };
        send(self.events, &self.shared.shutdown, ev);
    }

    fn is_cancelled(&self, index: usize) -> bool {
        self.shared.shutdown.load(Ordering::Relaxed)
            || !self.shared.generations.is_current(self.ids[index])
    }
}

/// Sends without ever hanging shutdown: gives up once the pool is closing.
fn send(events: &Sender<PoolEvent>, shutdown: &AtomicBool, mut ev: PoolEvent) -> bool {
    loop {
        match events.send_timeout(ev, Duration::from_millis(20)) {
            Ok(()) => return true,
            Err(SendTimeoutError::Disconnected(_)) => return false,
            Err(SendTimeoutError::Timeout(back)) => {
                if shutdown.load(Ordering::Relaxed) {
                    return false;
                }
                ev = back;
            }
        }
    }
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".into())
}

/// The worker loop; returns when the queue is closed or the pool shuts down.
pub(crate) fn run_worker(
    shared: Arc<LaneShared>,
    rx: Receiver<Queued>,
    events: Sender<PoolEvent>,
    factory: BackendFactory,
) {
    let mut heap: BinaryHeap<Queued> = BinaryHeap::new();
    // Build the backend now, so a model loads while the game starts rather than on the first job.
    // A failure here is retried (and reported) when a job arrives.
    let mut backend: Option<Box<dyn Backend>> = catch_unwind(AssertUnwindSafe(|| factory()))
        .ok()
        .and_then(Result::ok);
    let m = &shared.metrics;
    loop {
        if shared.shutdown.load(Ordering::Relaxed) {
            return;
        }
        if heap.is_empty() {
            match rx.recv_timeout(Duration::from_millis(50)) {
                Ok(q) => heap.push(q),
                Err(RecvTimeoutError::Timeout) => {
                    if let Some(b) = backend.as_mut() {
                        // A panic here drops the backend; the next job rebuilds it.
                        if catch_unwind(AssertUnwindSafe(|| b.idle())).is_err() {
                            backend = None;
                        }
                    }
                    continue;
                }
                Err(RecvTimeoutError::Disconnected) => return,
            }
        }
        while heap.len() < shared.config.capacity {
            match rx.try_recv() {
                Ok(q) => heap.push(q),
                Err(_) => break,
            }
        }
        let now = Instant::now();
        let mut batch: Vec<Queued> = Vec::new();
        while batch.len() < shared.config.max_batch {
            let Some(q) = heap.pop() else { break };
            m.queued.fetch_sub(1, Ordering::Relaxed);
            if !shared.generations.is_current(q.job.id) {
                LaneMetrics::add(&m.stale, 1);
            } else if q.job.deadline.is_some_and(|d| d < now) {
                LaneMetrics::add(&m.dropped, 1);
                let done = Completed {
                    lane: shared.lane,
                    id: q.job.id,
                    result: Err(InferenceError::Expired),
                };
                send(&events, &shared.shutdown, PoolEvent::Completed(done));
            } else {
                batch.push(q);
            }
        }
        if batch.is_empty() {
            continue;
        }
        let ids: Vec<RequestId> = batch.iter().map(|q| q.job.id).collect();
        let inputs: Vec<JobInput> = batch.iter().map(|q| q.job.input.clone()).collect();
        let results = run_batch(&shared, &mut backend, &factory, &inputs, &ids, &events);
        LaneMetrics::add(&m.batches, 1);
        for (q, result) in batch.iter().zip(results) {
            if !shared.generations.is_current(q.job.id) {
                LaneMetrics::add(&m.stale, 1);
                continue;
            }
            if result.is_err() {
                LaneMetrics::add(&m.failed, 1);
            }
            LaneMetrics::add(&m.done, 1);
            m.record_latency(q.submitted.elapsed().as_micros() as u64);
            let done = Completed {
                lane: shared.lane,
                id: q.job.id,
                result,
            };
            if !send(&events, &shared.shutdown, PoolEvent::Completed(done)) {
                return;
            }
        }
    }
}

/// Runs one backend call with the panic fence around it; rebuilds the backend when needed.
fn run_batch(
    shared: &LaneShared,
    backend: &mut Option<Box<dyn Backend>>,
    factory: &BackendFactory,
    inputs: &[JobInput],
    ids: &[RequestId],
    events: &Sender<PoolEvent>,
) -> Vec<Result<JobOutput, InferenceError>> {
    let all = |e: InferenceError| inputs.iter().map(|_| Err(e.clone())).collect();
    if backend.is_none() {
        match catch_unwind(AssertUnwindSafe(|| factory())) {
            Ok(Ok(b)) => *backend = Some(b),
            Ok(Err(e)) => return all(e),
            Err(p) => return all(InferenceError::Unavailable(panic_message(&*p))),
        }
    }
    let Some(b) = backend.as_mut() else {
        return all(InferenceError::Unavailable("backend missing".into()));
    };
    let mut ctx = Ctx {
        shared,
        ids,
        events,
    };
    match catch_unwind(AssertUnwindSafe(|| b.infer(inputs, &mut ctx))) {
        Ok(mut results) => {
            results.resize_with(inputs.len(), || {
                Err(InferenceError::Backend(
                    "backend returned too few results".into(),
                ))
            });
            results
        }
        Err(payload) => {
            LaneMetrics::add(&shared.metrics.panics, 1);
            *backend = None; // rebuilt from the factory on the next batch
            all(InferenceError::Panicked(panic_message(&*payload)))
        }
    }
}
