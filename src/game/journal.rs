//! The clue journal: every piece of a villager's knowledge that one of its replies actually
//! conveyed (the dialogue's record says which), written down with who said it and when. `J` opens
//! it; a notice says when a new clue arrives; the accusation question shows it too. What the
//! journal points at ([`leads`]) is worked out from the clues and the cast alone: the names, trades
//! and workplaces they mention.

use bevy::prelude::*;

use super::view::{GAP, Stacked, TOP, shown};
pub(crate) use crate::decide::leads::Suspect;
use crate::decide::leads::{self, Told};

use super::screens::{NewGame, Screen};
use crate::brain::components::Profile;
use crate::brain::talk::Speech;
use crate::world::components::{Villager, WorldClock};

/// One clue: what a villager told the player, and when (game day and hour).
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub(crate) struct Clue {
    pub(crate) speaker: String,
    pub(crate) text: String,
    pub(crate) day: u32,
    pub(crate) hour: f32,
    /// Told below the villager's trust because the player cited another clue as evidence.
    #[serde(default)]
    pub(crate) unlocked: bool,
}

impl Clue {
    /// "Day 1, 09:40 — Hilda: Odo drank alone …"
    pub(crate) fn line(&self) -> String {
        format!(
            "Day {}, {:02}:{:02}  {}: {}{}",
            self.day,
            self.hour as u32,
            (self.hour.fract() * 60.0) as u32,
            self.speaker,
            self.text,
            if self.unlocked {
                "  (your evidence opened this)"
            } else {
                ""
            }
        )
    }
}

/// The clues so far, oldest first.
#[derive(Resource, Default, Debug)]
pub(crate) struct Journal {
    pub(crate) clues: Vec<Clue>,
    /// Seconds the "new clue" notice still shows.
    notice: f32,
}

impl Journal {
    /// Adds a clue unless this villager already told it; true when it was new.
    /// Adds a clue just told and shows the "new clue" notice; false when it was known.
    pub(crate) fn tell(&mut self, clue: Clue) -> bool {
        let new = self.add(clue);
        if new {
            self.notice = NOTICE_SECS;
        }
        new
    }

    pub(crate) fn add(&mut self, clue: Clue) -> bool {
        let known = self
            .clues
            .iter()
            .any(|c| c.speaker == clue.speaker && c.text == clue.text);
        if !known {
            self.clues.push(clue);
        }
        !known
    }

    /// The journal as lines of text, newest last (at most `max`, the newest ones).
    pub(crate) fn lines(&self, max: usize) -> Vec<String> {
        let skip = self.clues.len().saturating_sub(max);
        self.clues.iter().skip(skip).map(Clue::line).collect()
    }
}

impl Journal {
    /// The clues as read by [`leads`](crate::decide::leads): who told what.
    pub(crate) fn told(&self) -> impl Iterator<Item = Told<'_>> + Clone {
        self.clues.iter().map(|c| Told {
            speaker: &c.speaker,
            text: &c.text,
        })
    }
}

/// The journal's lead, if it is clear enough to accuse now (`all_asked`: any lead will do).
pub(crate) fn clear_lead(
    journal: &Journal,
    cast: &[Suspect],
    cleared: &[String],
    all_asked: bool,
) -> Option<String> {
    leads::clear_lead(journal.told(), cast, cleared, all_asked)
}

/// `J` shows or hides the journal.
#[derive(Resource, Default)]
pub(super) struct JournalOpen(pub bool);

/// How many of the newest clues the open journal has scrolled past (PgUp older, PgDn newer).
#[derive(Resource, Default, PartialEq)]
pub(super) struct JournalScroll(pub usize);

#[derive(Component)]
struct JournalPanel;

#[derive(Component)]
struct JournalText;

#[derive(Component)]
struct ClueNotice;

/// Seconds a "new clue" notice stays.
const NOTICE_SECS: f32 = 5.0;
/// Rows of text the panel shows at most (the newest clues that fit; a long clue takes several).
const SHOWN_ROWS: usize = 16;
/// The panel's width, logical pixels.
const PANEL_WIDTH: f32 = 560.0;
/// Characters in one row of the panel: 540 px inside the padding, of 15 px text (9 px a glyph).
const ROW_CHARS: usize = 60;

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<Journal>()
        .init_resource::<JournalOpen>()
        .init_resource::<JournalScroll>()
        .add_systems(Startup, spawn_panel)
        .add_systems(
            Update,
            (
                write_clues,
                toggle.run_if(in_state(Screen::Playing)),
                show,
                forget,
            )
                .chain(),
        );
}

/// Writes down what each finished reply conveyed.
fn write_clues(
    time: Res<Time>,
    clock: Res<WorldClock>,
    mut journal: ResMut<Journal>,
    replies: Query<(&Villager, &Profile, &Speech), Changed<Speech>>,
) {
    journal.notice = (journal.notice - time.delta_secs()).max(0.0);
    let elapsed_hours = clock.start_hour as f64 + clock.elapsed / clock.day_length as f64 * 24.0;
    for (v, profile, speech) in &replies {
        let Some(record) = speech.record.as_ref().filter(|_| speech.done) else {
            continue;
        };
        let day = (elapsed_hours / 24.0) as u32 + 1;
        // Facts it stated, then details of them it gave when asked more.
        let facts = record.conveyed.iter().filter_map(|&i| {
            let fact = profile.0.knowledge.get(i)?;
            Some((fact.text.clone(), record.unlocked.contains(&i)))
        });
        let details = record.details.iter().map(|d| (d.clone(), false));
        for (text, unlocked) in facts.chain(details) {
            let clue = Clue {
                speaker: v.name.clone(),
                text,
                day,
                hour: clock.hour(),
                unlocked,
            };
            let text = clue.text.clone();
            if journal.tell(clue) {
                info!("journal: {} told the player: {text}", v.name);
            }
        }
    }
}

/// A new game: a blank journal.
fn forget(mut new_game: MessageReader<NewGame>, mut journal: ResMut<Journal>) {
    if new_game.read().count() > 0 {
        *journal = Journal::default();
    }
}

fn toggle(
    keys: Res<ButtonInput<KeyCode>>,
    chat: Res<super::chat::ChatBox>,
    journal: Res<Journal>,
    mut open: ResMut<JournalOpen>,
    mut scroll: ResMut<JournalScroll>,
) {
    // While typing, J is a letter: F2 works in and out of a chat.
    if keys.just_pressed(KeyCode::F2) || (chat.with.is_none() && keys.just_pressed(KeyCode::KeyJ)) {
        open.0 = !open.0;
        // It opens on the newest clues.
        scroll.set_if_neq(JournalScroll(0));
    }
    if open.0 {
        let newest = journal.clues.len().saturating_sub(1);
        let back = scroll.0;
        if keys.just_pressed(KeyCode::PageUp) && back < newest {
            scroll.0 = back + 1;
        }
        if keys.just_pressed(KeyCode::PageDown) && back > 0 {
            scroll.0 = back - 1;
        }
    }
}

fn spawn_panel(mut commands: Commands) {
    commands.spawn((
        JournalPanel,
        super::view::Covers,
        Name::new("journal"),
        Visibility::Hidden,
        Node {
            position_type: PositionType::Absolute,
            top: px(70.0),
            left: px(8.0),
            // A set width (not a maximum): the text is then measured at the width it is drawn
            // at, and the panel grows with every row it wraps to.
            width: px(PANEL_WIDTH),
            padding: UiRect::all(px(10.0)),
            flex_direction: FlexDirection::Column,
            ..default()
        },
        BackgroundColor(Color::srgb(0.12, 0.09, 0.05)),
        BorderColor::all(Color::srgb(0.75, 0.6, 0.35)),
        GlobalZIndex(4),
        children![(
            JournalText,
            Text::new(""),
            TextFont::from_font_size(15.0),
            TextColor(Color::srgb(0.98, 0.93, 0.8)),
        )],
    ));
    commands.spawn((
        ClueNotice,
        super::view::Covers,
        Name::new("new-clue notice"),
        Visibility::Hidden,
        Text::new("New clue in your journal (J)"),
        TextFont::from_font_size(17.0),
        TextColor(Color::srgb(1.0, 0.9, 0.5)),
        BackgroundColor(Color::srgb(0.1, 0.07, 0.02)),
        Node {
            position_type: PositionType::Absolute,
            top: px(70.0),
            right: px(8.0),
            padding: UiRect::axes(px(8.0), px(4.0)),
            ..default()
        },
        GlobalZIndex(5),
    ));
}

/// Rows `line` takes wrapped at word breaks into rows of `width` characters (a word longer than a
/// row is broken).
fn wrapped_rows(line: &str, width: usize) -> usize {
    let mut rows = 1;
    let mut used = 0;
    for word in line.split(' ') {
        let n = word.chars().count().max(1);
        let need = if used == 0 { n } else { used + 1 + n };
        if need <= width {
            used = need;
        } else {
            rows += usize::from(used > 0) + (n - 1) / width;
            used = (n - 1) % width + 1;
        }
    }
    rows
}

/// The journal's text: its clues, the newest that fit in `rows` rows, or how to get some.
pub(super) fn journal_text(journal: &Journal, rows: usize, back: usize) -> String {
    if journal.clues.is_empty() {
        return "Journal: no clues yet. Villagers who trust you tell you what they know.".into();
    }
    let lines = journal.lines(journal.clues.len());
    let back = back.min(lines.len() - 1);
    let mut fit = Vec::new();
    let mut used = 0;
    for l in lines[..lines.len() - back].iter().rev() {
        let need = wrapped_rows(l, ROW_CHARS);
        if used + need > rows {
            break;
        }
        used += need;
        fit.push(l.as_str());
    }
    fit.reverse();
    let older = lines.len() - back - fit.len();
    let mut s = format!("Journal: {} clue(s)", journal.clues.len());
    match (older, back) {
        (0, 0) => {}
        (o, 0) => s.push_str(&format!(" ({o} older: PgUp)")),
        (0, b) => s.push_str(&format!(" ({b} newer: PgDn)")),
        (o, b) => s.push_str(&format!(" ({o} older: PgUp, {b} newer: PgDn)")),
    }
    for l in fit {
        s.push('\n');
        s.push_str(l);
    }
    s
}

/// The panels above the journal and the notice: the HUD (which F3 makes taller) and the tutorial.
type Above<'w, 's> = Query<
    'w,
    's,
    (
        &'static ComputedNode,
        &'static UiGlobalTransform,
        &'static InheritedVisibility,
        &'static Stacked,
    ),
>;

#[allow(clippy::type_complexity, clippy::too_many_arguments)]
fn show(
    journal: Res<Journal>,
    open: Res<JournalOpen>,
    scroll: Res<JournalScroll>,
    screen: Res<State<Screen>>,
    above: Above,
    mut panel: Query<(&mut Visibility, &mut Node), (With<JournalPanel>, Without<ClueNotice>)>,
    mut notice: Query<(&mut Visibility, &mut Node), (With<ClueNotice>, Without<JournalPanel>)>,
    mut text: Query<&mut Text, With<JournalText>>,
) {
    let playing = *screen.get() == Screen::Playing;
    let want = |on: bool| shown(on && playing);
    // One layout: the journal below the HUD (the tutorial steps aside for it), the notice below
    // the HUD and the tutorial.
    let (mut below_hud, mut below_all) = (TOP, TOP);
    for (computed, at, visible, stacked) in &above {
        if !visible.get() {
            continue;
        }
        let bottom = super::view::bottom_of(computed, at) + GAP;
        below_all = below_all.max(bottom);
        if stacked.hud {
            below_hud = below_hud.max(bottom);
        }
    }
    let place = |node: &mut Node, top: f32| {
        if node.top != px(top) {
            node.top = px(top);
        }
    };
    if let Ok((mut v, mut node)) = panel.single_mut() {
        v.set_if_neq(want(open.0));
        place(&mut node, below_hud);
    }
    if let Ok((mut v, mut node)) = notice.single_mut() {
        v.set_if_neq(want(journal.notice > 0.0 && !open.0));
        place(&mut node, below_all);
    }
    if (journal.is_changed() || open.is_changed() || scroll.is_changed())
        && open.0
        && let Ok(mut t) = text.single_mut()
    {
        t.0 = format!(
            "{}\n\nJ or F2: close",
            journal_text(&journal, SHOWN_ROWS, scroll.0)
        );
    }
}

#[cfg(test)]
#[path = "journal_tests.rs"]
pub(super) mod tests;
