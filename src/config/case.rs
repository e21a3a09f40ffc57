//! Cases: `assets/cases/*.case.ron` (and `mods/cases/`), each one mystery of the demo game: what
//! happened, who is guilty and who only looks it (a red herring), who judges, the lines said at
//! the verdict, and what each villager knows about it. A villager's own `*.npc.ron` keeps what it
//! knows in every case; a case adds its knowledge on top ([`CaseConfig::member`]). Parsed and
//! checked here with located messages; `check` (beside this file) checks a case against the cast.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::schema::{Fact, NpcConfig};
use super::validate::{ConfigErrors, ConfigProblem, MAX_FILE_BYTES, MAX_NESTING};

/// The case a game, the service and the evaluations use when none is named.
pub const DEFAULT_CASE: &str = "stolen-bell";
/// The file-name ending of a case.
pub(crate) const CASE_SUFFIX: &str = ".case.ron";

/// One case as a modder writes it. `{suspect}` and `{left}` in the lines are filled in by the game.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct CaseConfig {
    /// The file's name without `.case.ron` (`stolen-bell`).
    #[serde(skip)]
    pub id: String,
    pub(crate) title: String,
    /// What the player is told at the start.
    pub(crate) premise: String,
    /// The question the title screen suggests asking first.
    pub(crate) ask: String,
    /// What the culprit did, as said after "accuse X of": "stealing the bell".
    pub(crate) crime: String,
    /// The win screen's headline: "The bell is found!".
    pub(crate) solved: String,
    /// Name of the guilty villager.
    pub culprit: String,
    /// Villagers with a motive whose alibi holds: someone vouches for them.
    #[serde(default)]
    pub(crate) herrings: Vec<String>,
    /// Name of the villager who hears accusations.
    pub(crate) judge: String,
    /// Wrong accusations before the game is lost.
    pub(crate) max_wrong: u32,
    pub(crate) win_line: String,
    pub(crate) wrong_line: String,
    pub(crate) lose_line: String,
    /// What each villager (by name) knows in this case, on top of its own file's knowledge.
    #[serde(default)]
    pub(crate) knowledge: BTreeMap<String, Vec<Fact>>,
}

impl CaseConfig {
    /// Reads and checks the file; its id is the file's name without `.case.ron`.
    pub fn load(path: &Path) -> Result<Self, ConfigErrors> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| {
            ConfigErrors(vec![problem(&file, None, format!("could not read: {e}"))])
        })?;
        let mut case = Self::parse(&text, &file)?;
        case.id = case_id(path).unwrap_or_default();
        Ok(case)
    }

    /// Parses and checks `text` (read from `file`) on its own; [`check::against_cast`] checks it
    /// against the villagers.
    ///
    /// [`check::against_cast`]: super::case_check::against_cast
    pub fn parse(text: &str, file: &str) -> Result<Self, ConfigErrors> {
        if text.len() > MAX_FILE_BYTES {
            return Err(ConfigErrors(vec![problem(
                file,
                None,
                format!(
                    "file is {} bytes; the limit is {MAX_FILE_BYTES}",
                    text.len()
                ),
            )]));
        }
        let options = ron::Options::default().with_recursion_limit(MAX_NESTING);
        let c: CaseConfig = options.from_str(text).map_err(|e| {
            ConfigErrors(vec![ConfigProblem {
                file: file.to_string(),
                position: Some((e.span.start.line, e.span.start.col)),
                field: None,
                message: e.code.to_string(),
            }])
        })?;
        let problems: Vec<ConfigProblem> = c
            .own_problems()
            .into_iter()
            .map(|(field, message)| problem(file, Some(field), message))
            .collect();
        if problems.is_empty() {
            Ok(c)
        } else {
            Err(ConfigErrors(problems))
        }
    }

    /// What is wrong with the case on its own, as (field path, message).
    fn own_problems(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        for (field, text) in [
            ("title", &self.title),
            ("premise", &self.premise),
            ("ask", &self.ask),
            ("crime", &self.crime),
            ("solved", &self.solved),
            ("culprit", &self.culprit),
            ("judge", &self.judge),
            ("win_line", &self.win_line),
            ("wrong_line", &self.wrong_line),
            ("lose_line", &self.lose_line),
        ] {
            if text.trim().is_empty() {
                out.push((field.to_string(), "must not be empty".to_string()));
            }
        }
        if self.max_wrong == 0 {
            out.push(("max_wrong".into(), "must be at least 1".into()));
        }
        if same(&self.culprit, &self.judge) {
            out.push((
                "judge".into(),
                "the judge hears the accusation; it cannot be the culprit".into(),
            ));
        }
        for (i, h) in self.herrings.iter().enumerate() {
            if same(h, &self.culprit) || same(h, &self.judge) {
                out.push((
                    format!("herrings[{i}]"),
                    format!("{h} is the culprit or the judge; a red herring is someone else"),
                ));
            }
        }
        for (name, facts) in &self.knowledge {
            let at = format!("knowledge.{name}");
            out.extend(super::validate::facts(facts, &at));
            for (i, fact) in facts.iter().enumerate() {
                super::talk::check_fact(fact, &format!("{at}[{i}]"), &mut out);
            }
        }
        out
    }

    /// `npc` as it is in this case: its own knowledge, then what the case adds for it.
    pub(crate) fn member(&self, npc: &NpcConfig) -> NpcConfig {
        let mut out = npc.clone();
        if let Some((_, facts)) = self.knowledge.iter().find(|(n, _)| same(n, &npc.name)) {
            out.knowledge.extend(facts.iter().cloned());
        }
        out
    }

    /// `line` with `{suspect}` and `{left}` filled in.
    pub(crate) fn say(line: &str, suspect: &str, left: u32) -> String {
        line.replace("{suspect}", suspect)
            .replace("{left}", &left.to_string())
    }
}

/// Names compare without case.
pub(crate) fn same(a: &str, b: &str) -> bool {
    a.trim().eq_ignore_ascii_case(b.trim())
}

fn problem(file: &str, field: Option<String>, message: String) -> ConfigProblem {
    ConfigProblem {
        file: file.to_string(),
        position: None,
        field,
        message,
    }
}

/// The id of a case file (`stolen-bell` for `…/stolen-bell.case.ron`).
pub(crate) fn case_id(path: &Path) -> Option<String> {
    let name = path.file_name()?.to_str()?;
    name.strip_suffix(CASE_SUFFIX)
        .filter(|id| !id.is_empty())
        .map(str::to_string)
}

/// The `*.case.ron` files in `dir`, sorted (a missing folder has none).
pub(crate) fn case_files(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| case_id(p).is_some())
        .collect();
    out.sort();
    out
}

/// The cases folders that go with a cast folder: `cases/` beside it, then the mods' `cases/`.
pub(crate) fn case_dirs(npc_dir: &Path, mods: &Path) -> [PathBuf; 2] {
    [npc_dir.with_file_name("cases"), mods.join("cases")]
}

/// Every case in `dirs` that loads, sorted by id (a later folder's case replaces an earlier one of
/// the same id, as mods replace villagers), and the problems of those that do not.
pub fn load_cases(dirs: &[PathBuf]) -> (Vec<CaseConfig>, Vec<ConfigProblem>) {
    let mut cases: Vec<CaseConfig> = Vec::new();
    let mut problems = Vec::new();
    for path in dirs.iter().flat_map(|d| case_files(d)) {
        match CaseConfig::load(&path) {
            Ok(c) => {
                cases.retain(|old| old.id != c.id);
                cases.push(c);
            }
            Err(e) => problems.extend(e.0),
        }
    }
    cases.sort_by(|a, b| a.id.cmp(&b.id));
    (cases, problems)
}

/// The case `id` among `dirs`, or why there is none (naming the ids there are).
pub(crate) fn find_case(dirs: &[PathBuf], id: &str) -> Result<CaseConfig, String> {
    let (cases, problems) = load_cases(dirs);
    if let Some(c) = cases.iter().find(|c| c.id == id) {
        return Ok(c.clone());
    }
    if let Some(p) = problems
        .iter()
        .find(|p| case_id(Path::new(&p.file)).as_deref() == Some(id))
    {
        return Err(p.to_string());
    }
    let ids: Vec<&str> = cases.iter().map(|c| c.id.as_str()).collect();
    Err(format!(
        "no case {id:?}; the cases are: {} (`npc-minds cases` lists them)",
        if ids.is_empty() {
            "none".to_string()
        } else {
            ids.join(", ")
        }
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shipped() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/cases")
    }

    #[test]
    fn the_shipped_cases_load_and_broken_ones_say_where() {
        let (cases, problems) = load_cases(&[shipped()]);
        assert!(problems.is_empty(), "{problems:?}");
        assert!(cases.len() >= 3, "{} cases", cases.len());
        assert!(cases.iter().any(|c| c.id == DEFAULT_CASE));
        let e = CaseConfig::parse("(title: 3)", "m.case.ron")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("m.case.ron:1:"), "{e}");
        let text = std::fs::read_to_string(shipped().join("stolen-bell.case.ron")).unwrap();
        let e = CaseConfig::parse(&text.replace("max_wrong: 3", "max_wrong: 0"), "m.case.ron")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("m.case.ron: field `max_wrong`"), "{e}");
        // A fact's problem is named by villager and entry.
        let broken = text.replacen("keys: [\"bell\"", "keys: [\"trumpet\"", 1);
        let e = CaseConfig::parse(&broken, "m.case.ron")
            .unwrap_err()
            .to_string();
        assert!(e.contains("field `knowledge.Aldric[0].keys[0]`"), "{e}");
    }

    #[test]
    fn an_unknown_case_names_the_cases_there_are() {
        let e = find_case(&[shipped()], "no-such-case").unwrap_err();
        assert!(e.contains(DEFAULT_CASE), "{e}");
        assert_eq!(
            find_case(&[shipped()], DEFAULT_CASE).unwrap().id,
            DEFAULT_CASE
        );
    }
}
