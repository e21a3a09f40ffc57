//! World components and resources: where things are, what NPCs need, the clock.

use bevy::prelude::*;

use crate::decide::{Action, is_night};

/// Seed for everything random in the world.
#[derive(Resource, Clone, Copy, Debug)]
pub(crate) struct WorldSeed(pub u64);

/// The day/night clock, advanced by the world's fixed or real time step.
#[derive(Resource, Clone, Debug)]
pub struct WorldClock {
    pub(crate) tick: u64,
    /// Game seconds since the start.
    pub(crate) elapsed: f64,
    /// Real seconds per game day.
    pub(crate) day_length: f32,
    pub start_hour: f32,
}

impl Default for WorldClock {
    fn default() -> Self {
        WorldClock {
            tick: 0,
            elapsed: 0.0,
            day_length: 480.0,
            start_hour: 8.0,
        }
    }
}

impl WorldClock {
    /// Hour of day in [0, 24).
    pub(crate) fn hour(&self) -> f32 {
        ((self.start_hour as f64 + self.elapsed / self.day_length as f64 * 24.0) % 24.0) as f32
    }

    pub fn is_night(&self) -> bool {
        is_night(self.hour())
    }

    /// Seconds of the clock in a game hour (a memory stream's clock).
    pub(crate) fn hour_secs(&self) -> f64 {
        self.day_length as f64 / 24.0
    }
}

/// Position in world units (x right, y up). The game copies it to `Transform`.
#[derive(Component, Clone, Copy, Debug, Default, PartialEq)]
pub struct Position(pub Vec2);

/// A villager. `id` is stable for the whole run and keys inference requests.
#[derive(Component, Clone, Debug)]
#[require(
    Position,
    Needs,
    Health,
    CurrentAction,
    Reward,
    Traits,
    LastInjuries,
    PlayerWords
)]
pub struct Villager {
    pub id: u64,
    pub name: String,
    pub(crate) home: Vec2,
    pub(crate) work: Vec2,
}

/// Needs, each in [0, 1]: hunger (0 fed .. 1 starving), energy (0 exhausted .. 1 rested),
/// social (0 lonely .. 1 fulfilled).
#[derive(Component, Clone, Copy, Debug, PartialEq)]
pub(crate) struct Needs {
    pub(crate) hunger: f32,
    pub(crate) energy: f32,
    pub(crate) social: f32,
}

impl Default for Needs {
    fn default() -> Self {
        Needs {
            hunger: 0.2,
            energy: 0.9,
            social: 0.6,
        }
    }
}

/// Health in [0, 1] and the count of injuries from threats.
#[derive(Component, Clone, Copy, Debug, PartialEq)]
pub struct Health {
    pub(crate) value: f32,
    pub injuries: u32,
    /// Game second of the last injury (injuries are counted at most once a second).
    pub(crate) last_injury: f64,
}

impl Default for Health {
    fn default() -> Self {
        Health {
            value: 1.0,
            injuries: 0,
            last_injury: f64::NEG_INFINITY,
        }
    }
}

/// What the NPC is doing now.
#[derive(Component, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CurrentAction(pub Action);

/// The reward of the last tick and the sum so far (see `reward.rs`).
#[derive(Component, Clone, Copy, Debug, Default, PartialEq)]
pub(crate) struct Reward {
    pub(crate) last: f32,
    pub(crate) total: f64,
}

/// The player (keyboard in the game, a scripted walk in the sim).
#[derive(Component, Clone, Copy, Debug, Default)]
#[require(Position)]
pub struct Player;

/// A wolf: roams near the forest at night and bites villagers it reaches.
#[derive(Component, Clone, Copy, Debug)]
#[require(Position)]
pub struct Wolf {
    pub(crate) index: u64,
}

/// Persona traits copied from the NPC's config, each in [0, 1].
#[derive(Component, Clone, Copy, Debug, PartialEq)]
pub struct Traits {
    pub bravery: f32,
    pub(crate) sociability: f32,
    pub(crate) diligence: f32,
    pub(crate) temper: f32,
    pub(crate) honesty: f32,
}

impl Traits {
    /// In the observation's order: bravery, sociability, diligence, temper, honesty.
    pub(crate) fn as_array(&self) -> [f32; 5] {
        [
            self.bravery,
            self.sociability,
            self.diligence,
            self.temper,
            self.honesty,
        ]
    }

    /// From an array in [`Traits::as_array`]'s order.
    pub(crate) fn from_array([bravery, sociability, diligence, temper, honesty]: [f32; 5]) -> Self {
        Traits {
            bravery,
            sociability,
            diligence,
            temper,
            honesty,
        }
    }
}

impl Default for Traits {
    fn default() -> Self {
        Traits::from_array([0.5; 5])
    }
}

/// The injury count already charged to the reward.
#[derive(Component, Clone, Copy, Debug, Default)]
pub(crate) struct LastInjuries(pub u32);

/// What the player said to this villager, counted: kind words (praise, thanks, gifts) and rude
/// ones (insults). Counted where the villager feels them (`brain::emotion`); the reward charges
/// each new one once (`reward.rs`).
#[derive(Component, Clone, Copy, Debug, Default, PartialEq)]
pub struct PlayerWords {
    pub kind: u32,
    pub rude: u32,
    /// The counts already charged to the reward.
    pub(crate) charged: (u32, u32),
}
