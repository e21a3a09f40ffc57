//! npc_minds: a Bevy village whose NPCs think with local neural models.
//!
//! The loop: `Perceive → Dispatch → Collect → Apply → Act` (see [`NpcSystems`]). ECS systems turn game
//! state into jobs for the [`inference`] worker pool; results come back as messages and change what
//! NPCs do. `world` is the village both the game and the headless `sim` run.

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
pub enum NpcSystems {
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
