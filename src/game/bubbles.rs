//! Speech bubbles: what a villager says, in a bubble with a background and a tail pointing at the
//! speaker, wrapped and kept on screen; "..." from the moment the player presses Enter until the
//! first words arrive. An edge marker points at the villager the player talks to when it is off
//! screen. Bubbles live in the UI, placed each frame from the speaker's position.

use bevy::prelude::*;

use super::chat::ChatBox;
use super::labels::FIGURE;
use super::screens::Screen;
use super::view::VILLAGER_SCALE;
use super::view::{View, plain, shown};
use crate::brain::components::InConversation;
use crate::brain::talk::Speech;
use crate::world::components::{Player, Position, Villager};

/// Bubbles of villagers no longer talking fade after this many seconds without new text.
const BUBBLE_SECS: f32 = 8.0;
/// While a reply streams, its bubble is laid out again at most this often (text layout is the
/// costly part of a frame that shows a growing reply).
const REFRESH_SECS: f32 = 0.25;
/// Height of the bubble's anchor above the speaker's feet, world units.
const ABOVE: f32 = 34.0 * VILLAGER_SCALE;
/// Tail size and the screen margin bubbles keep, logical pixels.
const TAIL: f32 = 10.0;
const MARGIN: f32 = 8.0;

/// A bubble (a UI node) for `owner`, and the seconds since its text last changed.
#[derive(Component)]
struct Bubble {
    owner: Entity,
    idle: f32,
}

#[derive(Component)]
struct BubbleText;

#[derive(Component)]
struct Tail;

/// The arrow at the screen's edge towards the chat partner.
#[derive(Component)]
struct EdgeMarker;

pub(super) fn plugin(app: &mut App) {
    app.add_systems(Startup, spawn_marker).add_systems(
        Update,
        (spawn_bubbles, update_bubbles, place_bubbles, mark_partner)
            .chain()
            .after(super::player::FollowCamera),
    );
}

fn spawn_marker(mut commands: Commands) {
    commands.spawn((
        EdgeMarker,
        super::view::Covers,
        Name::new("edge marker"),
        Visibility::Hidden,
        Text::new(""),
        TextFont::from_font_size(16.0),
        TextColor(Color::srgb(1.0, 0.95, 0.6)),
        BackgroundColor(Color::srgba(0.1, 0.08, 0.02, 0.85)),
        Node {
            position_type: PositionType::Absolute,
            padding: UiRect::axes(px(6.0), px(2.0)),
            ..default()
        },
        GlobalZIndex(2),
    ));
}

/// A bubble for every villager who starts to say something.
fn spawn_bubbles(
    mut commands: Commands,
    speakers: Query<(Entity, &Speech), Changed<Speech>>,
    bubbles: Query<&Bubble>,
) {
    for (npc, _) in &speakers {
        if bubbles.iter().any(|b| b.owner == npc) {
            continue;
        }
        commands.spawn((
            Bubble {
                owner: npc,
                idle: REFRESH_SECS,
            },
            super::view::Covers,
            Name::new("speech bubble"),
            Node {
                position_type: PositionType::Absolute,
                max_width: px(300.0),
                padding: UiRect::axes(px(9.0), px(6.0)),
                border: UiRect::all(px(1.0)),
                border_radius: BorderRadius::all(px(8.0)),
                ..default()
            },
            BackgroundColor(Color::srgba(0.98, 0.96, 0.88, 0.95)),
            BorderColor::all(Color::srgb(0.25, 0.2, 0.15)),
            GlobalZIndex(1),
            children![
                (
                    BubbleText,
                    Text::new("..."),
                    TextFont::from_font_size(15.0),
                    TextColor(Color::srgb(0.12, 0.1, 0.08)),
                ),
                (
                    Tail,
                    Node {
                        position_type: PositionType::Absolute,
                        width: px(TAIL * 1.4),
                        height: px(TAIL * 1.4),
                        bottom: px(-TAIL * 0.7),
                        ..default()
                    },
                    UiTransform::from_rotation(Rot2::degrees(45.0)),
                    BackgroundColor(Color::srgba(0.98, 0.96, 0.88, 0.95)),
                ),
            ],
        ));
    }
}

/// The bubble's text follows the speech (at most every [`REFRESH_SECS`] while it grows); bubbles
/// of villagers no longer talking go after [`BUBBLE_SECS`].
fn update_bubbles(
    time: Res<Time<Real>>,
    mut commands: Commands,
    mut bubbles: Query<(Entity, &mut Bubble, &Children)>,
    speech: Query<(&Speech, Has<InConversation>)>,
    mut texts: Query<&mut Text, With<BubbleText>>,
) {
    for (e, mut bubble, children) in &mut bubbles {
        bubble.idle += time.delta_secs();
        let Ok((s, talking)) = speech.get(bubble.owner) else {
            commands.entity(e).despawn();
            continue;
        };
        if bubble.idle > BUBBLE_SECS && s.done && !talking {
            commands.entity(e).despawn();
            continue;
        }
        let shown = if s.text.trim().is_empty() {
            if s.done { String::new() } else { "...".into() }
        } else {
            plain(&s.text)
        };
        let due = s.done || bubble.idle >= REFRESH_SECS;
        for child in children.iter() {
            if let Ok(mut t) = texts.get_mut(child)
                && due
                && t.0 != shown
            {
                t.0 = shown.clone();
                bubble.idle = 0.0;
            }
        }
    }
}

/// Puts each bubble above its speaker, inside the window and off the player's figure; the tail
/// points at the speaker.
#[allow(clippy::type_complexity)]
fn place_bubbles(
    view: View,
    screen: Res<State<Screen>>,
    player: Query<&Position, (With<Player>, Without<Villager>)>,
    panels: Query<
        (&ComputedNode, &UiGlobalTransform, &InheritedVisibility),
        (With<super::view::Covers>, Without<Bubble>),
    >,
    owners: Query<&Position, With<Villager>>,
    mut bubbles: Query<(
        &Bubble,
        &mut Node,
        &ComputedNode,
        &mut Visibility,
        &Children,
    )>,
    mut tails: Query<&mut Node, (With<Tail>, Without<Bubble>)>,
) {
    let Some(v) = view.get() else { return };
    // What a bubble keeps off: the player's figure and the panels.
    let mut obstacles: Vec<Rect> = panels
        .iter()
        .filter(|(c, _, vis)| vis.get() && c.size().x > 0.0)
        .map(|(c, at, _)| {
            let scale = c.inverse_scale_factor();
            Rect::from_center_size(at.translation * scale, c.size() * scale)
        })
        .collect();
    obstacles.extend(player.single().ok().map(|p| {
        let feet = v.to_screen(p.0);
        let head = v.to_screen(p.0 + Vec2::new(FIGURE.x / 2.0, FIGURE.y));
        Rect::new(2.0 * feet.x - head.x, head.y, head.x, feet.y)
    }));
    for (bubble, mut node, computed, mut vis, children) in &mut bubbles {
        let Ok(pos) = owners.get(bubble.owner) else {
            continue;
        };
        let anchor = v.to_screen(pos.0 + Vec2::Y * ABOVE);
        let size = computed.size() * computed.inverse_scale_factor();
        let visible = *screen.get() == Screen::Playing && v.contains(anchor, 40.0);
        let left =
            (anchor.x - size.x / 2.0).clamp(MARGIN, (v.size.x - size.x - MARGIN).max(MARGIN));
        let top =
            (anchor.y - size.y - TAIL).clamp(MARGIN, (v.size.y - size.y - MARGIN).max(MARGIN));
        let place = clear_of(
            Rect::new(left, top, left + size.x, top + size.y),
            &obstacles,
            v.size,
        );
        vis.set_if_neq(shown(visible && place.is_some()));
        let Some(Vec2 { x: left, y: top }) = place else {
            continue;
        };
        set_px(&mut node.left, left);
        set_px(&mut node.top, top);
        let tail_x =
            (anchor.x - left - TAIL * 0.7).clamp(4.0, (size.x - TAIL * 1.4 - 4.0).max(4.0));
        for child in children.iter() {
            if let Ok(mut t) = tails.get_mut(child) {
                set_px(&mut t.left, tail_x);
            }
        }
    }
}

/// Where a bubble at `bubble` goes so that it covers none of `obstacles` (the player's figure and
/// the panels): where it is when clear; else the nearest place beside, above or below one of them
/// that clears them all and stays in the window; none when there is no such place (the bubble is
/// hidden; a villager in a chat has its words in the conversation panel too).
fn clear_of(bubble: Rect, obstacles: &[Rect], window: Vec2) -> Option<Vec2> {
    let size = bubble.size();
    let free = |at: Vec2| {
        let r = Rect::from_corners(at, at + size);
        at.x >= MARGIN
            && at.y >= MARGIN
            && r.max.x <= window.x - MARGIN
            && r.max.y <= window.y - MARGIN
            && obstacles.iter().all(|o| {
                let both = r.intersect(*o);
                both.width() <= 0.0 || both.height() <= 0.0
            })
    };
    if free(bubble.min) {
        return Some(bubble.min);
    }
    obstacles
        .iter()
        .flat_map(|o| {
            [
                Vec2::new(o.min.x - size.x - 2.0, bubble.min.y),
                Vec2::new(o.max.x + 2.0, bubble.min.y),
                Vec2::new(bubble.min.x, o.min.y - size.y - 2.0),
                Vec2::new(bubble.min.x, o.max.y + 2.0),
            ]
        })
        .filter(|at| free(*at))
        .min_by(|a, b| a.distance(bubble.min).total_cmp(&b.distance(bubble.min)))
}

/// Writes `value` logical pixels into `slot` only when it moved (a layout change costs).
fn set_px(slot: &mut Val, value: f32) {
    let next = px(value.round());
    if *slot != next {
        *slot = next;
    }
}

/// When the chat partner is off screen, a marker at the window's edge points to it.
fn mark_partner(
    view: View,
    chat: Res<ChatBox>,
    partners: Query<(&Villager, &Position)>,
    mut marker: Query<(&mut Node, &mut Text, &mut Visibility), With<EdgeMarker>>,
) {
    let (Some(v), Ok((mut node, mut text, mut vis))) = (view.get(), marker.single_mut()) else {
        return;
    };
    let off = chat
        .with
        .and_then(|e| partners.get(e).ok())
        .map(|(p, pos)| (p, v.to_screen(pos.0)))
        .filter(|(_, at)| !v.contains(*at, 0.0));
    let Some((partner, at)) = off else {
        vis.set_if_neq(Visibility::Hidden);
        return;
    };
    vis.set_if_neq(Visibility::Inherited);
    let centre = v.size / 2.0;
    let dir = (at - centre).normalize_or_zero();
    let arrow = match (dir.x.abs() > dir.y.abs(), dir.x > 0.0, dir.y > 0.0) {
        (true, true, _) => format!("{} >", partner.name),
        (true, false, _) => format!("< {}", partner.name),
        (false, _, true) => format!("{} (below)", partner.name),
        (false, _, false) => format!("{} (above)", partner.name),
    };
    if text.0 != arrow {
        text.0 = arrow;
    }
    // Where the line from the centre towards the partner leaves the window (less a margin).
    let half = centre - Vec2::new(70.0, 24.0);
    let t = (half.x / dir.x.abs().max(1e-3)).min(half.y / dir.y.abs().max(1e-3));
    let edge = centre + dir * t;
    set_px(&mut node.left, edge.x - 50.0);
    set_px(&mut node.top, edge.y - 10.0);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bubble_steps_off_the_player_and_the_panels_the_least_way_or_hides() {
        let window = Vec2::new(1280.0, 720.0);
        let bubble = Rect::new(500.0, 300.0, 800.0, 350.0);
        // Clear of everything: stays.
        let far = Rect::new(100.0, 100.0, 116.0, 130.0);
        assert_eq!(clear_of(bubble, &[far], window), Some(bubble.min));
        // The player under its right end: the bubble moves left of it (the shortest way).
        let me = Rect::new(785.0, 325.0, 801.0, 355.0);
        let at = clear_of(bubble, &[me], window).unwrap();
        assert_eq!(at, Vec2::new(785.0 - 300.0 - 2.0, 300.0));
        // With the journal where that would be (and under the bubble's left end), the nearest
        // place clear of both is below the journal.
        let journal = Rect::new(8.0, 64.0, 568.0, 408.0);
        let at = clear_of(bubble, &[me, journal], window).unwrap();
        assert_eq!(at, Vec2::new(500.0, 410.0));
        let moved = Rect::from_corners(at, at + bubble.size());
        assert!(moved.intersect(me).is_empty() && moved.intersect(journal).is_empty());
        // No room anywhere: hidden.
        let wall = Rect::new(0.0, 0.0, 1280.0, 720.0);
        assert_eq!(clear_of(bubble, &[wall], window), None);
    }
}
