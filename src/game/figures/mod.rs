//! Villagers, the player and wolves as small figures: a soft shadow, legs that step while they
//! walk, clothes coloured by trade, a head that looks where they go (or at the player while they
//! talk), and around each villager's feet a ring in the colour of its emotion. The villager `E`
//! would talk to wears a marker; the player wears a gold ring.

use bevy::prelude::*;

use super::view::shown;

use super::chat::{ChatBox, TalkTarget};
use super::night::Danger;
use super::paint::{Paint, Palette};
use super::scene::ring_colour;
use crate::brain::components::{Emotion, Profile};
use crate::decide::{AT_PLACE, Action};
use crate::world::act::BOUNDS;
use crate::world::components::{CurrentAction, Player, Position, Villager, Wolf};

mod body;

use body::{on_add_player, on_add_villager, on_add_wolf, trade_colour};

pub(super) fn plugin(app: &mut App) {
    app.add_observer(on_add_villager)
        .add_observer(on_add_player)
        .add_observer(on_add_wolf)
        .add_systems(
            Update,
            (
                sync_transforms,
                dress_by_trade,
                step,
                colour_rings,
                mark_target,
                sleep_indoors,
            )
                .chain(),
        );
}

/// A figure's soft shadow.
const SHADE: Color = Color::srgba(0.0, 0.05, 0.0, 0.28);

/// How a figure walks: where it was last frame, its stride's phase, which way it looks.
#[derive(Component, Default)]
struct Gait {
    last: Option<Vec2>,
    phase: f32,
    facing: f32,
}

/// A leg: which side (-1 or 1) and its height at rest (by the figure's size).
#[derive(Component)]
struct Leg(f32, f32);

#[derive(Component)]
struct Eye;

/// The clothes, recoloured once the villager's trade is known.
#[derive(Component)]
struct Clothes(Handle<Paint>);

/// The ring at a villager's feet showing its emotion (its own material, recoloured as it changes).
#[derive(Component)]
struct EmotionRing(Handle<Paint>);

/// The marker over the villager `E` would talk to.
#[derive(Component)]
struct TargetMarker;

/// A villager asleep at home is indoors: not drawn (its label still says where it sleeps, and it
/// answers from behind the door when spoken to).
#[allow(clippy::type_complexity)]
fn sleep_indoors(
    mut villagers: Query<
        (&Villager, &Position, &CurrentAction, &mut Visibility),
        Or<(Changed<CurrentAction>, Changed<Position>)>,
    >,
) {
    for (v, at, action, mut vis) in &mut villagers {
        let indoors = action.0 == Action::Sleep && at.0.distance(v.home) <= AT_PLACE;
        vis.set_if_neq(shown(!indoors));
    }
}

/// Figures stand where they are; lower on the screen, drawn in front.
#[allow(clippy::type_complexity)]
fn sync_transforms(
    mut q: Query<(&Position, &mut Transform), Or<(With<Villager>, With<Wolf>, With<Player>)>>,
) {
    for (pos, mut t) in &mut q {
        let next = pos.0.extend(10.0 + (BOUNDS.y - pos.0.y) / 4000.0);
        if t.translation != next {
            t.translation = next;
        }
    }
}

/// Clothes take the trade's colour once the villager's config is known (and when a mod changes
/// it).
fn dress_by_trade(
    villagers: Query<(&Profile, &Children), Changed<Profile>>,
    clothes: Query<&Clothes>,
    mut materials: ResMut<Assets<Paint>>,
) {
    for (profile, children) in &villagers {
        for c in children.iter().filter_map(|c| clothes.get(c).ok()) {
            if let Some(mut m) = materials.get_mut(&c.0) {
                m.set(trade_colour(&profile.0.role));
            }
        }
    }
}

/// Legs swing with the distance walked; heads turn the way the figure goes, or to the player
/// while it is being talked to.
#[allow(clippy::type_complexity)]
fn step(
    chat: Res<ChatBox>,
    target: Res<TalkTarget>,
    player: Query<&Position, With<Player>>,
    mut figures: Query<(Entity, &Position, &mut Gait, &Children)>,
    mut legs: Query<(&Leg, &mut Transform), Without<Eye>>,
    mut eyes: Query<&mut Transform, (With<Eye>, Without<Leg>)>,
) {
    let me = player.single().ok().map(|p| p.0);
    for (e, pos, mut gait, children) in &mut figures {
        let moved = gait.last.map_or(Vec2::ZERO, |l| pos.0 - l);
        gait.last = Some(pos.0);
        let attending = chat.with == Some(e) || target.0 == Some(e);
        if let (true, Some(me)) = (attending, me) {
            gait.facing = (me.x - pos.0.x).signum();
        } else if moved.x.abs() > 0.05 {
            gait.facing = moved.x.signum();
        }
        let walking = moved.length() > 0.05;
        gait.phase = if walking {
            (gait.phase + moved.length() * 0.22) % std::f32::consts::TAU
        } else {
            0.0
        };
        let swing = gait.phase.sin() * 2.5;
        for child in children.iter() {
            if let Ok((leg, mut t)) = legs.get_mut(child) {
                let y = leg.1 * (1.0 + swing * leg.0 / 4.0);
                if t.translation.y != y {
                    t.translation.y = y;
                }
            }
            if let Ok(mut t) = eyes.get_mut(child) {
                let x = t.translation.x.abs() * if gait.facing < 0.0 { -1.0 } else { 1.0 };
                if t.translation.x != x {
                    t.translation.x = x;
                }
            }
        }
    }
}

/// The ring in the emotion's colour; while a wolf is near, pulsing towards red by how near.
#[allow(clippy::type_complexity)]
fn colour_rings(
    time: Res<Time<Real>>,
    villagers: Query<(Ref<Emotion>, Option<Ref<Danger>>, &Children)>,
    rings: Query<&EmotionRing>,
    mut materials: ResMut<Assets<Paint>>,
) {
    let pulse = 0.5 + 0.5 * (time.elapsed_secs() * 7.0).sin();
    for (emotion, danger, children) in &villagers {
        let level = danger.as_ref().map_or(0.0, |d| d.0);
        let changed = emotion.is_changed() || danger.as_ref().is_some_and(|d| d.is_changed());
        // Out of danger and unchanged: nothing to recolour this frame.
        if level == 0.0 && !changed {
            continue;
        }
        let colour = danger_colour(ring_colour(&emotion), level, pulse);
        for ring in children.iter().filter_map(|c| rings.get(c).ok()) {
            if let Some(mut m) = materials.get_mut(&ring.0) {
                m.set(colour);
            }
        }
    }
}

/// `ring` blended towards red by `danger` (0 to 1), beating with `pulse` (0 to 1).
fn danger_colour(ring: Color, danger: f32, pulse: f32) -> Color {
    if danger <= 0.0 {
        return ring;
    }
    let red = LinearRgba::rgb(1.0, 0.1, 0.05);
    let base = ring.to_linear();
    let t = danger * (0.55 + 0.45 * pulse);
    let mixed = base.mix(&red, t);
    Color::LinearRgba(mixed.with_alpha(base.alpha.max(0.6 + 0.4 * danger)))
}

/// Shows the marker over the villager `E` would talk to, and bobs it.
fn mark_target(
    time: Res<Time<Real>>,
    target: Res<TalkTarget>,
    mut markers: Query<(&ChildOf, &mut Visibility, &mut Transform), With<TargetMarker>>,
) {
    let bob = 36.0 + 2.0 * (time.elapsed_secs() * 5.0).sin();
    for (parent, mut vis, mut t) in &mut markers {
        let on = target.0 == Some(parent.parent());
        vis.set_if_neq(shown(on));
        if on {
            t.translation.y = bob;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ring_turns_red_as_a_wolf_comes_near_and_is_itself_without_one() {
        let calm = Color::srgba(0.2, 0.6, 0.9, 0.3);
        assert_eq!(danger_colour(calm, 0.0, 1.0), calm);
        let near = danger_colour(calm, 1.0, 1.0).to_linear();
        let far = danger_colour(calm, 0.3, 1.0).to_linear();
        assert!(
            near.red > far.red && far.red > calm.to_linear().red,
            "{near:?} {far:?}"
        );
        assert!(near.blue < calm.to_linear().blue);
        assert!(near.alpha >= 0.99, "{near:?}");
    }

    #[test]
    fn trades_have_their_own_clothes() {
        assert_ne!(trade_colour("miller"), trade_colour("blacksmith"));
        assert_eq!(trade_colour("Tavern keeper"), trade_colour("tavern keeper"));
        // A modded trade still gets a colour, the same every run.
        assert_eq!(trade_colour("ferryman"), trade_colour("ferryman"));
    }
}
