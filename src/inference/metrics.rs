//! Per-lane counters and latency percentiles, shared between workers and readers without locks on the hot path.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use serde::Serialize;

use super::protocol::Lane;

const LATENCY_WINDOW: usize = 4096;

/// Live counters of one lane; workers bump them, [`LaneMetrics::snapshot`] reads them.
#[derive(Default)]
pub(crate) struct LaneMetrics {
    pub(crate) submitted: AtomicU64,
    pub(crate) done: AtomicU64,
    pub(crate) dropped: AtomicU64,
    pub(crate) stale: AtomicU64,
    pub(crate) failed: AtomicU64,
    pub(crate) panics: AtomicU64,
    pub(crate) batches: AtomicU64,
    pub(crate) queued: AtomicU64,
    latencies_us: Mutex<LatencyRing>,
}

#[derive(Default)]
struct LatencyRing {
    values: Vec<u64>,
    next: usize,
}

impl LaneMetrics {
    pub(crate) fn add(counter: &AtomicU64, n: u64) {
        counter.fetch_add(n, Ordering::Relaxed);
    }

    pub(crate) fn record_latency(&self, micros: u64) {
        let mut ring = self.latencies_us.lock().unwrap_or_else(|e| e.into_inner());
        if ring.values.len() < LATENCY_WINDOW {
            ring.values.push(micros);
        } else {
            let i = ring.next;
            ring.values[i] = micros;
        }
        ring.next = (ring.next + 1) % LATENCY_WINDOW;
    }

    /// A consistent-enough copy of the counters; percentiles cover the last 4096 completed jobs.
    pub(crate) fn snapshot(&self, lane: Lane, queue_depth: usize) -> LaneSnapshot {
        let mut lat = self
            .latencies_us
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .values
            .clone();
        lat.sort_unstable();
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        LaneSnapshot {
            lane: lane.name(),
            queue_depth,
            submitted: get(&self.submitted),
            done: get(&self.done),
            dropped: get(&self.dropped),
            stale: get(&self.stale),
            failed: get(&self.failed),
            panics: get(&self.panics),
            batches: get(&self.batches),
            latency_ms: Percentiles::of_micros(&lat),
        }
    }
}

/// p50 / p99 in milliseconds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct Percentiles {
    pub p50: f64,
    pub p99: f64,
}

impl Percentiles {
    fn of_micros(sorted: &[u64]) -> Self {
        Percentiles {
            p50: percentile(sorted, 0.50) as f64 / 1000.0,
            p99: percentile(sorted, 0.99) as f64 / 1000.0,
        }
    }
}

/// Nearest-rank percentile of a sorted slice (0 when empty).
pub(crate) fn percentile<T: Copy + Default>(sorted: &[T], q: f64) -> T {
    if sorted.is_empty() {
        return T::default();
    }
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

/// A copy of one lane's metrics at one moment.
#[derive(Clone, Debug, Default, Serialize)]
pub struct LaneSnapshot {
    pub(crate) lane: &'static str,
    pub(crate) queue_depth: usize,
    pub(crate) submitted: u64,
    /// Jobs that produced a result (ok or error) that was delivered.
    pub done: u64,
    /// Jobs refused because the queue was full, or skipped because their deadline passed.
    pub dropped: u64,
    /// Jobs or results superseded by a newer generation, or cancelled; never applied.
    pub stale: u64,
    /// Jobs whose backend returned an error or panicked.
    pub failed: u64,
    pub panics: u64,
    pub batches: u64,
    pub latency_ms: Percentiles,
}

/// All lanes at one moment.
#[derive(Clone, Debug, Default, Serialize)]
pub struct PoolMetrics {
    pub(crate) lanes: Vec<LaneSnapshot>,
}

impl PoolMetrics {
    pub fn lane(&self, lane: Lane) -> Option<&LaneSnapshot> {
        self.lanes.iter().find(|l| l.lane == lane.name())
    }
}
