//! `play --autopilot solve`: plays the mystery as a patient, kind player would. It visits the
//! villagers nearest first, greets each and asks about the night of the theft, about its workplace
//! and about odd behaviour; when a villager hints that it knows more than it says ("I might know a
//! thing or two..."), it first confronts it with the journal's clue from another villager that bears
//! most on what was said (evidence can open what trust does not), then gives bread (while it has
//! some) and says something kind, and asks again. After each visit it reads
//! the journal. When the journal points clearly at one villager (or everyone has been asked) it walks
//! to the judge, accuses the journal's lead, confirms, and succeeds on the win screen. It knows
//! only what a player sees: names, trades and workplaces, who judges, and the journal; never the
//! mystery's answer.

mod step;

use bevy::prelude::*;

use super::autopilot::{Autopilot, LINGER_FRAMES, walk_to};
use super::chat::open_chat;
use super::journal::{Clue, Journal, Suspect, clear_lead};
use super::mystery::{AccuseAnswer, Case};
use super::screens::Screen;
use super::stages::Stage;
use crate::world::components::{Player, Position, Villager};
use step::{Hands, Sight, Villagers, Visiting, with_villager};

/// Seconds (real) it waits for one reply before moving on.
const REPLY_TIMEOUT_SECS: f32 = 90.0;

/// Said after the villager thanked it for bread, before asking again: kindness earns trust.
const KIND: &str = "You are very kind, thank you. I am glad to help the village.";

#[derive(Resource)]
struct Solver {
    stage: Stage,
    visited: Vec<Entity>,
    /// Villagers given bread.
    fed: Vec<Entity>,
    /// Suspects accused wrongly (not accused again).
    cleared: Vec<String>,
    /// The clues cited on this visit, and every clue cited so far (once per citation).
    evidence: Vec<Clue>,
    cited: Vec<String>,
    /// What was said on this visit, both ways, and the clues cited on it.
    heard: Vec<String>,
    cited_here: Vec<String>,
}

pub(super) fn plugin(app: &mut App) {
    app.insert_resource(Solver {
        stage: Stage::Choose,
        visited: Vec::new(),
        fed: Vec::new(),
        cleared: Vec::new(),
        evidence: Vec::new(),
        cited: Vec::new(),
        heard: Vec::new(),
        cited_here: Vec::new(),
    })
    .add_systems(
        Update,
        (drive.run_if(in_state(Screen::Playing)), watch_end).chain(),
    );
}

/// One step of the autopilot per frame: the stage it is in decides what it does next.
fn drive(
    time: Res<Time<Real>>,
    mut solver: ResMut<Solver>,
    mut ap: ResMut<Autopilot>,
    mut case: ResMut<Case>,
    mut hands: Hands,
    mut player: Query<&mut Position, (With<Player>, Without<Villager>)>,
    sight: Sight,
) {
    let (journal, villagers) = (&*sight.journal, &sight.villagers);
    let Ok(mut me) = player.single_mut() else {
        return;
    };
    let dt = time.delta_secs();
    let judge_name = case
        .config
        .as_ref()
        .map(|c| c.judge.clone())
        .unwrap_or_default();
    let solver = &mut *solver;
    let stage = solver.stage.clone();
    // A stage with one villager: walk with them while it lasts; choose again if they left.
    if let Some(npc) = stage.villager() {
        let Ok((_, v, p, at, speech)) = villagers.get(npc) else {
            solver.stage = Stage::Choose;
            return;
        };
        let near = walk_to(&mut me, at.0, dt);
        let ask = case.config.as_ref().map_or("", |c| c.ask.as_str());
        let with = Visiting {
            npc,
            name: &v.name,
            work: &p.0.work,
            ask,
            speech,
            generation: speech.map_or(0, |s| s.generation),
        };
        solver.stage = with_villager(solver, &mut hands, journal, stage, &with, near, dt);
        return;
    }
    solver.stage = match stage {
        // The cast is still loading.
        Stage::Choose if villagers.is_empty() => Stage::Choose,
        Stage::Choose => choose(solver, &mut ap, journal, villagers, &judge_name, me.0),
        Stage::Accuse(judge, suspect) => {
            let Ok((_, v, _, at, _)) = villagers.get(judge) else {
                ap.shooting = Some(Err(format!("the judge {judge_name} is gone")));
                solver.stage = Stage::Done;
                return;
            };
            if !walk_to(&mut me, at.0, dt) {
                return;
            }
            if hands.chat.with != Some(judge) {
                open_chat(&mut hands.commands, &mut hands.chat, judge);
            }
            let crime = case
                .config
                .as_ref()
                .map_or("the crime", |c| c.crime.as_str());
            let line = format!("{}, I accuse {suspect} of {crime}.", v.name);
            info!("autopilot: {line}");
            hands.say(judge, line);
            Stage::Confirm(suspect, 0.0)
        }
        Stage::Confirm(suspect, waited) => {
            confirm(solver, &mut ap, &mut case, &mut hands, suspect, waited + dt)
        }
        // A wrong verdict (the game goes on): try the journal's next lead.
        Stage::Verdict if case.wrong as usize >= solver.cleared.len() && case.pending.is_none() => {
            Stage::Choose
        }
        other => other,
    };
}

/// The next villager to visit (nearest first, the judge last), or the judge when the journal
/// points clearly at one suspect; done when everyone was asked and it points at no one.
fn choose(
    solver: &mut Solver,
    ap: &mut Autopilot,
    journal: &Journal,
    villagers: &Villagers,
    judge_name: &str,
    me: Vec2,
) -> Stage {
    let judge = villagers
        .iter()
        .find(|(_, v, ..)| v.name == judge_name)
        .map(|(e, ..)| e);
    // The judge hears the accusation; it is not a suspect.
    let cast: Vec<Suspect> = villagers
        .iter()
        .filter(|(_, v, ..)| v.name != judge_name)
        .map(|(_, v, p, ..)| Suspect {
            name: v.name.clone(),
            role: p.0.role.clone(),
            work: p.0.work.clone(),
        })
        .collect();
    let left: Vec<_> = villagers
        .iter()
        .filter(|(e, ..)| !solver.visited.contains(e))
        .collect();
    // The judge is a witness too, but is asked last.
    let next = left
        .iter()
        .filter(|(e, ..)| Some(*e) != judge || left.len() == 1)
        .min_by(|a, b| a.3.0.distance(me).total_cmp(&b.3.0.distance(me)));
    let lead = clear_lead(journal, &cast, &solver.cleared, next.is_none());
    match (lead, next, judge) {
        (Some(suspect), _, Some(j)) => {
            info!("autopilot: the journal points at {suspect}");
            Stage::Accuse(j, suspect)
        }
        (None, Some((e, v, ..)), _) => {
            info!("autopilot: visiting {}", v.name);
            Stage::Approach(*e)
        }
        _ => {
            ap.shooting = Some(Err(format!(
                "everyone was asked and the journal points at no one ({} clue(s))",
                journal.clues.len()
            )));
            Stage::Done
        }
    }
}

/// Accused `suspect`: confirm when the judge asks, fail when it refuses or never asks.
fn confirm(
    solver: &mut Solver,
    ap: &mut Autopilot,
    case: &mut Case,
    hands: &mut Hands,
    suspect: String,
    waited: f32,
) -> Stage {
    if case.pending.as_deref() == Some(suspect.as_str()) {
        hands.answer.write(AccuseAnswer(true));
        println!("autopilot: accused {suspect}");
        solver.cleared.push(suspect);
        Stage::Verdict
    } else if case.note.is_some() {
        ap.shooting = Some(Err(format!(
            "the judge did not take the accusation of {suspect}: {:?}",
            case.note.take()
        )));
        Stage::Done
    } else if waited > REPLY_TIMEOUT_SECS {
        ap.shooting = Some(Err(format!(
            "the judge never asked to confirm the accusation of {suspect}"
        )));
        Stage::Done
    } else {
        Stage::Confirm(suspect, waited)
    }
}

/// The end screens: a win lingers, then the screenshot; a loss fails.
fn watch_end(
    screen: Res<State<Screen>>,
    mut solver: ResMut<Solver>,
    mut ap: ResMut<Autopilot>,
    mut commands: Commands,
) {
    match (screen.get(), solver.stage.clone()) {
        (Screen::Won, Stage::Verdict) => solver.stage = Stage::Linger(LINGER_FRAMES),
        (Screen::Won, Stage::Linger(0)) => {
            ap.shoot(&mut commands, Ok("the mystery is solved".into()));
            solver.stage = Stage::Done;
        }
        (Screen::Won, Stage::Linger(n)) => solver.stage = Stage::Linger(n - 1),
        (Screen::Lost, _) => {
            ap.shooting = Some(Err("the mystery was lost".into()));
            solver.stage = Stage::Done;
        }
        _ => {}
    }
}
