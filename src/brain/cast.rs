//! The live cast in the game: loads `assets/npcs/` (and `mods/`, which overrides by name) through the
//! asset server, spawns villagers, applies hot-reloaded edits within the watcher's debounce, and keeps
//! the last good config (with the error shown) when an edit is invalid.

use std::collections::BTreeMap;

use bevy::asset::io::AssetSourceBuilder;
use bevy::asset::{AssetLoadError, AssetLoadFailedEvent, LoadedFolder};
use bevy::prelude::*;

use super::components::Profile;
use super::spawn::{update_villager, villager_bundle};
use crate::config::CaseConfig;
use crate::config::loader::{NpcAsset, NpcLoadError, NpcLoader};
use crate::world::components::{Traits, Villager};
use crate::world::rng;

/// Asset source id of the modders' folder.
pub(crate) const MODS_SOURCE: &str = "mods";

/// Registers `dir` as the `mods://` asset source. Must run before `AssetPlugin` is added.
pub(crate) fn register_mods_source(app: &mut App, dir: &str) {
    app.register_asset_source(MODS_SOURCE, AssetSourceBuilder::platform_default(dir, None));
}

/// Config load errors per file (path, message), newest last, for logs and the on-screen message.
/// A file's entry goes away when it next loads cleanly.
#[derive(Resource, Default, Debug)]
pub struct ConfigErrorLog {
    pub errors: Vec<(String, String)>,
}

/// The case being played: its knowledge is added to each villager's own (see
/// [`CaseConfig::member`]). Setting it again gives every villager the new case's knowledge.
#[derive(Resource, Default, Debug)]
pub(crate) struct PlayedCase(pub Option<CaseConfig>);

/// Folders being loaded; kept so the assets stay alive and get hot reloaded.
#[derive(Resource, Default)]
pub(crate) struct CastFolders {
    pub(crate) base: Option<Handle<LoadedFolder>>,
    pub(crate) mods: Option<Handle<LoadedFolder>>,
}

/// Which config source each NPC name currently comes from.
#[derive(Resource, Default)]
struct CastSources {
    by_asset: BTreeMap<AssetId<NpcAsset>, (bool, String)>,
    next_id: u64,
}

/// Loads `npcs/` from the default asset source, and `mods://` when `with_mods` is set.
pub struct CastPlugin {
    pub with_mods: bool,
}

impl Plugin for CastPlugin {
    fn build(&self, app: &mut App) {
        app.init_asset::<NpcAsset>()
            .init_asset_loader::<NpcLoader>()
            .init_resource::<ConfigErrorLog>()
            .init_resource::<CastFolders>()
            .init_resource::<CastSources>()
            .init_resource::<PlayedCase>()
            .add_systems(Update, (log_load_failures, sync_cast).chain());
        let with_mods = self.with_mods;
        app.add_systems(
            Startup,
            move |server: Res<AssetServer>, mut folders: ResMut<CastFolders>| {
                folders.base = Some(server.load_folder("npcs"));
                if with_mods {
                    folders.mods = Some(server.load_folder(format!("{MODS_SOURCE}://")));
                }
            },
        );
    }
}

fn log_load_failures(
    mut failed: MessageReader<AssetLoadFailedEvent<NpcAsset>>,
    mut log: ResMut<ConfigErrorLog>,
) {
    for ev in failed.read() {
        error!("{} (keeping the last good config of {})", ev.error, ev.path);
        let msg = format!(
            "{} (keeping the last good config of {})",
            located(&ev.error),
            ev.path
        );
        let path = ev.path.to_string();
        log.errors.retain(|(p, _)| *p != path);
        log.errors.push((path, msg));
        if log.errors.len() > 50 {
            log.errors.remove(0);
        }
    }
}

/// The loader's own located message ("file:line:col: ..."), without the engine's wrapping and
/// backtrace; other failures as the engine words them.
fn located(e: &AssetLoadError) -> String {
    if let AssetLoadError::AssetLoaderError(inner) = e
        && let Some(ours) = inner.error().downcast_ref::<NpcLoadError>()
    {
        return ours.to_string();
    }
    e.to_string().lines().next().unwrap_or("").to_string()
}

/// Spawns new NPCs and updates changed ones. A mod's config wins over the shipped one of that name.
#[allow(clippy::too_many_arguments)]
fn sync_cast(
    mut commands: Commands,
    mut events: MessageReader<AssetEvent<NpcAsset>>,
    assets: Res<Assets<NpcAsset>>,
    server: Res<AssetServer>,
    mut sources: ResMut<CastSources>,
    mut log: ResMut<ConfigErrorLog>,
    case: Res<PlayedCase>,
    mut villagers: Query<(&mut Villager, &mut Traits, &mut Profile)>,
) {
    let mut touched = Vec::new();
    // A new case: every villager learns what it knows in it.
    if case.is_changed() && !case.is_added() {
        touched.extend(sources.by_asset.values().map(|(_, n)| n.clone()));
    }
    for ev in events.read() {
        if let AssetEvent::Added { id } | AssetEvent::Modified { id } = ev
            && let Some(asset) = assets.get(*id)
        {
            let path = server.get_path(*id);
            let is_mod = path
                .as_ref()
                .is_some_and(|p| p.source().as_str() == Some(MODS_SOURCE));
            if let Some(path) = path {
                let path = path.to_string();
                log.errors.retain(|(p, _)| *p != path);
            }
            sources.by_asset.insert(*id, (is_mod, asset.0.name.clone()));
            touched.push(asset.0.name.clone());
        }
    }
    let mut seen = std::collections::BTreeSet::new();
    touched.retain(|n| seen.insert(n.to_lowercase()));
    for name in touched {
        // The effective config of this name: a mod if any, else the shipped file.
        let mut best: Option<(bool, &NpcAsset)> = None;
        for (id, (is_mod, n)) in &sources.by_asset {
            if n.eq_ignore_ascii_case(&name)
                && let Some(a) = assets.get(*id)
                && best.is_none_or(|(m, _)| *is_mod && !m)
            {
                best = Some((*is_mod, a));
            }
        }
        let Some((_, asset)) = best else { continue };
        let config = &case
            .0
            .as_ref()
            .map_or_else(|| asset.0.clone(), |c| c.member(&asset.0));
        if let Some((mut v, mut t, mut p)) = villagers
            .iter_mut()
            .find(|(v, _, _)| v.name.eq_ignore_ascii_case(&name))
        {
            update_villager(config, &mut v, &mut t, &mut p);
            info!("(re)loaded NPC {}", config.name);
        } else {
            let id = sources.next_id;
            sources.next_id += 1;
            let a = rng::unit(7, id, 0, 1) * std::f32::consts::TAU;
            commands.spawn(villager_bundle(
                id,
                config,
                Vec2::new(a.cos(), a.sin()) * 20.0,
            ));
            info!("NPC {} joined the village", config.name);
        }
    }
}
