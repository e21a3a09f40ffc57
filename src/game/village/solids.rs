//! The ground walkers cannot cross: each building's walls (from its door up the wall's height, the
//! face the player sees), the market's stalls and the square's well, from the same sizes the
//! buildings are drawn with.

use bevy::prelude::*;

use super::buildings::{CHAPEL, CHAPEL_TOWER, DOOR, HOME, MILL, SMITHY, TAVERN, TOWN_HALL};
use super::grounds::{STALL, STALLS, WELL};
use crate::world::places::{PLACES, Place, PlaceKind};

/// Every solid rectangle of the village, in world units.
pub(crate) fn solids() -> Vec<Rect> {
    PLACES.iter().flat_map(of_place).collect()
}

/// A wall of `size` standing on `door` (bottom centre).
fn wall(door: Vec2, size: Vec2) -> Rect {
    Rect::new(
        door.x - size.x / 2.0,
        door.y,
        door.x + size.x / 2.0,
        door.y + size.y,
    )
}

fn of_place(p: &Place) -> Vec<Rect> {
    let at = Vec2::from(p.pos);
    let door = at + Vec2::Y * DOOR;
    match p.kind {
        PlaceKind::Home => vec![wall(door, HOME)],
        PlaceKind::Tavern => vec![wall(door, TAVERN)],
        PlaceKind::Smithy => vec![wall(door, SMITHY)],
        PlaceKind::Mill => vec![wall(door, MILL)],
        PlaceKind::TownHall => vec![wall(door, TOWN_HALL)],
        // The chapel and its tower as one block (nobody squeezes between them).
        PlaceKind::Chapel => {
            let body = wall(door, CHAPEL);
            let tower_left = door.x - CHAPEL_TOWER.1 - CHAPEL_TOWER.0 / 2.0;
            vec![Rect::new(tower_left, body.min.y, body.max.x, body.max.y)]
        }
        // A stall: its counter and the awning over it.
        PlaceKind::Market => STALLS
            .iter()
            .map(|s| wall(at + *s, Vec2::new(STALL.x, STALL.y * 2.0)))
            .collect(),
        PlaceKind::Square => {
            let (spot, r) = WELL;
            vec![Rect::from_center_half_size(at + spot, Vec2::splat(r))]
        }
        PlaceKind::Fields | PlaceKind::ForestEdge => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_place_spot_lies_outside_the_walls() {
        let solids = solids();
        assert!(solids.len() >= 15, "{}", solids.len());
        // Villagers walk to a place's spot: it must be reachable, clear of every wall.
        for p in PLACES {
            let at = Vec2::from(p.pos);
            for r in &solids {
                assert!(!r.contains(at), "{} stands inside {r:?}", p.name);
            }
        }
    }
}
