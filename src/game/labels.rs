//! Name labels under villagers near the player: the name, what it is doing and how it feels, on a
//! dark backing so they read on any ground. Labels never overlap each other or a panel (HUD, chat,
//! journal, bubbles): when villagers stand close, a label is pushed down until it is clear, at most
//! two one above the other: the villager being talked to or highlighted, then the nearest, keep
//! theirs and a third is hidden; a label a panel would push far from its villager is hidden. A
//! label never covers the player: one whose place is over the player's figure is hidden.

use bevy::prelude::*;

use super::screens::Screen;
use super::view::{Covers, View, covered, shown};
use super::view::{PLAYER_SCALE, VILLAGER_SCALE};

use super::chat::{ChatBox, TalkTarget};
use super::paint::{Paint, Palette};
use super::scene::feeling_text;
use super::village::z;
use crate::brain::components::Emotion;
use crate::world::components::{CurrentAction, Player, Position, Villager};

/// Labels show for villagers this close to the player (world units), and for the one it talks to.
const LABEL_RANGE: f32 = 280.0;
/// A label's place under its villager, and its height (two lines), world units.
const BELOW: f32 = -6.0 - 8.0 * VILLAGER_SCALE;
const HEIGHT: f32 = 26.0;
/// Space left between stacked labels (also keeps rounding from finding the same overlap again).
const GAP: f32 = 2.0;
/// Farthest a panel may push a label down before the label is hidden instead, world units.
const MAX_NUDGE: f32 = 3.0 * HEIGHT;
/// Labels one above the other at most; a label that would be the next is hidden.
const MAX_STACK: usize = 2;
/// The player's figure around its feet (width, height), world units: labels keep off it.
pub(super) const FIGURE: Vec2 = Vec2::new(16.0 * PLAYER_SCALE, 30.0 * PLAYER_SCALE);
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
        (write_labels, size_boxes, place_labels)
            .chain()
            .after(super::player::FollowCamera),
    );
}

/// A label's dark box, drawn just behind its text. (Bevy's `TextBackgroundColor` draws the box at
/// the text's own depth, and which of the two comes first is then left to chance: the box could
/// cover the words.)
#[derive(Component)]
struct LabelBox;

/// Labels are their own entities (not children), drawn above the night overlay.
fn on_add_villager(
    add: On<Add, Villager>,
    mut commands: Commands,
    mut meshes: ResMut<Assets<Mesh>>,
    mut paints: ResMut<Assets<Paint>>,
    mut palette: ResMut<Palette>,
) {
    let square = palette.square(&mut meshes);
    let dark = palette.paint(&mut paints, Color::srgba(0.05, 0.05, 0.08, 0.72));
    commands
        .spawn((
            Label {
                owner: add.entity,
                width: 0.0,
            },
            Text2d::new(""),
            TextFont::from_font_size(12.0),
            TextColor(Color::srgb(1.0, 0.98, 0.92)),
            TextLayout::justify(Justify::Center),
            Transform::from_xyz(0.0, 0.0, z::GLOW + 2.0),
            Visibility::Hidden,
        ))
        .with_child((
            LabelBox,
            Mesh2d(square),
            MeshMaterial2d(dark),
            Transform::from_xyz(0.0, 0.0, -0.01).with_scale(Vec3::ZERO),
        ));
}

/// Each label's box as wide as its longest line and as tall as its two lines.
fn size_boxes(
    labels: Query<(&Label, &Children), Changed<Label>>,
    mut boxes: Query<&mut Transform, With<LabelBox>>,
) {
    for (label, children) in &labels {
        for child in children.iter() {
            if let Ok(mut t) = boxes.get_mut(child) {
                t.scale = Vec3::new(label.width, HEIGHT + 2.0, 1.0);
            }
        }
    }
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

/// True when a label at `at`, `w` wide, would cover `figure`.
fn covers(at: Vec2, w: f32, figure: Rect) -> bool {
    !Rect::from_center_size(at, Vec2::new(w, HEIGHT))
        .intersect(figure)
        .is_empty()
}

/// A label that wants a place: where (under its villager), how wide, and its rank (lower keeps its
/// place first: 0 for the villager talked to or highlighted, else its distance to the player).
pub(super) type Wanted = (Vec2, f32, f32);

/// Where each shown label goes: under its villager, pushed down past the panels (`covered`, world
/// rectangles) and the labels already placed (lower rank first); `None` when it would be the third
/// in a stack ([`MAX_STACK`]), or when a panel would push it further than [`MAX_NUDGE`] from its
/// villager (the villager is under the panel, and so would its label be).
pub(super) fn stack(wanted: &[Wanted], covered: &[Rect]) -> Vec<Option<Vec2>> {
    let mut order: Vec<usize> = (0..wanted.len()).collect();
    // By rank; among equals the top of the screen first, then left to right: the upper label
    // keeps its place.
    order.sort_by(|&a, &b| {
        wanted[a]
            .2
            .total_cmp(&wanted[b].2)
            .then(wanted[b].0.y.total_cmp(&wanted[a].0.y))
            .then(wanted[a].0.x.total_cmp(&wanted[b].0.x))
    });
    let mut placed: Vec<Rect> = covered.to_vec();
    let mut out = vec![None; wanted.len()];
    for i in order {
        let (want, w, _) = wanted[i];
        let mut at = want;
        let mut by_panel = false;
        let mut by_labels = 0;
        // Each rectangle can push this label at most once (it only moves down, and a pushed label
        // ends a whole gap below what it hit), so this ends.
        while let Some((k, hit)) = placed.iter().enumerate().find(|(_, r)| {
            let label = Rect::from_center_size(at, Vec2::new(w, HEIGHT));
            !label.intersect(**r).is_empty()
        }) {
            if k < covered.len() {
                by_panel = true;
            } else {
                by_labels += 1;
            }
            at.y = hit.min.y - HEIGHT / 2.0 - GAP;
        }
        if by_labels >= MAX_STACK || (by_panel && want.y - at.y > MAX_NUDGE) {
            continue;
        }
        placed.push(Rect::from_center_size(at, Vec2::new(w, HEIGHT)));
        out[i] = Some(at);
    }
    out
}

#[allow(clippy::type_complexity, clippy::too_many_arguments)]
fn place_labels(
    screen: Res<State<Screen>>,
    chat: Res<ChatBox>,
    target: Res<TalkTarget>,
    view: View,
    panels: Query<(&ComputedNode, &UiGlobalTransform, &InheritedVisibility), With<Covers>>,
    player: Query<&Position, With<Player>>,
    villagers: Query<&Position, With<Villager>>,
    mut labels: Query<(&Label, &mut Transform, &mut Visibility), Without<Camera2d>>,
) {
    let Ok(me) = player.single() else { return };
    // The title and end screens have the window to themselves.
    let playing = *screen.get() == Screen::Playing;
    let mut near_labels = Vec::new();
    for (label, ..) in &labels {
        let Ok(pos) = villagers.get(label.owner) else {
            continue;
        };
        let near = playing
            && (pos.0.distance(me.0) <= LABEL_RANGE
                || chat.with == Some(label.owner)
                || target.0 == Some(label.owner));
        if near {
            let talked_to = chat.with == Some(label.owner) || target.0 == Some(label.owner);
            let rank = if talked_to { 0.0 } else { pos.0.distance(me.0) };
            near_labels.push((label.owner, pos.0 + Vec2::Y * BELOW, label.width, rank));
        }
    }
    let mut covered: Vec<Rect> = match view.get() {
        Some(frame) => covered(&panels)
            .into_iter()
            .map(|r| frame.rect_to_world(r))
            .collect(),
        None => Vec::new(),
    };
    // The player's own figure: a label that would cover it is not shown (pushed under the player
    // it would read as the player's; the villager talked to is named in the conversation panel),
    // and no label is pushed onto it.
    let figure = Rect::new(
        me.0.x - FIGURE.x / 2.0,
        me.0.y,
        me.0.x + FIGURE.x / 2.0,
        me.0.y + FIGURE.y,
    );
    near_labels.retain(|(_, at, w, _)| !covers(*at, *w, figure));
    covered.push(figure);
    let wanted: Vec<Wanted> = near_labels
        .iter()
        .map(|(_, at, w, rank)| (*at, *w, *rank))
        .collect();
    let at = stack(&wanted, &covered);
    for (label, mut t, mut vis) in &mut labels {
        let place = near_labels
            .iter()
            .position(|(o, ..)| *o == label.owner)
            .and_then(|i| at[i]);
        vis.set_if_neq(shown(place.is_some()));
        if let Some(place) = place {
            let next = place.extend(t.translation.z);
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
    fn a_label_over_the_player_is_known_and_one_beside_is_not() {
        let figure = Rect::new(-10.0, 0.0, 10.0, 40.0);
        assert!(covers(Vec2::new(0.0, 30.0), 60.0, figure));
        assert!(covers(Vec2::new(35.0, 10.0), 60.0, figure));
        assert!(!covers(Vec2::new(50.0, 10.0), 60.0, figure));
        assert!(!covers(Vec2::new(0.0, -HEIGHT), 60.0, figure));
    }

    #[test]
    fn many_labels_in_one_spot_show_two_the_highlighted_and_the_nearest() {
        // Fractional positions, where rounding once made the same overlap be found for ever. Ranks:
        // the fourth is highlighted (0), then by distance; the seventh is the nearest of the rest.
        let wanted: Vec<Wanted> = (0..10)
            .map(|i| {
                let rank = match i {
                    3 => 0.0,
                    6 => 10.0,
                    _ => 50.0 + i as f32,
                };
                (
                    Vec2::new(0.1 * i as f32, -13.7 + 0.3 * i as f32),
                    70.0,
                    rank,
                )
            })
            .collect();
        let at = stack(&wanted, &[]);
        let shown: Vec<usize> = (0..at.len()).filter(|&i| at[i].is_some()).collect();
        assert_eq!(shown, [3, 6], "{at:?}");
        let (a, b) = (at[3].unwrap(), at[6].unwrap());
        assert!((a.y - b.y).abs() >= HEIGHT, "{a:?} {b:?}");
        // The highlighted one keeps its place.
        assert_eq!(a, wanted[3].0);
    }

    #[test]
    fn close_labels_stack_and_far_ones_stay() {
        let wanted = [
            (Vec2::new(0.0, 0.0), 60.0, 0.0),
            (Vec2::new(10.0, 5.0), 60.0, 0.0),
            (Vec2::new(300.0, 0.0), 60.0, 0.0),
        ];
        let at: Vec<Vec2> = stack(&wanted, &[])
            .into_iter()
            .map(Option::unwrap)
            .collect();
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

    #[test]
    fn labels_keep_clear_of_panels_or_hide_under_them() {
        // A panel from x -100..100, y 0..150 (world units, y up).
        let panel = Rect::new(-100.0, 0.0, 100.0, 150.0);
        let wanted = [
            // Just touching the panel's bottom edge: nudged below it.
            (Vec2::new(0.0, 5.0), 60.0, 0.0),
            // Deep under the panel: hidden.
            (Vec2::new(50.0, 120.0), 60.0, 0.0),
            // Clear of it: untouched.
            (Vec2::new(300.0, 20.0), 60.0, 0.0),
            // Right under the nudged one: stacked below it.
            (Vec2::new(10.0, -20.0), 60.0, 0.0),
        ];
        let at = stack(&wanted, &[panel]);
        assert_eq!(at[0], Some(Vec2::new(0.0, -HEIGHT / 2.0 - GAP)));
        assert_eq!(at[1], None);
        assert_eq!(at[2], Some(Vec2::new(300.0, 20.0)));
        let placed: Vec<Rect> = at
            .iter()
            .zip(&wanted)
            .filter_map(|(a, (_, w, _))| {
                a.map(|a| Rect::from_center_size(a, Vec2::new(*w, HEIGHT)))
            })
            .collect();
        assert_eq!(placed.len(), 3);
        for (i, a) in placed.iter().enumerate() {
            assert!(a.intersect(panel).is_empty(), "label {i} is over the panel");
            for b in &placed[..i] {
                assert!(a.intersect(*b).is_empty(), "labels overlap: {a:?} {b:?}");
            }
        }
    }
}
