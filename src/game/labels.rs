//! Name labels under villagers near the player: the name, what it is doing and how it feels, on a
//! dark backing so they read on any ground. Labels never overlap: when villagers stand close, the
//! lower label is pushed down until it is clear.

use bevy::prelude::*;

use super::screens::Screen;
use super::view::shown;

use super::chat::{ChatBox, TalkTarget};
use super::scene::feeling_text;
use super::village::z;
use crate::brain::components::Emotion;
use crate::world::components::{CurrentAction, Player, Position, Villager};

/// Labels show for villagers this close to the player (world units), and for the one it talks to.
const LABEL_RANGE: f32 = 280.0;
/// A label's place under its villager, and its height (two lines), world units.
const BELOW: f32 = -14.0;
const HEIGHT: f32 = 26.0;
/// Space left between stacked labels (also keeps rounding from finding the same overlap again).
const GAP: f32 = 2.0;
/// Approximate width of one character at the label's size.
const CHAR_W: f32 = 6.6;

#[derive(Component)]
struct Label {
    owner: Entity,
    width: f32,
}

pub(super) fn plugin(app: &mut App) {
    app.add_observer(on_add_villager).add_systems(
        Update,
        (write_labels, place_labels)
            .chain()
            .after(super::player::FollowCamera),
    );
}

/// Labels are their own entities (not children), drawn above the night overlay.
fn on_add_villager(add: On<Add, Villager>, mut commands: Commands) {
    commands.spawn((
        Label {
            owner: add.entity,
            width: 0.0,
        },
        Text2d::new(""),
        TextFont::from_font_size(12.0),
        TextColor(Color::srgb(1.0, 0.98, 0.92)),
        TextBackgroundColor(Color::srgba(0.05, 0.05, 0.08, 0.72)),
        TextLayout::justify(Justify::Center),
        Transform::from_xyz(0.0, 0.0, z::GLOW + 2.0),
        Visibility::Hidden,
    ));
}

#[allow(clippy::type_complexity)]
fn write_labels(
    mut commands: Commands,
    villagers: Query<
        (&Villager, &CurrentAction, &Emotion),
        Or<(Changed<CurrentAction>, Changed<Villager>, Changed<Emotion>)>,
    >,
    mut labels: Query<(Entity, &mut Label, &mut Text2d)>,
) {
    for (e, mut label, mut text) in &mut labels {
        let Ok((v, action, emotion)) = villagers.get(label.owner) else {
            if commands.get_entity(label.owner).is_err() {
                commands.entity(e).despawn();
            }
            continue;
        };
        let doing = action.0.name().replace('_', " ");
        let shown = format!("{}\n{doing}, {}", v.name, feeling_text(emotion));
        if text.0 != shown {
            label.width = shown.lines().map(str::len).max().unwrap_or(0) as f32 * CHAR_W + 8.0;
            text.0 = shown;
        }
    }
}

/// Where each shown label goes: under its villager, pushed down past labels already placed.
pub(super) fn stack(wanted: &[(Vec2, f32)]) -> Vec<Vec2> {
    let mut order: Vec<usize> = (0..wanted.len()).collect();
    // Top of the screen first, then left to right: the upper label keeps its place.
    order.sort_by(|&a, &b| {
        wanted[b]
            .0
            .y
            .total_cmp(&wanted[a].0.y)
            .then(wanted[a].0.x.total_cmp(&wanted[b].0.x))
    });
    let mut placed: Vec<(Vec2, f32)> = Vec::new();
    let mut out = vec![Vec2::ZERO; wanted.len()];
    for i in order {
        let (mut at, w) = wanted[i];
        // Each placed label can push this one at most once (it only moves down, and a pushed
        // label ends a whole gap below the one it hit), so this ends.
        while let Some(hit) = placed
            .iter()
            .find(|(p, pw)| (p.x - at.x).abs() < (pw + w) / 2.0 && (p.y - at.y).abs() < HEIGHT)
        {
            at.y = hit.0.y - HEIGHT - GAP;
        }
        placed.push((at, w));
        out[i] = at;
    }
    out
}

fn place_labels(
    screen: Res<State<Screen>>,
    chat: Res<ChatBox>,
    target: Res<TalkTarget>,
    player: Query<&Position, With<Player>>,
    villagers: Query<&Position, With<Villager>>,
    mut labels: Query<(&Label, &mut Transform, &mut Visibility)>,
) {
    let Ok(me) = player.single() else { return };
    let mut near_labels = Vec::new();
    for (label, _, mut vis) in &mut labels {
        let Ok(pos) = villagers.get(label.owner) else {
            continue;
        };
        // The title and end screens have the window to themselves.
        let near = *screen.get() == Screen::Playing
            && (pos.0.distance(me.0) <= LABEL_RANGE
                || chat.with == Some(label.owner)
                || target.0 == Some(label.owner));
        vis.set_if_neq(shown(near));
        if near {
            near_labels.push((label.owner, pos.0 + Vec2::Y * BELOW, label.width));
        }
    }
    let wanted: Vec<(Vec2, f32)> = near_labels.iter().map(|(_, at, w)| (*at, *w)).collect();
    let at = stack(&wanted);
    for (label, mut t, _) in &mut labels {
        if let Some(i) = near_labels.iter().position(|(o, ..)| *o == label.owner) {
            let next = at[i].extend(t.translation.z);
            if t.translation != next {
                t.translation = next;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn many_labels_in_one_spot_all_find_a_place() {
        // Fractional positions, where rounding once made the same overlap be found for ever.
        let wanted: Vec<(Vec2, f32)> = (0..10)
            .map(|i| (Vec2::new(0.1 * i as f32, -13.7 + 0.3 * i as f32), 70.0))
            .collect();
        let at = stack(&wanted);
        for i in 0..at.len() {
            for j in 0..i {
                assert!((at[i].y - at[j].y).abs() >= HEIGHT, "{i} and {j}: {at:?}");
            }
        }
    }

    #[test]
    fn close_labels_stack_and_far_ones_stay() {
        let wanted = [
            (Vec2::new(0.0, 0.0), 60.0),
            (Vec2::new(10.0, 5.0), 60.0),
            (Vec2::new(300.0, 0.0), 60.0),
        ];
        let at = stack(&wanted);
        // The higher one keeps its place, the other goes below it, the far one is untouched.
        assert_eq!(at[1], Vec2::new(10.0, 5.0));
        assert_eq!(at[0], Vec2::new(0.0, 5.0 - HEIGHT - GAP));
        assert_eq!(at[2], Vec2::new(300.0, 0.0));
        for i in 0..3 {
            for j in 0..i {
                let overlap =
                    (at[i].x - at[j].x).abs() < 60.0 && (at[i].y - at[j].y).abs() < HEIGHT;
                assert!(!overlap, "labels {i} and {j} overlap");
            }
        }
    }
}
