//! The worker pool: one lane per model kind, submitted to with `try_submit`, drained with `try_iter`.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread::JoinHandle;
use std::time::Instant;

use crossbeam_channel::{Receiver, Sender, TrySendError, bounded};

use super::backends::BackendFactory;
use super::lane::{Generations, LaneConfig, LaneShared, Queued, run_worker};
use super::metrics::{LaneMetrics, PoolMetrics};
use super::protocol::{Job, Lane, PoolEvent, RequestId};

/// Why a job was not queued. The caller defers or drops it; nothing blocks.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SubmitError {
    #[error("the {0} queue is full")]
    Full(&'static str),
    #[error("the {0} lane has no backend")]
    NoLane(&'static str),
    #[error("the job is older than one already submitted for this NPC")]
    Stale,
    #[error("the pool is shut down")]
    Closed,
}

struct LaneHandle {
    shared: Arc<LaneShared>,
    tx: Option<Sender<Queued>>,
    workers: Vec<JoinHandle<()>>,
}

/// Owns every lane's threads. Dropping it stops and joins them.
pub struct InferencePool {
    lanes: Vec<LaneHandle>,
    events: Receiver<PoolEvent>,
    shutdown: Arc<AtomicBool>,
    seq: AtomicU64,
}

/// Configures the lanes before threads start.
#[derive(Default)]
pub struct PoolBuilder {
    lanes: Vec<(Lane, LaneConfig, BackendFactory)>,
    nice: Option<i32>,
}

impl PoolBuilder {
    /// Adds a lane served by `factory` with the default sizing for that lane.
    pub fn lane(self, lane: Lane, factory: BackendFactory) -> Self {
        self.lane_with(lane, LaneConfig::for_lane(lane), factory)
    }

    pub fn lane_with(mut self, lane: Lane, config: LaneConfig, factory: BackendFactory) -> Self {
        self.lanes.retain(|(l, _, _)| *l != lane);
        self.lanes.push((lane, config, factory));
        self
    }

    /// Runs the worker threads at a lower CPU priority (Linux `nice`, 1..=19; ignored elsewhere),
    /// so that on a machine with few cores the game's frame wins over inference.
    pub(crate) fn worker_nice(mut self, nice: i32) -> Self {
        self.nice = Some(nice.clamp(1, 19));
        self
    }

    pub fn build(self) -> InferencePool {
        let nice = self.nice;
        let shutdown = Arc::new(AtomicBool::new(false));
        let events_cap: usize = self.lanes.iter().map(|(_, c, _)| c.capacity * 2).sum();
        let (events_tx, events_rx) = bounded(events_cap.max(64));
        let mut lanes = Vec::new();
        for (lane, config, factory) in self.lanes {
            let (tx, rx) = bounded(config.capacity.max(1));
            let shared = Arc::new(LaneShared {
                lane,
                config: config.clone(),
                metrics: LaneMetrics::default(),
                generations: Generations::new(config.supersede),
                shutdown: shutdown.clone(),
            });
            let workers = (0..config.workers.max(1))
                .map(|i| {
                    let (shared, rx, ev, f) = (
                        shared.clone(),
                        rx.clone(),
                        events_tx.clone(),
                        factory.clone(),
                    );
                    std::thread::Builder::new()
                        .name(format!("npc-{}-{i}", lane.name()))
                        .spawn(move || {
                            if let Some(n) = nice {
                                lower_priority(n);
                            }
                            run_worker(shared, rx, ev, f)
                        })
                        .expect("spawning a worker thread")
                })
                .collect();
            lanes.push(LaneHandle {
                shared,
                tx: Some(tx),
                workers,
            });
        }
        InferencePool {
            lanes,
            events: events_rx,
            shutdown,
            seq: AtomicU64::new(0),
        }
    }
}

/// Lowers the calling thread's priority (on Linux the nice value is per thread).
#[cfg(target_os = "linux")]
fn lower_priority(nice: i32) {
    // SAFETY: setpriority only reads its arguments; `0` means the calling thread.
    let rc = unsafe { libc::setpriority(libc::PRIO_PROCESS, 0, nice) };
    if rc != 0 {
        tracing::debug!(
            "could not lower a worker's priority: {}",
            std::io::Error::last_os_error()
        );
    }
}

#[cfg(not(target_os = "linux"))]
fn lower_priority(_nice: i32) {}

impl InferencePool {
    pub fn builder() -> PoolBuilder {
        PoolBuilder::default()
    }

    fn handle(&self, lane: Lane) -> Option<&LaneHandle> {
        self.lanes.iter().find(|h| h.shared.lane == lane)
    }

    /// Whether the pool was built with this lane.
    pub(crate) fn has_lane(&self, lane: Lane) -> bool {
        self.handle(lane).is_some()
    }

    /// Queues a job without blocking. A newer generation for the same NPC supersedes older ones.
    pub fn try_submit(&self, lane: Lane, job: Job) -> Result<(), SubmitError> {
        let h = self.handle(lane).ok_or(SubmitError::NoLane(lane.name()))?;
        let m = &h.shared.metrics;
        let tx = h.tx.as_ref().ok_or(SubmitError::Closed)?;
        if !h.shared.generations.submit(job.id) {
            LaneMetrics::add(&m.stale, 1);
            return Err(SubmitError::Stale);
        }
        let q = Queued {
            job,
            submitted: Instant::now(),
            seq: self.seq.fetch_add(1, Ordering::Relaxed),
        };
        LaneMetrics::add(&m.submitted, 1);
        m.queued.fetch_add(1, Ordering::Relaxed);
        match tx.try_send(q) {
            Ok(()) => Ok(()),
            Err(e) => {
                m.queued.fetch_sub(1, Ordering::Relaxed);
                LaneMetrics::add(&m.dropped, 1);
                match e {
                    TrySendError::Full(_) => Err(SubmitError::Full(lane.name())),
                    TrySendError::Disconnected(_) => Err(SubmitError::Closed),
                }
            }
        }
    }

    /// Cancels whatever the NPC has queued or running on this lane (a stream stops within one token).
    pub fn cancel(&self, lane: Lane, npc: u64) {
        if let Some(h) = self.handle(lane) {
            h.shared.generations.cancel(npc);
        }
    }

    /// Forgets `npc` on `lane`: for callers whose ids are used once (the service gives every
    /// request its own), once nothing of it is queued or running any more (a cancelled job still
    /// queued would otherwise run).
    pub(crate) fn forget(&self, lane: Lane, npc: u64) {
        if let Some(h) = self.handle(lane) {
            h.shared.generations.forget(npc);
        }
    }

    /// Drains every event that is ready, without blocking. Stale results are counted and left out.
    pub fn try_iter(&self) -> impl Iterator<Item = PoolEvent> + '_ {
        self.events.try_iter().filter(|ev| self.accept(ev))
    }

    /// Blocks up to `timeout` for the next current event (lockstep sim and tests only; never in a
    /// frame). `None` on timeout, or when the event that arrived was stale.
    pub fn recv_timeout(&self, timeout: std::time::Duration) -> Option<PoolEvent> {
        self.events
            .recv_timeout(timeout)
            .ok()
            .filter(|ev| self.accept(ev))
    }

    /// True while `id` is the newest, uncancelled request of its NPC on `lane`.
    pub(crate) fn is_current(&self, lane: Lane, id: RequestId) -> bool {
        self.handle(lane)
            .is_some_and(|h| h.shared.generations.is_current(id))
    }

    fn accept(&self, ev: &PoolEvent) -> bool {
        let (lane, id) = match ev {
            PoolEvent::Partial { lane, id, .. } => (*lane, *id),
            PoolEvent::Completed(c) => (c.lane, c.id),
        };
        let Some(h) = self.handle(lane) else {
            return false;
        };
        let current = h.shared.generations.is_current(id);
        if !current && matches!(ev, PoolEvent::Completed(_)) {
            LaneMetrics::add(&h.shared.metrics.stale, 1);
        }
        current
    }

    /// Queue depth of one lane (channel plus the worker's local heap).
    pub fn queue_depth(&self, lane: Lane) -> usize {
        self.handle(lane).map_or(0, |h| {
            h.shared.metrics.queued.load(Ordering::Relaxed) as usize
        })
    }

    pub fn metrics(&self) -> PoolMetrics {
        PoolMetrics {
            lanes: self
                .lanes
                .iter()
                .map(|h| {
                    h.shared
                        .metrics
                        .snapshot(h.shared.lane, self.queue_depth(h.shared.lane))
                })
                .collect(),
        }
    }
}

impl Drop for InferencePool {
    /// Stops the workers: running streams see cancellation, idle workers see the closed queue.
    fn drop(&mut self) {
        self.shutdown.store(true, Ordering::Relaxed);
        for h in &mut self.lanes {
            h.tx.take();
        }
        for h in &mut self.lanes {
            for w in h.workers.drain(..) {
                let _ = w.join();
            }
        }
    }
}
