//! Nobody walks through a building: after the world and the keyboard have moved everyone, a step
//! that would enter a wall is turned along it, at the same length, so that a villager walking to
//! a spot behind a house goes round it (along the front, round the corner, up the side) and the
//! player slides along walls. Only the window does this, like personal space (`crowd`): the
//! headless sim moves villagers as the world says.

use bevy::prelude::*;

use super::view::VILLAGER_SCALE;
use super::village::solids::solids;
use crate::NpcSystems;
use crate::world::components::{Player, Position};

/// How far a walker's centre keeps from a wall (about half a figure's width).
const PAD: f32 = 7.0 * VILLAGER_SCALE;

/// The village's walls, padded by [`PAD`].
#[derive(Resource)]
struct Walls(Vec<Rect>);

/// Where a walker stood at the end of the last frame, and the way it is going round a wall.
#[derive(Component)]
struct Footing {
    at: Vec2,
    round: Option<Round>,
}

/// Going round wall `wall`, counter-clockwise (`sense` 1) or clockwise (-1); kept while the walker
/// keeps meeting that wall, so it does not turn back at the middle of a face.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Round {
    wall: usize,
    sense: f32,
}

/// A player who walks round walls as a villager does: the autopilot's, which heads straight for
/// its villager and, as a player, stopped dead against a wall between them.
#[derive(Component)]
pub(super) struct WalksRound;

/// Who is walking: a villager walking straight at a wall turns to go round it; the player only
/// slides by what the keys push along the wall.
#[derive(Clone, Copy, PartialEq)]
enum Walker {
    Villager,
    Player,
}

pub(super) fn plugin(app: &mut App) {
    let walls = solids().into_iter().map(|r| r.inflate(PAD)).collect();
    app.insert_resource(Walls(walls)).add_systems(
        Update,
        keep_out
            .after(NpcSystems::Act)
            .after(super::crowd::keep_apart)
            .after(super::player::walk)
            .before(super::player::FollowCamera),
    );
}

/// A walker: where it is, where it stood, whether it is the player and walks round walls.
type Walking = (
    Entity,
    &'static mut Position,
    Option<&'static mut Footing>,
    Has<Player>,
    Has<WalksRound>,
);

fn keep_out(mut commands: Commands, walls: Res<Walls>, mut walkers: Query<Walking>) {
    for (e, mut pos, footing, is_player, walks_round) in &mut walkers {
        let who = if is_player && !walks_round {
            Walker::Player
        } else {
            Walker::Villager
        };
        let (from, held) = footing.as_ref().map_or((pos.0, None), |f| (f.at, f.round));
        let (next, round) = step(from, pos.0, held, who, &walls.0);
        if next != pos.0 {
            pos.0 = next;
        }
        match footing {
            Some(mut f) => {
                f.at = next;
                f.round = round;
            }
            None => {
                commands.entity(e).insert(Footing { at: next, round });
            }
        }
    }
}

/// Where a walker at `from` that was moved to `to` ends up: `to` when it is clear of every wall;
/// else the same length along the face of the wall it walked into. A villager keeps going round
/// the way it `held`, or the way it was already going along that face, or, walking straight at
/// it, towards the nearer corner. One already inside a wall (set down there, or pushed by a
/// crowd) steps out by the shortest way.
fn step(
    from: Vec2,
    to: Vec2,
    held: Option<Round>,
    who: Walker,
    walls: &[Rect],
) -> (Vec2, Option<Round>) {
    let mut at = to;
    let mut round = None;
    for (i, r) in walls.iter().enumerate() {
        if !inside(r, at) {
            continue;
        }
        if inside(r, from) {
            at = out_shortest(r, at);
            continue;
        }
        let kept = held.filter(|h| h.wall == i).map(|h| h.sense);
        let (p, sense) = along(r, from, to - from, kept, who);
        at = p;
        round = Some(Round { wall: i, sense });
    }
    (at, round)
}

fn inside(r: &Rect, p: Vec2) -> bool {
    p.x > r.min.x && p.x < r.max.x && p.y > r.min.y && p.y < r.max.y
}

/// Out of `r` across its nearest side.
fn out_shortest(r: &Rect, p: Vec2) -> Vec2 {
    let exits = [
        (p.x - r.min.x, Vec2::new(r.min.x, p.y)),
        (r.max.x - p.x, Vec2::new(r.max.x, p.y)),
        (p.y - r.min.y, Vec2::new(p.x, r.min.y)),
        (r.max.y - p.y, Vec2::new(p.x, r.max.y)),
    ];
    exits
        .into_iter()
        .min_by(|a, b| a.0.total_cmp(&b.0))
        .map_or(p, |(_, q)| q)
}

/// A step `d` from `from` (outside `r`) that would enter it, turned along the face it meets; the
/// way round it went (1 counter-clockwise, -1 clockwise).
fn along(r: &Rect, from: Vec2, d: Vec2, kept: Option<f32>, who: Walker) -> (Vec2, f32) {
    // The face `from` faces (above or below first: at a corner, the front wins), the point of it
    // level with `from`, the face's counter-clockwise direction, and its corner that way.
    let (foot, ccw, corner) = if from.y <= r.min.y {
        (
            Vec2::new(from.x, r.min.y),
            Vec2::X,
            Vec2::new(r.max.x, r.min.y),
        )
    } else if from.y >= r.max.y {
        (
            Vec2::new(from.x, r.max.y),
            Vec2::NEG_X,
            Vec2::new(r.min.x, r.max.y),
        )
    } else if from.x >= r.max.x {
        (Vec2::new(r.max.x, from.y), Vec2::Y, r.max)
    } else {
        (
            Vec2::new(r.min.x, from.y),
            Vec2::NEG_Y,
            Vec2::new(r.min.x, r.min.y),
        )
    };
    let len = d.length();
    let push = d.dot(ccw);
    if who == Walker::Player {
        return (foot + ccw * push, push.signum());
    }
    let sense = kept.unwrap_or_else(|| {
        if push.abs() > 0.05 * len {
            push.signum()
        } else {
            // Straight at it: round the nearer corner (the face's length minus the way to the
            // counter-clockwise corner is the way to the other one).
            let face = if ccw.x != 0.0 { r.width() } else { r.height() };
            let to_ccw = foot.distance(corner);
            if to_ccw <= face - to_ccw { 1.0 } else { -1.0 }
        }
    });
    (foot + ccw * sense * len, sense)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn house() -> Vec<Rect> {
        vec![Rect::new(-30.0, 0.0, 30.0, 40.0)]
    }

    /// Walks from `start` towards `goal` as the world does (straight, `speed` per step), each
    /// step through [`step`]; where it is after `steps`.
    fn walk(start: Vec2, goal: Vec2, walls: &[Rect], steps: usize) -> (Vec2, bool) {
        let mut at = start;
        let mut round = None;
        let mut entered = false;
        for _ in 0..steps {
            let to = at + (goal - at).clamp_length_max(2.0);
            (at, round) = step(at, to, round, Walker::Villager, walls);
            entered |= walls.iter().any(|r| inside(r, at));
        }
        (at, entered)
    }

    #[test]
    fn a_walker_goes_round_a_house_to_the_spot_behind_it() {
        let walls = house();
        // Straight at the middle of the front, to a spot right behind.
        let (end, entered) = walk(Vec2::new(0.0, -30.0), Vec2::new(0.0, 70.0), &walls, 200);
        assert!(!entered, "walked through the wall");
        assert!(end.distance(Vec2::new(0.0, 70.0)) < 1.0, "stuck at {end}");
        // From the side, slanting in.
        let (end, entered) = walk(Vec2::new(-80.0, 10.0), Vec2::new(60.0, 30.0), &walls, 300);
        assert!(!entered);
        assert!(end.distance(Vec2::new(60.0, 30.0)) < 1.0, "stuck at {end}");
    }

    #[test]
    fn a_step_that_misses_every_wall_is_left_alone_and_one_set_inside_steps_out() {
        let walls = house();
        let free = Vec2::new(50.0, 10.0);
        let villager = |from, to| step(from, to, None, Walker::Villager, &walls).0;
        assert_eq!(villager(Vec2::new(48.0, 10.0), free), free);
        let out = villager(Vec2::new(25.0, 20.0), Vec2::new(25.0, 20.0));
        assert_eq!(out, Vec2::new(30.0, 20.0));
    }

    #[test]
    fn a_villager_slides_at_its_speed_and_the_player_by_what_the_keys_push_along() {
        let walls = house();
        let (from, to) = (Vec2::new(0.0, -1.0), Vec2::new(1.5, 1.0));
        // Diagonal into the front: the villager's whole step goes along it.
        let (v, _) = step(from, to, None, Walker::Villager, &walls);
        assert_eq!(v.y, 0.0);
        assert!((v.x - Vec2::new(1.5, 2.0).length()).abs() < 1e-4, "{v}");
        // The player keeps only the sideways part; straight at the wall, it stops there.
        let (p, _) = step(from, to, None, Walker::Player, &walls);
        assert_eq!(p, Vec2::new(1.5, 0.0));
        let (p, _) = step(from, Vec2::new(0.0, 1.0), None, Walker::Player, &walls);
        assert_eq!(p, Vec2::new(0.0, 0.0));
    }
}
