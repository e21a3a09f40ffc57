//! The ECS side of the loop: perceive, dispatch, collect, apply. Never calls a model, never blocks a
//! frame (lockstep sim excepted).

pub mod apply;
pub mod cast;
pub mod collect;
pub mod components;
pub mod dispatch;
pub mod emotion;
pub mod gossip;
pub mod perceive;
pub mod spawn;
pub mod talk;
pub mod witness;

use std::sync::Mutex;

use bevy::prelude::*;

use crate::NpcSystems;
use crate::inference::InferencePool;
use crate::world::components::WorldClock;
use crate::world::rng;
pub use collect::{InferenceCompleted, InferenceMetrics, InferencePartial, Lockstep};
use components::{BrainStats, Mind, MindState, NpcIndex, ThinkSettings};

/// The worker pool as a resource. Systems use only its non-blocking calls.
#[derive(Resource)]
pub struct Inference(pub InferencePool);

impl std::ops::Deref for Inference {
    type Target = InferencePool;

    fn deref(&self) -> &InferencePool {
        &self.0
    }
}

/// Adds the worker pool (built by the caller: real models, scripted, or replay).
pub struct InferencePlugin {
    pool: Mutex<Option<InferencePool>>,
}

impl InferencePlugin {
    pub(crate) fn new(pool: InferencePool) -> Self {
        InferencePlugin {
            pool: Mutex::new(Some(pool)),
        }
    }
}

impl Plugin for InferencePlugin {
    fn build(&self, app: &mut App) {
        let pool = self.pool.lock().unwrap_or_else(|e| e.into_inner()).take();
        match pool {
            Some(pool) => {
                app.insert_resource(Inference(pool));
            }
            None => error!("InferencePlugin was built twice; the second app has no pool"),
        }
    }
}

pub(crate) fn plugin(app: &mut App) {
    app.add_plugins((
        talk::plugin,
        emotion::plugin,
        gossip::plugin,
        witness::plugin,
    ));
    app.init_resource::<NpcIndex>()
        .init_resource::<BrainStats>()
        .init_resource::<ThinkSettings>()
        .init_resource::<InferenceMetrics>()
        .add_message::<InferenceCompleted>()
        .add_message::<InferencePartial>()
        .add_systems(Update, perceive::perceive_npcs.in_set(NpcSystems::Perceive))
        .add_systems(
            Update,
            dispatch::dispatch_decisions
                .in_set(NpcSystems::Dispatch)
                .run_if(resource_exists::<Inference>),
        )
        .add_systems(
            Update,
            collect::collect_results
                .in_set(NpcSystems::Collect)
                .run_if(resource_exists::<Inference>),
        )
        .add_systems(Update, apply::apply_decisions.in_set(NpcSystems::Apply))
        .add_observer(spawn::on_add_villager)
        .add_observer(spawn::on_remove_villager);
}

/// Ends a think: the NPC rests until its next think, sooner when the player is near
/// (level of detail), with a per-NPC phase so thinks spread across frames.
pub(crate) fn finish_think(mind: &mut Mind, clock: &WorldClock, settings: &ThinkSettings, id: u64) {
    let base = settings.interval(mind.last_obs.player.1);
    let jitter = 0.8 + 0.4 * rng::unit(0, id, mind.generation as u64, 0x7e1c) as f64;
    mind.state = MindState::Resting;
    mind.next_think = clock.elapsed + base * jitter;
}
