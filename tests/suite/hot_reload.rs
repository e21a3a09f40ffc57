//! Hot reload through Bevy's asset server and file watcher: an edit updates the NPC; an invalid edit
//! is logged and the last good config stays. Every change is waited for (frames until it is seen,
//! under a generous bound), never timed: a slow or busy machine is not a failure.

use crate::common;

use std::time::{Duration, Instant};

use bevy::asset::AssetPlugin;
use bevy::prelude::*;
use npc_minds::brain::cast::{CastPlugin, ConfigErrorLog};
use npc_minds::brain::components::Profile;
use npc_minds::world::components::{Traits, Villager};

use common::ADA;

/// How long a change may take to be seen before the test fails (the file watcher debounces, and a
/// loaded CI machine may be slow; a working reload shows up in well under a second).
const WAIT: Duration = Duration::from_secs(20);

/// Runs frames until `done` holds; how long that took, or `None` after `timeout`.
fn run_until(
    app: &mut App,
    timeout: Duration,
    mut done: impl FnMut(&mut App) -> bool,
) -> Option<Duration> {
    let start = Instant::now();
    while start.elapsed() < timeout {
        app.update();
        if done(app) {
            return Some(start.elapsed());
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    None
}

fn ada(app: &mut App) -> Option<(f32, String)> {
    let mut q = app.world_mut().query::<(&Villager, &Traits, &Profile)>();
    q.iter(app.world())
        .find(|(v, _, _)| v.name == "Ada")
        .map(|(_, t, p)| (t.bravery, p.0.role.clone()))
}

#[test]
fn edits_apply_and_bad_edits_keep_the_last_good_config() {
    let root = std::env::temp_dir().join(format!("npc-minds-hot-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(root.join("npcs")).unwrap();
    let file = root.join("npcs/ada.npc.ron");
    std::fs::write(&file, ADA).unwrap();

    let mut app = App::new();
    app.add_plugins((
        MinimalPlugins,
        AssetPlugin {
            file_path: root.to_string_lossy().into_owned(),
            watch_for_changes_override: Some(true),
            ..default()
        },
        npc_minds::core_plugin,
        CastPlugin { with_mods: false },
    ));
    run_until(&mut app, WAIT, |a| ada(a).is_some()).expect("Ada spawned");
    assert_eq!(ada(&mut app), Some((0.5, "tester".into())));

    std::fs::write(&file, ADA.replace("bravery: 0.5", "bravery: 0.9")).unwrap();
    let took = run_until(&mut app, WAIT, |a| ada(a).is_some_and(|(b, _)| b == 0.9))
        .expect("the edit was applied");
    eprintln!("the edit was applied after {took:?}");

    std::fs::write(
        &file,
        ADA.replace("bravery: 0.5", "bravery: 7.0")
            .replace("tester", "broken"),
    )
    .unwrap();
    run_until(&mut app, WAIT, |a| {
        !a.world().resource::<ConfigErrorLog>().errors.is_empty()
    })
    .expect("the bad edit was reported");
    let (_, msg) = app.world().resource::<ConfigErrorLog>().errors[0].clone();
    assert!(
        msg.contains("field `persona.bravery`: 7 is out of range [0, 1]"),
        "{msg}"
    );
    // What the modder reads is the located message alone, not the engine's wrapping or backtrace.
    assert!(
        !msg.contains("bevy_") && !msg.contains("async_executor") && msg.lines().count() == 1,
        "{msg}"
    );
    for _ in 0..20 {
        app.update();
    }
    assert_eq!(
        ada(&mut app),
        Some((0.9, "tester".into())),
        "the last good config stays"
    );
    let mut q = app.world_mut().query::<&Villager>();
    assert_eq!(q.iter(app.world()).count(), 1, "no duplicate villager");

    std::fs::write(&file, ADA.replace("tester", "fixed")).unwrap();
    run_until(&mut app, WAIT, |a| {
        ada(a).is_some_and(|(_, r)| r == "fixed")
    })
    .expect("a fixed edit applies again");
    assert!(
        app.world().resource::<ConfigErrorLog>().errors.is_empty(),
        "the error clears once fixed"
    );
    let _ = std::fs::remove_dir_all(root);
}
