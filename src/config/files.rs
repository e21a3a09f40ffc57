//! Reading configs from disk without Bevy: for `check-config` and the headless sim.

use std::path::{Path, PathBuf};

use super::case::{CaseConfig, DEFAULT_CASE, case_dirs, case_files, find_case};
use super::schema::NpcConfig;
use super::validate::{ConfigProblem, check_cast, parse_npc};

/// The `*.npc.ron` files under `dir`, sorted by path (a missing dir gives none).
pub fn npc_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(npc_files(&p));
        } else if p.to_string_lossy().ends_with(".npc.ron") {
            out.push(p);
        }
    }
    out.sort();
    out
}

/// Expands the paths given on the command line: directories become their `*.npc.ron` files;
/// paths that do not exist are left out (the caller reports them).
pub(crate) fn expand(paths: &[PathBuf]) -> Vec<PathBuf> {
    paths
        .iter()
        .filter(|p| p.exists())
        .flat_map(|p| {
            if p.is_dir() {
                npc_files(p)
            } else {
                vec![p.clone()]
            }
        })
        .collect()
}

/// Reads, parses and validates files; returns the good configs and every problem found.
pub fn load_all(files: &[PathBuf]) -> (Vec<(String, NpcConfig)>, Vec<ConfigProblem>) {
    let mut good = Vec::new();
    let mut problems = Vec::new();
    for path in files {
        let name = path.display().to_string();
        match std::fs::read(path) {
            Ok(bytes) => match parse_npc(&name, &bytes) {
                Ok(c) => good.push((name, c)),
                Err(e) => problems.extend(e.0),
            },
            Err(e) => problems.push(ConfigProblem {
                file: name,
                position: None,
                field: None,
                message: format!("cannot read: {e}"),
            }),
        }
    }
    let dupes = check_cast(good.iter().map(|(f, c)| (f.as_str(), c)));
    // The first file with a name wins; later duplicates are reported and left out.
    good.retain(|(f, _)| !dupes.iter().any(|d| &d.file == f));
    problems.extend(dupes);
    (good, problems)
}

/// The villagers and the case they play: what `load_story` gives.
#[derive(Clone, Debug, Default)]
pub(crate) struct Story {
    /// The cast, each villager knowing what it knows in the case.
    pub(crate) cast: Vec<NpcConfig>,
    pub(crate) case: Option<CaseConfig>,
    pub(crate) problems: Vec<ConfigProblem>,
}

/// The cast from `base` and `mods` (as [`load_villagers`]) in the case `id` from the cases folders
/// beside them ([`case_dirs`]). Without any case there, the villagers alone; a case that is
/// missing or broken is a problem, and the villagers play without it.
pub(crate) fn load_story(base: &Path, mods: &Path, id: &str) -> Story {
    let (mut cast, mut problems) = load_villagers(base, mods);
    let dirs = case_dirs(base, mods);
    let any = dirs.iter().any(|d| !case_files(d).is_empty());
    let case = match find_case(&dirs, id) {
        Ok(c) => Some(c),
        Err(message) if any => {
            problems.push(ConfigProblem {
                file: dirs[0].display().to_string(),
                position: None,
                field: None,
                message,
            });
            None
        }
        Err(_) => None,
    };
    if let Some(c) = &case {
        cast = cast.iter().map(|n| c.member(n)).collect();
    }
    Story {
        cast,
        case,
        problems,
    }
}

/// The cast of the default case ([`DEFAULT_CASE`]): see [`load_story`].
pub fn load_cast(base: &Path, mods: &Path) -> (Vec<NpcConfig>, Vec<ConfigProblem>) {
    let s = load_story(base, mods, DEFAULT_CASE);
    (s.cast, s.problems)
}

/// The shipped villagers from `base` as their own files say (no case), overridden or extended by
/// name from `mods` (if it exists). Problems in mods are reported but never remove a shipped NPC.
pub(crate) fn load_villagers(base: &Path, mods: &Path) -> (Vec<NpcConfig>, Vec<ConfigProblem>) {
    let (mut cast, mut problems) = load_all(&npc_files(base));
    let (modded, mod_problems) = load_all(&npc_files(mods));
    problems.extend(mod_problems);
    for (_, m) in modded {
        match cast
            .iter_mut()
            .find(|(_, c)| c.name.eq_ignore_ascii_case(&m.name))
        {
            Some(slot) => slot.1 = m,
            None => cast.push((String::new(), m)),
        }
    }
    (cast.into_iter().map(|(_, c)| c).collect(), problems)
}
