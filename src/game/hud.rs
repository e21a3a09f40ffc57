//! On-screen text: the clock, the goal and wrong accusations left, config errors (with
//! `file:line:col`), the last save or load, and on `F3` per-lane metrics, the last reply's
//! tokens/s, fallback counts, the frame time and what the villager you talk to thinks of you and
//! of the others.

use bevy::prelude::*;

use super::view::shown;
use bevy::render::view::window::screenshot::{Screenshot, save_to_disk};

use super::chat::Gifts;
use super::frames::ReplyLog;
use super::journal::Journal;
use super::mystery::Case;
use super::screens::Screen;
use crate::brain::InferenceMetrics;
use crate::brain::cast::ConfigErrorLog;
use crate::brain::components::BrainStats;
use crate::brain::components::{InConversation, Memories, Trust};
use crate::brain::gossip::Gossiping;
use crate::memory::gossip::Subject;
use crate::world::components::{Villager, WorldClock};

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<ShowMetrics>()
        .add_systems(Startup, spawn_hud)
        .add_systems(Update, (toggle_metrics, update_hud, take_screenshot));
}

/// `F12` saves the window as `millbrook-<n>.png` in the working folder.
fn take_screenshot(keys: Res<ButtonInput<KeyCode>>, mut n: Local<u32>, mut commands: Commands) {
    if keys.just_pressed(KeyCode::F12) {
        *n += 1;
        let path = format!("millbrook-{}.png", *n);
        commands
            .spawn(Screenshot::primary_window())
            .observe(save_to_disk(path));
    }
}

#[derive(Resource, Default)]
struct ShowMetrics(bool);

#[derive(Component)]
pub(super) struct HudText;

#[derive(Component)]
struct ErrorText;

fn spawn_hud(mut commands: Commands) {
    commands.spawn((
        HudText,
        super::view::Stacked { hud: true },
        super::view::Covers,
        Name::new("HUD"),
        Text::new(""),
        TextFont::from_font_size(15.0),
        BackgroundColor(Color::srgb(0.05, 0.06, 0.1)),
        Node {
            position_type: PositionType::Absolute,
            top: px(6.0),
            left: px(6.0),
            padding: UiRect::axes(px(8.0), px(4.0)),
            ..default()
        },
        GlobalZIndex(3),
    ));
    commands.spawn((
        ErrorText,
        super::view::Covers,
        Name::new("config errors"),
        Text::new(""),
        TextFont::from_font_size(15.0),
        TextColor(Color::srgb(1.0, 0.45, 0.4)),
        Node {
            position_type: PositionType::Absolute,
            bottom: px(44.0),
            left: px(8.0),
            max_width: px(760.0),
            ..default()
        },
    ));
}

fn toggle_metrics(keys: Res<ButtonInput<KeyCode>>, mut show: ResMut<ShowMetrics>) {
    if keys.just_pressed(KeyCode::F3) {
        show.0 = !show.0;
    }
}

/// What the villager the player talks to thinks of them and of the others.
type Relationship<'a> = (
    &'a Villager,
    &'a Trust,
    Option<&'a Gossiping>,
    Option<&'a Memories>,
);

/// "Greta: trust in you +0.12, 3 memories of you, heard 2 rumours about you; trusts most Odo
/// 0.42, Pip 0.36".
fn relationships((v, trust, gossip, memories): Relationship, all: &Query<&Villager>) -> String {
    let mut s = format!(
        "{}: trust in you {:+.2}, {} memories of you",
        v.name,
        trust.0,
        memories.map_or(0, |m| m.0.len())
    );
    if let Some(g) = gossip {
        let heard =
            g.0.rumours
                .iter()
                .filter(|r| {
                    r.hops > 0 && matches!(r.subject, Subject::PlayerKind | Subject::PlayerRude)
                })
                .count();
        s.push_str(&format!(", heard {heard} rumours about you"));
        let mut friends: Vec<(u64, f32)> = g.0.relations.iter().map(|(k, t)| (*k, *t)).collect();
        friends.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        let named: Vec<String> = friends
            .iter()
            .take(3)
            .filter_map(|(id, t)| {
                all.iter()
                    .find(|o| o.id == *id)
                    .map(|o| format!("{} {t:.2}", o.name))
            })
            .collect();
        if !named.is_empty() {
            s.push_str(&format!("; trusts most {}", named.join(", ")));
        }
    }
    s
}

#[allow(clippy::too_many_arguments, clippy::type_complexity)]
fn update_hud(
    clock: Res<WorldClock>,
    show: Res<ShowMetrics>,
    metrics: Res<InferenceMetrics>,
    stats: Res<BrainStats>,
    errors: Res<ConfigErrorLog>,
    case: Res<Case>,
    journal: Res<Journal>,
    gifts: Res<Gifts>,
    replies: Res<ReplyLog>,
    (time, music): (Res<Time<Real>>, Option<Res<super::music::Soundtrack>>),
    screen: Res<State<Screen>>,
    saves: Res<super::saves::Saves>,
    talking: Query<Relationship, With<InConversation>>,
    villagers: Query<&Villager>,
    mut hud: Query<(&mut Text, &mut Visibility), (With<HudText>, Without<ErrorText>)>,
    mut err: Query<&mut Text, (With<ErrorText>, Without<HudText>)>,
) {
    // The title and end screens have the window to themselves.
    let playing = *screen.get() == Screen::Playing;
    if let Ok((_, mut vis)) = hud.single_mut() {
        vis.set_if_neq(shown(playing));
    }
    let hour = clock.hour();
    let mut s = format!(
        "Millbrook {:02}:{:02}   Clues {} (J)   Bread {}   F1 help   F3 metrics   F5 save   F9 load",
        hour as u32,
        ((hour.fract()) * 60.0) as u32,
        journal.clues.len(),
        gifts.0
    );
    if let Some((notice, _)) = &saves.notice {
        s.push_str(&format!("   {notice}"));
    }
    if let Some(c) = &case.config {
        s.push_str(&format!(
            "\n{}: name the thief to {}. Wrong accusations left: {}",
            c.title,
            c.judge,
            case.left()
        ));
    }
    if show.0 {
        s.push_str(&format!("\nframe {:.1} ms", time.delta_secs() * 1000.0));
        match replies.last() {
            Some((first, tps)) => s.push_str(&format!(
                "   last reply: first words {first:.2} s, {}",
                tps.map_or("-".to_string(), |t| format!("{t:.1} tokens/s"))
            )),
            None => s.push_str("   no reply yet"),
        }
        for l in &metrics.0.lanes {
            s.push_str(&format!(
                "\n{:<9} queue {:>4}  p50 {:>6.2} ms  p99 {:>6.2} ms  done {}  dropped {}  stale {}  failed {}",
                l.lane, l.queue_depth, l.latency_ms.p50, l.latency_ms.p99, l.done, l.dropped, l.stale, l.failed
            ));
        }
        s.push_str(&format!(
            "\nfallbacks: decisions {}  replies {}",
            stats.fallbacks, stats.dialogue_fallbacks
        ));
        if let Some(m) = &music {
            s.push('\n');
            s.push_str(&super::music::hud_line(m));
        }
        if let Some(line) = talking.iter().next().map(|r| relationships(r, &villagers)) {
            s.push('\n');
            s.push_str(&line);
        }
    }
    if let Ok((mut t, _)) = hud.single_mut()
        && t.0 != s
    {
        t.0 = s;
    }
    let shown = errors
        .errors
        .last()
        .map(|(_, m)| m.clone())
        .unwrap_or_default();
    if let Ok(mut t) = err.single_mut()
        && t.0 != shown
    {
        t.0 = shown;
    }
}
