//! `sim --save` / `--load`: a lockstep sim saved at tick T, loaded and run to T + N has the same
//! state hash as a run straight to T + N (by day, and across nightfall with wolves out and
//! decisions in flight at the save); bad save files are clear errors.

use crate::common;

use std::path::PathBuf;

use npc_minds::memory::file;
use npc_minds::sim::run::SimError;
use npc_minds::sim::save::{SIM_KIND, SIM_VERSION, SimSave};
use npc_minds::sim::{SimOptions, run_sim};

fn dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("npc-minds-simsave-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

use common::lockstep;

/// Hash of a run split at `first` seconds (saved, loaded) and of the same run in one go.
fn split_and_whole(npcs: usize, first: f64, then: f64, seed: u64, name: &str) -> (String, String) {
    let d = dir(name);
    let path = d.join("village.save");
    let before = run_sim(SimOptions {
        save: Some(path.clone()),
        ..lockstep(npcs, first, seed)
    })
    .unwrap();
    let (_, saved) = file::load::<SimSave>(&path, SIM_KIND, SIM_VERSION).unwrap();
    assert_eq!((saved.npcs, saved.seed), (npcs, seed));
    assert!(
        saved.villagers.iter().any(|v| v.mind.state == "awaiting"),
        "some decision is in flight at the save"
    );
    let split = run_sim(SimOptions {
        load: Some(path),
        // --npcs and --seed come from the save.
        ..lockstep(1, then, 999)
    })
    .unwrap();
    let whole = run_sim(lockstep(npcs, first + then, seed)).unwrap();
    // Every decision made in the whole run was made before the save or after the load (those in
    // flight at the save among them).
    assert_eq!(
        before.brain.decisions + split.brain.decisions,
        whole.brain.decisions
    );
    let _ = std::fs::remove_dir_all(&d);
    (split.state_hash, whole.state_hash)
}

#[test]
fn a_loaded_save_continues_exactly_as_the_run_would_have() {
    let (split, whole) = split_and_whole(80, 15.0, 10.0, 4, "day");
    assert_eq!(split, whole);
}

#[test]
fn a_save_at_nightfall_with_wolves_out_continues_exactly() {
    // The day starts at 8:00 and lasts 480 s: night (21:00) begins at 260 s.
    let (split, whole) = split_and_whole(40, 270.0, 30.0, 11, "night");
    assert_eq!(split, whole);
}

#[test]
fn bad_sim_saves_are_clear_errors() {
    let d = dir("bad");
    let path = d.join("village.save");
    run_sim(SimOptions {
        save: Some(path.clone()),
        ..lockstep(10, 1.0, 1)
    })
    .unwrap();
    let good = std::fs::read(&path).unwrap();
    std::fs::write(&path, &good[..good.len() - 10]).unwrap();
    let load = |p: &PathBuf| {
        run_sim(SimOptions {
            load: Some(p.clone()),
            ..lockstep(1, 1.0, 1)
        })
    };
    let e = load(&path).unwrap_err();
    assert!(matches!(e, SimError::Save(_)), "{e}");
    assert!(e.to_string().contains("truncated"), "{e}");
    let memory = d.join("greta.memory");
    let greta = npc_minds::memory::VillagerMemory::new("Greta", 0.0, 3600.0);
    file::save(&memory, "villager-memory", 1, &greta).unwrap();
    let e = load(&memory).unwrap_err();
    assert!(e.to_string().contains("not a sim save"), "{e}");
    let _ = std::fs::remove_dir_all(&d);
}
