//! World components and resources: where things are, what NPCs need, the clock.

use bevy::prelude::*;

use super::action::Action;

/// Seed for everything random in the world.
#[derive(Resource, Clone, Copy, Debug)]
pub struct WorldSeed(pub u64);

/// The day/night clock, advanced by the world's fixed or real time step.
#[derive(Resource, Clone, Debug)]
pub struct WorldClock {
    pub tick: u64,
    /// Game seconds since the start.
    pub elapsed: f64,
    /// Real seconds per game day.
    pub day_length: f32,
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
    pub fn hour(&self) -> f32 {
        ((self.start_hour as f64 + self.elapsed / self.day_length as f64 * 24.0) % 24.0) as f32
    }

    pub fn is_night(&self) -> bool {
        !(6.0..21.0).contains(&self.hour())
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
    super::reward::LastInjuries
)]
pub struct Villager {
    pub id: u64,
    pub name: String,
    pub home: Vec2,
    pub work: Vec2,
}

/// Needs, each in [0, 1]: hunger (0 fed .. 1 starving), energy (0 exhausted .. 1 rested),
/// social (0 lonely .. 1 fulfilled).
#[derive(Component, Clone, Copy, Debug, PartialEq)]
pub struct Needs {
    pub hunger: f32,
    pub energy: f32,
    pub social: f32,
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
    pub value: f32,
    pub injuries: u32,
    /// Game second of the last injury (injuries are counted at most once a second).
    pub last_injury: f64,
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
pub struct Reward {
    pub last: f32,
    pub total: f64,
}

/// The player (keyboard in the game, a scripted walk in the sim).
#[derive(Component, Clone, Copy, Debug, Default)]
#[require(Position)]
pub struct Player;

/// A wolf: roams near the forest at night and bites villagers it reaches.
#[derive(Component, Clone, Copy, Debug)]
#[require(Position)]
pub struct Wolf {
    pub index: u64,
}

/// Persona traits copied from the NPC's config: bravery, sociability, diligence, temper, honesty.
#[derive(Component, Clone, Copy, Debug, PartialEq)]
pub struct Traits(pub [f32; 5]);

impl Default for Traits {
    fn default() -> Self {
        Traits([0.5; 5])
    }
}
