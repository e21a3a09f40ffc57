//! `play --autopilot layout`: puts the screen in its busiest states — a chat with the journal open
//! and a new clue arriving, the accusation prompt over a full journal, the F3 metrics with the
//! tutorial — and checks in each that no panel covers another or the player, and that every panel
//! fits in the window. Each state is saved as a screenshot beside `--screenshot` (`NAME-STATE.png`);
//! the run exits 1 and lists the overlaps when there are any.

use std::path::{Path, PathBuf};

use bevy::prelude::*;
use bevy::render::view::window::screenshot::{Screenshot, save_to_disk};

use super::chat::{ChatBox, open_chat};
use super::journal::{Clue, Journal, JournalOpen};
use super::labels::FIGURE;
use super::mystery::Case;
use super::screens::Screen;
use super::tutorial::Tutorial;
use super::view::{Covers, View};
use crate::brain::talk::Speech;
use crate::world::components::{Player, Position, Villager};

/// Frames a state is held before it is measured (layout and text settle in a few).
const SETTLE: u32 = 40;
/// Frames after the last screenshot before exiting, so it is written.
const WRITE: u32 = 12;

/// The busy states, in order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Busy {
    /// A chat, the journal open, a new clue just told, the tutorial showing.
    ChatJournalClue,
    /// The accusation prompt with a full journal.
    Accusation,
    /// F3's metrics with the tutorial.
    MetricsTutorial,
}

impl Busy {
    fn name(self) -> &'static str {
        match self {
            Busy::ChatJournalClue => "chat-journal-clue",
            Busy::Accusation => "accusation",
            Busy::MetricsTutorial => "metrics-tutorial",
        }
    }
}

const STATES: [Busy; 3] = [
    Busy::ChatJournalClue,
    Busy::Accusation,
    Busy::MetricsTutorial,
];

/// The tour's progress and what it found.
#[derive(Resource)]
struct Tour {
    shot: PathBuf,
    limit: u64,
    frames: u64,
    state: usize,
    /// Whether the state in progress has been set up.
    set: bool,
    held: u32,
    problems: Vec<String>,
    ending: Option<u32>,
}

pub(super) fn plugin(limit: u64, shot: PathBuf) -> impl Fn(&mut App) {
    move |app: &mut App| {
        app.insert_resource(Tour {
            shot: shot.clone(),
            limit,
            frames: 0,
            state: 0,
            set: false,
            held: 0,
            problems: Vec::new(),
            ending: None,
        })
        .add_systems(Startup, |mut next: ResMut<NextState<Screen>>| {
            next.set(Screen::Playing)
        })
        // Before the game's systems read the keys (F3) and the state this frame.
        .add_systems(PreUpdate, set_up.after(bevy::input::InputSystems))
        .add_systems(Update, measure)
        .add_systems(PostUpdate, finish);
    }
}

/// Puts the screen in the tour's state on the state's first frame.
#[allow(clippy::too_many_arguments)]
fn set_up(
    mut commands: Commands,
    mut tour: ResMut<Tour>,
    screen: Res<State<Screen>>,
    mut chat: ResMut<ChatBox>,
    mut journal: ResMut<Journal>,
    mut open: ResMut<JournalOpen>,
    mut case: ResMut<Case>,
    mut tutorial: ResMut<Tutorial>,
    mut keys: ResMut<ButtonInput<KeyCode>>,
    mut player: Query<&mut Position, (With<Player>, Without<Villager>)>,
    villagers: Query<(Entity, &Villager, &Position), Without<Player>>,
) {
    if *screen.get() != Screen::Playing || tour.set || tour.ending.is_some() {
        return;
    }
    let Some(&state) = STATES.get(tour.state) else {
        return;
    };
    let Ok(mut me) = player.single_mut() else {
        return;
    };
    // Once the villagers are in the village.
    let Some((npc, v, at)) = villagers
        .iter()
        .min_by(|a, b| a.2.0.distance(me.0).total_cmp(&b.2.0.distance(me.0)))
    else {
        return;
    };
    match state {
        Busy::ChatJournalClue => {
            // Beside the villager, just above its head, where its bubble would be, as the
            // autopilot often stands after walking up to it; the villager has just answered.
            me.0 = at.0 + Vec2::new(30.0, 12.0);
            open_chat(&mut commands, &mut chat, npc);
            commands.entity(npc).insert(Speech {
                text: "At dawn I saw the tower door standing open when I went to fetch water."
                    .into(),
                done: true,
                heard: "Did you see anything strange?".into(),
                ..default()
            });
            for i in 0..12 {
                journal.tell(Clue {
                    speaker: v.name.clone(),
                    text: format!(
                        "Clue {} of the tour: something seen late at night near the old mill \
                         road, told at length so that it wraps onto a second line.",
                        i + 1
                    ),
                    day: 1,
                    hour: 9.0 + i as f32 * 0.25,
                    unlocked: false,
                });
            }
            open.0 = true;
            tutorial.step = Some(1);
        }
        Busy::Accusation => {
            // The accused is the villager in the chat: the tour names no case's culprit.
            let in_chat = chat.with.and_then(|e| villagers.get(e).ok());
            case.pending = Some(in_chat.map_or(&v.name, |(_, c, _)| &c.name).clone());
        }
        Busy::MetricsTutorial => {
            case.pending = None;
            super::chat::end_chat(&mut commands, &mut chat, None);
            open.0 = false;
            tutorial.step = Some(4);
            keys.press(KeyCode::F3);
        }
    }
    tour.set = true;
}

/// After a state has settled: measures its boxes, saves its screenshot, moves on.
#[allow(clippy::type_complexity)]
fn measure(
    mut commands: Commands,
    mut tour: ResMut<Tour>,
    mut keys: ResMut<ButtonInput<KeyCode>>,
    view: View,
    panels: Query<
        (
            Entity,
            Option<&Name>,
            &ComputedNode,
            &UiGlobalTransform,
            &InheritedVisibility,
        ),
        With<Covers>,
    >,
    nodes: Nodes,
    player: Query<&Position, With<Player>>,
) {
    if !tour.set || tour.ending.is_some() || tour.state >= STATES.len() {
        return;
    }
    keys.release(KeyCode::F3);
    tour.held += 1;
    if tour.held < SETTLE {
        return;
    }
    let state = STATES[tour.state];
    let Some(frame) = view.get() else { return };
    let mut boxes: Vec<(String, Rect)> = panels
        .iter()
        .filter(|(_, _, c, _, vis)| vis.get() && c.size().x > 0.0 && c.size().y > 0.0)
        .map(|(e, name, c, at, _)| {
            let scale = c.inverse_scale_factor();
            let label = name.map_or_else(|| format!("{e}"), |n| n.to_string());
            (
                label,
                Rect::from_center_size(at.translation * scale, c.size() * scale),
            )
        })
        .collect();
    if let Ok(p) = player.single() {
        let feet = frame.to_screen(p.0);
        let head = frame.to_screen(p.0 + Vec2::new(0.0, FIGURE.y));
        let half = (frame.to_screen(p.0 + Vec2::X * FIGURE.x / 2.0) - feet).x;
        boxes.push((
            "the player".into(),
            Rect::new(feet.x - half, head.y, feet.x + half, feet.y),
        ));
    }
    let mut found = problems(&boxes, frame.size);
    // What a panel holds stays inside it (text that wraps to more rows than its box shows).
    for (e, name, ..) in panels.iter().filter(|p| p.4.get()) {
        let Some(outer) = node_box(&nodes, e) else {
            continue;
        };
        let mut inner = Vec::new();
        descendants(&nodes, e, &mut inner);
        if let Some(r) = inner.iter().find(|r| !within(outer, **r)) {
            let label = name.map_or_else(|| format!("{e}"), |n| n.to_string());
            found.push(format!(
                "{label}'s contents {} run out of it {}",
                show(*r),
                show(outer)
            ));
        }
    }
    println!(
        "layout: {}: {} boxes ({}){}",
        state.name(),
        boxes.len(),
        boxes
            .iter()
            .map(|(n, _)| n.as_str())
            .collect::<Vec<_>>()
            .join(", "),
        if found.is_empty() {
            ", none overlap"
        } else {
            ""
        }
    );
    for p in &found {
        println!("layout: {}: {p}", state.name());
    }
    tour.problems
        .extend(found.into_iter().map(|p| format!("{}: {p}", state.name())));
    commands
        .spawn(Screenshot::primary_window())
        .observe(save_to_disk(shot_path(&tour.shot, state.name())));
    tour.state += 1;
    tour.set = false;
    tour.held = 0;
    if tour.state == STATES.len() {
        tour.ending = Some(WRITE);
    }
}

type Nodes<'w, 's> = Query<
    'w,
    's,
    (
        &'static ComputedNode,
        &'static UiGlobalTransform,
        Option<&'static Children>,
        Has<Text>,
    ),
>;

/// A UI node's box in logical window pixels.
fn node_box(nodes: &Nodes, e: Entity) -> Option<Rect> {
    let (c, at, ..) = nodes.get(e).ok()?;
    let scale = c.inverse_scale_factor();
    (c.size().x > 0.0).then(|| Rect::from_center_size(at.translation * scale, c.size() * scale))
}

/// The boxes of the text under `e` (a bubble's tail sticks out on purpose; words never should).
fn descendants(nodes: &Nodes, e: Entity, out: &mut Vec<Rect>) {
    let Ok((_, _, Some(children), _)) = nodes.get(e) else {
        return;
    };
    for &child in children {
        if nodes.get(child).is_ok_and(|n| n.3) {
            out.extend(node_box(nodes, child));
        }
        descendants(nodes, child, out);
    }
}

/// True when `inner` lies inside `outer` (a pixel of rounding allowed).
fn within(outer: Rect, inner: Rect) -> bool {
    inner.min.x >= outer.min.x - 1.0
        && inner.min.y >= outer.min.y - 1.0
        && inner.max.x <= outer.max.x + 1.0
        && inner.max.y <= outer.max.y + 1.0
}

/// `dir/name.png` → `dir/name-state.png`.
fn shot_path(shot: &Path, state: &str) -> PathBuf {
    let stem = shot
        .file_stem()
        .map_or("layout".into(), |s| s.to_string_lossy().into_owned());
    shot.with_file_name(format!("{stem}-{state}.png"))
}

/// Every pair of boxes that overlap (by more than a pixel each way) and every box that leaves the
/// window.
fn problems(boxes: &[(String, Rect)], window: Vec2) -> Vec<String> {
    let mut out = Vec::new();
    for (i, (a, ra)) in boxes.iter().enumerate() {
        let outside = ra.min.x < -0.5
            || ra.min.y < -0.5
            || ra.max.x > window.x + 0.5
            || ra.max.y > window.y + 0.5;
        if outside && a != "the player" {
            out.push(format!("{a} leaves the window: {}", show(*ra)));
        }
        for (b, rb) in &boxes[i + 1..] {
            let both = ra.intersect(*rb);
            if both.width() > 1.0 && both.height() > 1.0 {
                out.push(format!("{a} {} overlaps {b} {}", show(*ra), show(*rb)));
            }
        }
    }
    out
}

fn show(r: Rect) -> String {
    format!(
        "({:.0},{:.0})-({:.0},{:.0})",
        r.min.x, r.min.y, r.max.x, r.max.y
    )
}

/// Exits once the last screenshot is written: 0 when nothing overlapped, else 1.
fn finish(mut tour: ResMut<Tour>, mut exit: MessageWriter<AppExit>) {
    tour.frames += 1;
    if tour.frames > tour.limit && tour.ending.is_none() {
        eprintln!(
            "layout: the tour did not finish within {} frames",
            tour.limit
        );
        exit.write(AppExit::from_code(1));
        tour.ending = Some(u32::MAX);
        return;
    }
    match tour.ending {
        Some(0) => {
            if tour.problems.is_empty() {
                println!("layout: ok, no panel covers another or the player");
                exit.write(AppExit::Success);
            } else {
                eprintln!("layout: {} problem(s)", tour.problems.len());
                exit.write(AppExit::from_code(1));
            }
            tour.ending = Some(u32::MAX);
        }
        Some(u32::MAX) | None => {}
        Some(n) => tour.ending = Some(n - 1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overlapping_or_escaping_boxes_are_reported_and_neighbours_are_not() {
        let window = Vec2::new(1280.0, 720.0);
        let boxes = vec![
            ("hud".to_string(), Rect::new(0.0, 0.0, 400.0, 30.0)),
            ("journal".to_string(), Rect::new(0.0, 30.0, 400.0, 300.0)),
            ("chat".to_string(), Rect::new(800.0, 400.0, 1290.0, 712.0)),
            ("tutorial".to_string(), Rect::new(380.0, 0.0, 700.0, 100.0)),
        ];
        let found = problems(&boxes, window);
        assert_eq!(found.len(), 3, "{found:#?}");
        assert!(found[0].starts_with("hud") && found[0].contains("overlaps tutorial"));
        assert!(found[1].starts_with("journal") && found[1].contains("overlaps tutorial"));
        assert!(found[2].starts_with("chat leaves the window"));
        assert_eq!(
            shot_path(Path::new("/tmp/x/layout.png"), "accusation"),
            Path::new("/tmp/x/layout-accusation.png")
        );
    }
}
