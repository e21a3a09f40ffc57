//! npc_minds: a Bevy village whose NPCs think with local neural models.
//!
//! The loop: `Perceive → Dispatch → Collect → Apply → Act` (see [`NpcSystems`]). ECS systems turn game
//! state into jobs for the [`inference`] worker pool; results come back as messages and change what
//! NPCs do. `world` is the village both the game and the headless `sim` run.
//!
//! A pool is built in one place ([`lanes::build`]): each lane gets a model, the scripted stand-in,
//! or a reason it is unavailable. A villager's decision as a job, without a window or a model
//! file (the utility AI decides):
//!
//! ```
//! use std::time::Duration;
//!
//! use npc_minds::decide::Observation;
//! use npc_minds::inference::backends::utility::UtilityBackend;
//! use npc_minds::inference::{factory, Job, JobInput, JobOutput, Lane, PoolEvent, Priority, RequestId};
//! use npc_minds::lanes::{self, PoolPlan};
//!
//! let pool = lanes::build(PoolPlan::scripted(factory(|| Ok(UtilityBackend))));
//! let job = Job {
//!     id: RequestId { npc: 7, generation: 1 },
//!     priority: Priority::Normal,
//!     deadline: None,
//!     input: JobInput::Policy(Box::new(Observation { hour: 23.0, ..Default::default() })),
//! };
//! pool.try_submit(Lane::Policy, job).unwrap();
//! let done = loop {
//!     match pool.recv_timeout(Duration::from_secs(10)) {
//!         Some(PoolEvent::Completed(c)) => break c,
//!         Some(_) => continue,
//!         None => panic!("no decision within 10 s"),
//!     }
//! };
//! assert_eq!(done.id.npc, 7);
//! assert!(matches!(done.result, Ok(JobOutput::Policy { .. })));
//! ```

pub mod brain;
pub mod commands;
pub mod config;
pub mod decide;
pub mod inference;
pub mod lanes;
pub mod memory;
pub mod ml;
pub mod music;
pub mod remote;
pub mod serve;
pub mod sim;
pub mod world;

#[cfg(feature = "windowed")]
pub mod game;

use bevy::prelude::*;

/// Every frame's NPC work, in this order (chained once, here).
#[derive(SystemSet, Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum NpcSystems {
    /// Advance the world clock.
    Clock,
    /// Turn game state into observations for NPCs whose think timer is due.
    Perceive,
    /// Send due observations to the worker pool with `try_send`; a full queue defers them.
    Dispatch,
    /// Drain finished and streamed results from the pool with `try_iter` into messages.
    Collect,
    /// Apply results of the current generation; fall back on errors.
    Apply,
    /// Carry out current actions (movement).
    Act,
    /// Needs, threats, injuries and rewards.
    Simulate,
    /// What villagers tell each other (gossip) and remember.
    Gossip,
}

/// Orders [`NpcSystems`] and adds the world, config and brain plugins.
/// The inference pool is added separately ([`brain::InferencePlugin`]) because it takes configuration.
pub fn core_plugin(app: &mut App) {
    app.configure_sets(
        Update,
        (
            NpcSystems::Clock,
            NpcSystems::Perceive,
            NpcSystems::Dispatch,
            NpcSystems::Collect,
            NpcSystems::Apply,
            NpcSystems::Act,
            NpcSystems::Simulate,
            NpcSystems::Gossip,
        )
            .chain(),
    );
    app.add_plugins((world::plugin, brain::plugin));
}
