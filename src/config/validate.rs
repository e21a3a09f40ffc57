//! Turns file bytes into an [`NpcConfig`] or located problems: `file:line:col` for syntax,
//! the field path for meaning. Pure functions, no Bevy; used by `check-config` and the asset loader.

use std::fmt;

use super::schema::{Fact, NpcConfig};
use crate::decide::keys;
use crate::world::places;

/// Larger files are refused before parsing.
pub(crate) const MAX_FILE_BYTES: usize = 256 * 1024;
/// Deeper nesting is refused by the parser (no stack overflow on hostile files).
pub const MAX_NESTING: usize = 32;

/// One problem in one file, printed as one line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigProblem {
    pub file: String,
    /// `Some((line, col))` for syntax errors.
    pub position: Option<(usize, usize)>,
    /// Field path such as `persona.bravery` for semantic errors.
    pub field: Option<String>,
    pub message: String,
}

impl fmt::Display for ConfigProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.position, &self.field) {
            (Some((l, c)), _) => write!(f, "{}:{l}:{c}: {}", self.file, self.message),
            (None, Some(field)) => write!(f, "{}: field `{field}`: {}", self.file, self.message),
            (None, None) => write!(f, "{}: {}", self.file, self.message),
        }
    }
}

impl std::error::Error for ConfigProblem {}

/// Problems found in one file (never empty when returned as an error).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{}", .0.iter().map(|p| p.to_string()).collect::<Vec<_>>().join("\n"))]
pub struct ConfigErrors(pub Vec<ConfigProblem>);

fn whole_file(file: &str, message: impl Into<String>) -> ConfigErrors {
    ConfigErrors(vec![ConfigProblem {
        file: file.into(),
        position: None,
        field: None,
        message: message.into(),
    }])
}

/// Parses and validates one file's bytes.
pub fn parse_npc(file: &str, bytes: &[u8]) -> Result<NpcConfig, ConfigErrors> {
    if bytes.len() > MAX_FILE_BYTES {
        return Err(whole_file(
            file,
            format!(
                "file is {} bytes; the limit is {MAX_FILE_BYTES}",
                bytes.len()
            ),
        ));
    }
    let text = std::str::from_utf8(bytes).map_err(|e| {
        whole_file(
            file,
            format!(
                "not UTF-8 text (a binary file?): invalid byte at offset {}",
                e.valid_up_to()
            ),
        )
    })?;
    if text.trim().is_empty() {
        return Err(whole_file(
            file,
            "file is empty; expected an NPC like `(name: \"Ada\", ...)`",
        ));
    }
    let options = ron::Options::default().with_recursion_limit(MAX_NESTING);
    let config: NpcConfig = options.from_str(text).map_err(|e| {
        ConfigErrors(vec![ConfigProblem {
            file: file.into(),
            position: Some((e.span.start.line, e.span.start.col)),
            field: None,
            message: e.code.to_string(),
        }])
    })?;
    let problems = check(&config, file);
    if problems.is_empty() {
        Ok(config)
    } else {
        Err(ConfigErrors(problems))
    }
}

/// Semantic checks on one parsed config.
pub fn check(c: &NpcConfig, file: &str) -> Vec<ConfigProblem> {
    let found = [
        identity(c),
        ranges(c),
        workplaces(c),
        knowledge(c),
        super::talk::check(c),
        day(c),
        sampling(c),
        appraisal(c),
    ];
    found
        .into_iter()
        .flatten()
        .map(|(field, message)| ConfigProblem {
            file: file.into(),
            position: None,
            field: Some(field),
            message,
        })
        .collect()
}

/// The name: present and short.
fn identity(c: &NpcConfig) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut bad = |field: String, message: String| out.push((field, message));
    if c.name.trim().is_empty() {
        bad("name".into(), "must not be empty".into());
    }
    if c.name.chars().count() > 40 {
        bad("name".into(), "is longer than 40 characters".into());
    }
    out
}

/// Persona traits in [0, 1], temperament in [-1, 1], a positive half-life.
fn ranges(c: &NpcConfig) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut bad = |field: String, message: String| out.push((field, message));
    let p = &c.persona;
    for (name, v) in [
        ("bravery", p.bravery),
        ("sociability", p.sociability),
        ("diligence", p.diligence),
        ("temper", p.temper),
        ("honesty", p.honesty),
    ] {
        if !(0.0..=1.0).contains(&v) {
            bad(
                format!("persona.{name}"),
                format!("{v} is out of range [0, 1]"),
            );
        }
    }
    let t = &c.temperament;
    for (name, v) in [
        ("valence", t.valence),
        ("arousal", t.arousal),
        ("dominance", t.dominance),
    ] {
        if !(-1.0..=1.0).contains(&v) {
            bad(
                format!("temperament.{name}"),
                format!("{v} is out of range [-1, 1]"),
            );
        }
    }
    if !(t.half_life_secs > 0.0 && t.half_life_secs.is_finite()) {
        bad(
            "temperament.half_life_secs".into(),
            format!("{} must be a positive number of seconds", t.half_life_secs),
        );
    }
    out
}

/// Home and work are places of the village.
fn workplaces(c: &NpcConfig) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut bad = |field: String, message: String| out.push((field, message));
    for (field, place) in [("home", &c.home), ("work", &c.work)] {
        if places::find(place).is_none() {
            bad(
                field.into(),
                format!(
                    "unknown place \"{place}\"; known places: {}",
                    places::names().join(", ")
                ),
            );
        }
    }
    out
}

/// Each fact: some text, a trust in [-1, 1], keys that appear in the text, no empty topic.
fn knowledge(c: &NpcConfig) -> Vec<(String, String)> {
    facts(&c.knowledge, "knowledge")
}

/// [`knowledge`]'s checks of `list`, named from the field `at` (`knowledge`, or a case's
/// `knowledge.Bram`).
pub(crate) fn facts(list: &[Fact], at: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut bad = |field: String, message: String| out.push((field, message));
    for (i, fact) in list.iter().enumerate() {
        if fact.text.trim().is_empty() {
            bad(format!("{at}[{i}].text"), "must not be empty".into());
        }
        if !(-1.0..=1.0).contains(&fact.min_trust) {
            bad(
                format!("{at}[{i}].min_trust"),
                format!("{} is out of range [-1, 1]", fact.min_trust),
            );
        }
        for (j, k) in fact.keys.iter().enumerate() {
            let field = format!("{at}[{i}].keys[{j}]");
            if k.split('|')
                .any(|alt| !alt.chars().any(char::is_alphanumeric))
            {
                bad(
                    field,
                    format!(
                        "{k:?} has an empty alternative; write words separated by |, like \"town hall|hall\""
                    ),
                );
            } else if !keys::all_present(&fact.text, std::slice::from_ref(k)) {
                bad(field, format!("{k:?} does not appear in the fact's text"));
            }
        }
        for (j, t) in fact.topics.iter().enumerate() {
            if t.trim().is_empty() {
                bad(format!("{at}[{i}].topics[{j}]"), "must not be empty".into());
            }
        }
    }
    out
}

/// The schedule's hours, and at least one fallback line.
fn day(c: &NpcConfig) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut bad = |field: String, message: String| out.push((field, message));
    for (i, e) in c.schedule.iter().enumerate() {
        if !(0.0..24.0).contains(&e.from) {
            bad(
                format!("schedule[{i}].from"),
                format!("{} is not an hour in [0, 24)", e.from),
            );
        }
        if !(0.0..=24.0).contains(&e.to) {
            bad(
                format!("schedule[{i}].to"),
                format!("{} is not an hour in [0, 24]", e.to),
            );
        }
    }
    if c.fallback_lines.iter().all(|l| l.trim().is_empty()) {
        bad(
            "fallback_lines".into(),
            "needs at least one non-empty line".into(),
        );
    }
    out
}

/// Sampling within the ranges the model takes.
fn sampling(c: &NpcConfig) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut bad = |field: String, message: String| out.push((field, message));
    let sm = &c.sampling;
    if !(0.0..=2.0).contains(&sm.temperature) {
        bad(
            "sampling.temperature".into(),
            format!("{} is out of range [0, 2]", sm.temperature),
        );
    }
    if !(sm.top_p > 0.0 && sm.top_p <= 1.0) {
        bad(
            "sampling.top_p".into(),
            format!("{} is out of range (0, 1]", sm.top_p),
        );
    }
    if !(1.0..=2.0).contains(&sm.repeat_penalty) {
        bad(
            "sampling.repeat_penalty".into(),
            format!("{} is out of range [1, 2]", sm.repeat_penalty),
        );
    }
    if !(1..=256).contains(&sm.max_tokens) {
        bad(
            "sampling.max_tokens".into(),
            format!("{} is out of range [1, 256]", sm.max_tokens),
        );
    }
    out
}

/// Appraisal deltas within [-2, 2].
fn appraisal(c: &NpcConfig) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut bad = |field: String, message: String| out.push((field, message));
    let a = &c.appraisal;
    for (name, v) in [
        ("gift", a.gift),
        ("insult", a.insult),
        ("praise", a.praise),
        ("threat", a.threat),
        ("harm", a.harm),
        ("witness_harm", a.witness_harm),
    ] {
        if let Some(d) = v
            && d.iter().any(|x| !(-2.0..=2.0).contains(x))
        {
            bad(
                format!("appraisal.{name}"),
                format!("{d:?} has a delta outside [-2, 2]"),
            );
        }
    }
    out
}

/// Problems across a cast: duplicate names (files are `(file, config)` in load order).
pub(crate) fn check_cast<'a>(
    configs: impl IntoIterator<Item = (&'a str, &'a NpcConfig)>,
) -> Vec<ConfigProblem> {
    let mut seen: Vec<(&str, &str)> = Vec::new();
    let mut out = Vec::new();
    for (file, c) in configs {
        let key = c.name.trim();
        if let Some((first, _)) = seen.iter().find(|(_, n)| n.eq_ignore_ascii_case(key)) {
            out.push(ConfigProblem {
                file: file.into(),
                position: None,
                field: Some("name".into()),
                message: format!("duplicate name \"{key}\" (also in {first})"),
            });
        } else {
            seen.push((file, key));
        }
    }
    out
}
