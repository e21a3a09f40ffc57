//! Personal space in the game: villagers closer than [`SPACE`] to each other, or than
//! [`PLAYER_SPACE`] to the player, are eased apart a little each frame, so that a crowd at the
//! tavern or the square is a group you can see into, not one figure under a pile of labels. Only
//! the window does this: the headless sim moves villagers as the world says (its lockstep runs
//! stay what they were).

use bevy::prelude::*;

use super::view::VILLAGER_SCALE;
use crate::NpcSystems;
use crate::world::act::BOUNDS;
use crate::world::components::{Player, Position, Villager};

/// Distance villagers keep from each other, world units (a figure is about 16 wide).
const SPACE: f32 = 24.0 * VILLAGER_SCALE;
/// Distance villagers keep from the player.
const PLAYER_SPACE: f32 = 30.0 * VILLAGER_SCALE;
/// Share of the overlap undone per frame: gentle, so that walking to a spot and keeping apart
/// settle instead of trembling.
const EASE: f32 = 0.25;

pub(super) fn plugin(app: &mut App) {
    app.add_systems(Update, keep_apart.after(NpcSystems::Act));
}

pub(super) fn keep_apart(
    player: Query<&Position, (With<Player>, Without<Villager>)>,
    mut villagers: Query<(&Villager, &mut Position), Without<Player>>,
) {
    let mut at: Vec<(u64, Vec2)> = villagers.iter().map(|(v, p)| (v.id, p.0)).collect();
    // By id, so that the result does not depend on the query's order.
    at.sort_by_key(|(id, _)| *id);
    let moved = spread(&at, player.single().ok().map(|p| p.0));
    for (v, mut pos) in &mut villagers {
        if let Some((_, next)) = moved.iter().find(|(id, _)| *id == v.id)
            && pos.0 != *next
        {
            pos.0 = *next;
        }
    }
}

/// Where each villager (id, place) stands after one frame's easing apart: pushed from every
/// neighbour nearer than [`SPACE`] and from the player nearer than [`PLAYER_SPACE`], by [`EASE`]
/// of the overlap. Two on the very same spot part along a direction their ids pick.
fn spread(at: &[(u64, Vec2)], player: Option<Vec2>) -> Vec<(u64, Vec2)> {
    let apart = |a: Vec2, b: Vec2, ids: (u64, u64)| -> Vec2 {
        let d = a - b;
        if d.length_squared() > 1e-6 {
            d.normalize()
        } else {
            let angle = (ids.0 * 2 + ids.1) as f32 * 2.399;
            Vec2::new(angle.cos(), angle.sin())
        }
    };
    at.iter()
        .map(|&(id, p)| {
            let mut push = Vec2::ZERO;
            for &(other, q) in at {
                let gap = p.distance(q);
                if other != id && gap < SPACE {
                    push += apart(p, q, (id, other)) * (SPACE - gap) * EASE / 2.0;
                }
            }
            if let Some(me) = player {
                let gap = p.distance(me);
                if gap < PLAYER_SPACE {
                    push += apart(p, me, (id, 0)) * (PLAYER_SPACE - gap) * EASE;
                }
            }
            (id, (p + push).clamp(-BOUNDS, BOUNDS))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_crowd_on_one_spot_spreads_into_a_group_and_stays_near_it() {
        let mut at: Vec<(u64, Vec2)> = (0..6).map(|id| (id, Vec2::new(100.0, 50.0))).collect();
        for _ in 0..200 {
            at = spread(&at, None);
        }
        for (i, (_, a)) in at.iter().enumerate() {
            // Near the spot still...
            assert!(a.distance(Vec2::new(100.0, 50.0)) < 3.0 * SPACE, "{at:?}");
            for (_, b) in &at[..i] {
                // ...and no two on top of each other.
                assert!(a.distance(*b) > 0.8 * SPACE, "{at:?}");
            }
        }
    }

    #[test]
    fn villagers_step_back_from_the_player_and_far_ones_stay() {
        let at = [(1, Vec2::new(10.0, 0.0)), (2, Vec2::new(300.0, 0.0))];
        let next = spread(&at, Some(Vec2::ZERO));
        assert!(next[0].1.x > 10.0, "{next:?}");
        assert_eq!(next[1].1, Vec2::new(300.0, 0.0));
    }
}
