//! Collect: drain the pool once per frame into messages. In lockstep (sim), results are released
//! exactly `offset` ticks after dispatch, in dispatch order, so runs are reproducible.

use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};

use bevy::prelude::*;

use super::Inference;
use crate::inference::{Completed, InferenceError, Lane, PoolEvent, PoolMetrics, RequestId};
use crate::world::components::WorldClock;

/// A finished job, current when it was collected.
#[derive(Message, Clone, Debug)]
pub struct InferenceCompleted(pub Completed);

/// A streamed piece of a job's output (dialogue tokens).
#[derive(Message, Clone, Debug)]
pub struct InferencePartial {
    pub(crate) lane: Lane,
    pub(crate) id: RequestId,
    pub(crate) text: String,
}

/// The pool's metrics, refreshed a few times a second, for HUDs and reports.
#[derive(Resource, Clone, Debug, Default)]
pub struct InferenceMetrics(pub PoolMetrics);

/// Deterministic delivery for the sim: results apply at dispatch tick + `offset`.
#[derive(Resource, Debug)]
pub struct Lockstep {
    pub(crate) offset: u64,
    /// Longest wait for one result before it counts as failed.
    pub(crate) timeout: Duration,
    due: BTreeMap<u64, Vec<RequestId>>,
    held: HashMap<(Lane, RequestId), Completed>,
}

impl Lockstep {
    pub fn new(offset: u64) -> Self {
        Lockstep {
            offset,
            timeout: Duration::from_secs(10),
            due: BTreeMap::new(),
            held: HashMap::new(),
        }
    }

    pub(super) fn expect(&mut self, tick: u64, id: RequestId) {
        self.due.entry(tick + self.offset).or_default().push(id);
    }
}

pub(super) fn collect_results(
    pool: Res<Inference>,
    clock: Res<WorldClock>,
    mut lockstep: Option<ResMut<Lockstep>>,
    mut metrics: ResMut<InferenceMetrics>,
    mut done: MessageWriter<InferenceCompleted>,
    mut partial: MessageWriter<InferencePartial>,
) {
    let Some(ls) = lockstep.as_deref_mut() else {
        for ev in pool.try_iter() {
            match ev {
                PoolEvent::Completed(c) => {
                    done.write(InferenceCompleted(c));
                }
                PoolEvent::Partial { lane, id, text } => {
                    partial.write(InferencePartial { lane, id, text });
                }
            }
        }
        refresh_metrics(&pool, &clock, &mut metrics);
        return;
    };
    for ev in pool.try_iter() {
        hold(ls, ev, &mut done, &mut partial);
    }
    let due = ls.due.remove(&clock.tick).unwrap_or_default();
    for id in due {
        let key = (Lane::Policy, id);
        if !ls.held.contains_key(&key) && !pool.is_current(Lane::Policy, id) {
            continue; // superseded in perceive: its result will never be applied
        }
        let started = Instant::now();
        while !ls.held.contains_key(&key) && started.elapsed() < ls.timeout {
            match pool.recv_timeout(Duration::from_millis(5)) {
                Some(ev) => hold(ls, ev, &mut done, &mut partial),
                None => continue,
            }
        }
        let c = ls.held.remove(&key).unwrap_or(Completed {
            lane: Lane::Policy,
            id,
            result: Err(InferenceError::Unavailable(
                "lockstep: no result in time".into(),
            )),
        });
        done.write(InferenceCompleted(c));
    }
    refresh_metrics(&pool, &clock, &mut metrics);
}

/// Lockstep: decisions are held until due; talk (dialogue, emotion) passes straight through.
fn hold(
    ls: &mut Lockstep,
    ev: PoolEvent,
    done: &mut MessageWriter<InferenceCompleted>,
    partial: &mut MessageWriter<InferencePartial>,
) {
    match ev {
        PoolEvent::Completed(c) if c.lane == Lane::Policy => {
            ls.held.insert((c.lane, c.id), c);
        }
        PoolEvent::Completed(c) => {
            done.write(InferenceCompleted(c));
        }
        PoolEvent::Partial { lane, id, text } => {
            partial.write(InferencePartial { lane, id, text });
        }
    }
}

fn refresh_metrics(pool: &Inference, clock: &WorldClock, metrics: &mut InferenceMetrics) {
    if clock.tick % 15 == 1 {
        metrics.0 = pool.metrics();
    }
}
