//! Villagers from configs: spawning, updating on hot reload, and the id → entity index.

use std::sync::Arc;

use bevy::prelude::*;

use super::components::{Mind, NpcIndex, Profile};
use crate::config::schema::NpcConfig;
use crate::world::components::{Position, Traits, Villager};
use crate::world::places;

fn place_pos(name: &str) -> Vec2 {
    places::find(name).map_or(Vec2::ZERO, |p| Vec2::from(p.pos))
}

/// The components a villager is made of, from its config (position starts at home + `offset`).
pub(crate) fn villager_bundle(id: u64, config: &NpcConfig, offset: Vec2) -> impl Bundle {
    let home = place_pos(&config.home);
    (
        Villager {
            id,
            name: config.name.clone(),
            home,
            work: place_pos(&config.work),
        },
        Position(home + offset),
        Traits::from_array(config.persona.as_array()),
        Mind::default(),
        Profile(Arc::new(config.clone())),
        Name::new(config.name.clone()),
    )
}

/// Applies an edited config to a live villager; needs, position and mind state are kept.
pub(crate) fn update_villager(
    config: &NpcConfig,
    villager: &mut Villager,
    traits: &mut Traits,
    profile: &mut Profile,
) {
    villager.name = config.name.clone();
    villager.home = place_pos(&config.home);
    villager.work = place_pos(&config.work);
    *traits = Traits::from_array(config.persona.as_array());
    profile.0 = Arc::new(config.clone());
}

pub(super) fn on_add_villager(
    add: On<Add, Villager>,
    q: Query<&Villager>,
    mut index: ResMut<NpcIndex>,
) {
    if let Ok(v) = q.get(add.entity) {
        index.0.insert(v.id, add.entity);
    }
}

pub(super) fn on_remove_villager(
    remove: On<Remove, Villager>,
    q: Query<&Villager>,
    mut index: ResMut<NpcIndex>,
) {
    if let Ok(v) = q.get(remove.entity) {
        index.0.remove(&v.id);
    }
}
