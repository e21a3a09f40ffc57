//! `F5` saves the game, `F9` loads it; it is also saved every three minutes of play and when the
//! window closes. A save holds the village as the sim saves it (clock, villagers' bodies, needs,
//! minds, trust, emotions, rumours, memories, wolves), the player's place, the clue journal, the
//! case, the bread left and every conversation's history, in `saves/millbrook.save` (atomic; the
//! save before kept as `.prev`). A bad file is reported on screen and changes nothing.

use std::path::PathBuf;

use bevy::prelude::*;
use serde::{Deserialize, Serialize};

use super::chat::Gifts;
use super::journal::{Clue, Journal};
use super::mystery::Case;
use super::screens::Screen;
use crate::brain::components::InConversation;
use crate::brain::talk::Speech;
use crate::memory::file;
use crate::sim::save::{self, SimSave};
use crate::world::components::{Player, Position, Villager};

const KIND: &str = "game";
const VERSION: u32 = 1;
/// Real seconds between autosaves.
const AUTOSAVE_EVERY: f32 = 180.0;

/// The whole game.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub(crate) struct GameSave {
    pub(crate) village: SimSave,
    pub(crate) player: [f32; 2],
    pub(crate) clues: Vec<Clue>,
    pub(crate) wrong_accusations: u32,
    pub(crate) bread: u32,
    /// Each villager's conversation so far (by id): (player, villager) turns.
    pub(crate) histories: Vec<(u64, Vec<(String, String)>)>,
    /// The case played (its id); saves from before cases were files play the default case.
    #[serde(default = "default_case")]
    pub(crate) case: String,
}

fn default_case() -> String {
    crate::config::DEFAULT_CASE.to_string()
}

/// Where saves go, whether autosave runs, and what the last save or load said (shown on the HUD
/// for a few seconds).
#[derive(Resource)]
pub(crate) struct Saves {
    pub(crate) path: PathBuf,
    pub(crate) autosave: bool,
    pub(super) since_save: f32,
    pub(crate) notice: Option<(String, f32)>,
}

impl Default for Saves {
    fn default() -> Self {
        Saves {
            path: PathBuf::from("saves/millbrook.save"),
            autosave: true,
            since_save: 0.0,
            notice: None,
        }
    }
}

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<Saves>()
        .add_systems(Update, (save_or_load, autosave))
        .add_systems(Last, save_on_exit);
}

/// The game in `world` as a save.
pub(crate) fn capture(world: &mut World) -> GameSave {
    let npcs = world.query::<&Villager>().iter(world).count();
    let village = save::capture(world, npcs, 0, 0.0);
    let player = world
        .query_filtered::<&Position, With<Player>>()
        .iter(world)
        .next()
        .map_or([0.0; 2], |p| p.0.to_array());
    let mut histories: Vec<(u64, Vec<(String, String)>)> = world
        .query::<(&Villager, &Speech)>()
        .iter(world)
        .filter(|(_, s)| !s.history.is_empty())
        .map(|(v, s)| (v.id, s.history.clone()))
        .collect();
    histories.sort_by_key(|h| h.0);
    GameSave {
        village,
        player,
        clues: world.resource::<Journal>().clues.clone(),
        wrong_accusations: world.resource::<Case>().wrong,
        case: world
            .resource::<Case>()
            .config
            .as_ref()
            .map_or_else(default_case, |c| c.id.clone()),
        bread: world.resource::<Gifts>().0,
        histories,
    }
}

/// Puts `save` into the game in `world`; conversations in progress end.
pub(crate) fn restore(world: &mut World, save: &GameSave) -> Result<(), String> {
    // The save's case first: a save from a case that is not installed changes nothing.
    let mut case = world.resource_mut::<Case>();
    if !case.cases.is_empty() {
        case.play(&save.case)?;
    }
    let entities = save::restore_village(world, &save.village)?;
    for mut p in world
        .query_filtered::<&mut Position, With<Player>>()
        .iter_mut(world)
    {
        p.0 = Vec2::from_array(save.player);
    }
    world.resource_mut::<Journal>().clues = save.clues.clone();
    world.resource_mut::<Case>().wrong = save.wrong_accusations;
    world.resource_mut::<Gifts>().0 = save.bread;
    // Conversations go back to the saved turns (before the open one ends, so that it leaves no
    // summary in the loaded game); a generation newer than any reply in flight keeps
    // such a reply from landing in the loaded game.
    let histories: std::collections::HashMap<u64, &Vec<(String, String)>> =
        save.histories.iter().map(|(id, h)| (*id, h)).collect();
    for (id, e) in &entities {
        let generation = world.get::<Speech>(*e).map_or(0, |s| s.generation) + 1;
        let speech = Speech {
            history: histories.get(id).map(|h| (*h).clone()).unwrap_or_default(),
            done: true,
            generation,
            ..Speech::default()
        };
        world.entity_mut(*e).insert(speech);
    }
    let talking: Vec<Entity> = world
        .query_filtered::<Entity, With<InConversation>>()
        .iter(world)
        .collect();
    for e in talking {
        world.entity_mut(e).remove::<InConversation>();
    }
    Ok(())
}

/// Why a save could not be loaded into the game.
#[derive(Debug, thiserror::Error)]
enum LoadError {
    #[error(transparent)]
    File(#[from] file::SaveError),
    #[error("{0}")]
    Restore(String),
}

fn write(world: &mut World) -> Result<(), file::SaveError> {
    let state = capture(world);
    let path = world.resource::<Saves>().path.clone();
    file::save(&path, KIND, VERSION, &state)
}

fn read(world: &mut World) -> Result<(), LoadError> {
    let path = world.resource::<Saves>().path.clone();
    let (_, state) = file::load::<GameSave>(&path, KIND, VERSION)?;
    restore(world, &state).map_err(LoadError::Restore)
}

fn note(world: &mut World, text: String) {
    info!("{text}");
    world.resource_mut::<Saves>().notice = Some((text, 4.0));
}

fn save_or_load(world: &mut World) {
    let playing = *world.resource::<State<Screen>>().get() == Screen::Playing;
    let keys = world.resource::<ButtonInput<KeyCode>>();
    let (save, load) = (
        keys.just_pressed(KeyCode::F5),
        keys.just_pressed(KeyCode::F9),
    );
    if !playing || !(save || load) {
        return;
    }
    let done: Result<&str, Box<dyn std::error::Error>> = if save {
        write(world)
            .map(|()| "Saved (F9 loads)")
            .map_err(Into::into)
    } else {
        read(world).map(|()| "Loaded").map_err(Into::into)
    };
    match done {
        Ok(t) => note(world, t.to_string()),
        Err(e) => note(
            world,
            format!("Not {}: {e}", if save { "saved" } else { "loaded" }),
        ),
    }
}

fn autosave(world: &mut World) {
    let dt = world.resource::<Time<Real>>().delta_secs();
    let playing = *world.resource::<State<Screen>>().get() == Screen::Playing;
    let mut saves = world.resource_mut::<Saves>();
    if let Some((_, left)) = saves.notice.as_mut() {
        *left -= dt;
        if *left <= 0.0 {
            saves.notice = None;
        }
    }
    if !saves.autosave || !playing {
        return;
    }
    saves.since_save += dt;
    if saves.since_save < AUTOSAVE_EVERY {
        return;
    }
    saves.since_save = 0.0;
    if let Err(e) = write(world) {
        note(world, format!("Autosave failed: {e}"));
    }
}

/// Saves when the game is quit (`AppExit`) or its window is being closed (winit may stop the
/// app before another frame sees `AppExit`).
fn save_on_exit(world: &mut World) {
    let closing = world
        .get_resource::<Messages<bevy::window::WindowCloseRequested>>()
        .is_some_and(|m| !m.is_empty());
    let exiting = closing || !world.resource::<Messages<AppExit>>().is_empty();
    let playing = *world.resource::<State<Screen>>().get() == Screen::Playing;
    if exiting && playing && world.resource::<Saves>().autosave {
        match write(world) {
            Ok(()) => info!("saved the game on exit"),
            Err(e) => warn!("the game was not saved on exit: {e}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inference::backends::utility::UtilityBackend;
    use crate::inference::factory;
    use crate::sim::run::{build_app, sim_pool};

    #[test]
    fn a_saved_game_loads_back_with_its_journal_conversations_and_village() {
        let (cast, _) = crate::config::files::load_cast(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/npcs"),
            "no-mods".as_ref(),
        );
        let mut app = build_app(&cast, 10, 3, 0.05, sim_pool(factory(|| Ok(UtilityBackend))));
        app.init_resource::<Journal>()
            .init_resource::<Case>()
            .init_resource::<Gifts>();
        for _ in 0..200 {
            app.update();
        }
        let world = app.world_mut();
        world.resource_mut::<Journal>().add(Clue {
            speaker: "Hilda".into(),
            text: "Odo drank alone".into(),
            day: 1,
            hour: 9.5,
            unlocked: false,
        });
        world.resource_mut::<Gifts>().0 = 1;
        let greta = world
            .query::<(Entity, &Villager)>()
            .iter(world)
            .find(|(_, v)| v.id == 2)
            .map(|(e, _)| e)
            .unwrap();
        world.entity_mut(greta).insert(Speech {
            history: vec![("hello".into(), "Good day.".into())],
            done: true,
            ..Speech::default()
        });
        let saved = capture(world);
        let dir = std::env::temp_dir().join(format!("npc-minds-game-{}", std::process::id()));
        let path = dir.join("millbrook.save");
        file::save(&path, KIND, VERSION, &saved).unwrap();

        // Play on: the village moves, the journal and bread change.
        for _ in 0..200 {
            app.update();
        }
        app.world_mut().resource_mut::<Journal>().clues.clear();
        app.world_mut().resource_mut::<Gifts>().0 = 3;
        assert_ne!(capture(app.world_mut()).village, saved.village);

        let (_, loaded) = file::load::<GameSave>(&path, KIND, VERSION).unwrap();
        restore(app.world_mut(), &loaded).unwrap();
        let again = capture(app.world_mut());
        assert_eq!(again.clues, saved.clues);
        assert_eq!(again.bread, 1);
        assert_eq!(again.histories, saved.histories);
        // Bodies, needs, feelings, rumours and memories come back; minds think afresh (the pool
        // has seen newer requests than the saved ones).
        let body = |v: &save::VillagerSave| {
            (
                v.id,
                v.position,
                v.needs,
                v.trust,
                v.vad,
                v.gossip.clone(),
                v.memories.clone(),
            )
        };
        let bodies = |s: &GameSave| s.village.villagers.iter().map(body).collect::<Vec<_>>();
        assert_eq!(bodies(&again), bodies(&saved));
        assert!(
            again
                .village
                .villagers
                .iter()
                .all(|v| v.mind.state != "awaiting")
        );
        assert_eq!(again.village.tick, saved.village.tick);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
