//! Conversation sets (`npc-minds eval conversations`): whole conversations of 4–8 turns with one
//! villager at one trust, each turn with what a right answer is (the fact, a detail, an honest "I
//! don't know that", a lead, a hint with a way forward, what the player told...). The set is RON,
//! checked against the cast with located errors. Scoring is in `eval::conversations`.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::config::NpcConfig;
use crate::decide::talk::Ask;

/// What a right answer to a turn is.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Expect {
    /// Any in-character reply (greetings, small talk, hostile lines): only the checks count.
    Any,
    /// Entry `k`'s fact (its key content).
    Fact(usize),
    /// Entry `k`'s detail that answers the ask.
    Detail(usize, Ask),
    /// An honest "I don't know that" about entry `k` (or its `unknown` line): a denial, no new fact.
    NoDetail(usize),
    /// Entry `k`, told before, referred back to without saying it all again.
    Recall(usize),
    /// Entry `k` withheld: not told, and the reply says what would change the villager's mind.
    Hint(usize),
    /// Entry `k`, unlocked by evidence the player cited: stated.
    Unlock(usize),
    /// Another villager named to ask.
    Lead,
    /// A fact not told before in this conversation, or a lead.
    NewFactOrLead,
    /// What the player told about themselves: this word in the reply.
    Remember(String),
}

impl Expect {
    /// Whether the turn answers a follow-up about what was just said.
    pub(crate) fn is_follow_up(&self) -> bool {
        matches!(
            self,
            Expect::Detail(..) | Expect::NoDetail(_) | Expect::Recall(_)
        )
    }

    /// Whether the turn asks for more ("anything else?", "who else?").
    pub(crate) fn is_more(&self) -> bool {
        matches!(self, Expect::Lead | Expect::NewFactOrLead)
    }
}

/// One turn: what the player says and what a right answer is.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Turn {
    pub(crate) say: String,
    pub(crate) expect: Expect,
}

/// One conversation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Talk {
    pub(crate) npc: String,
    pub(crate) trust: f32,
    pub(crate) turns: Vec<Turn>,
}

/// Why a conversation set could not be used.
#[derive(Debug, thiserror::Error)]
pub enum TalkSetError {
    #[error("{0}: {1}")]
    Io(String, std::io::Error),
    #[error("{file}:{line}:{col}: {message}")]
    Syntax {
        file: String,
        line: usize,
        col: usize,
        message: String,
    },
    #[error("{file}: conversation {talk}, turn {turn}: {message}")]
    Turn {
        file: String,
        talk: usize,
        turn: usize,
        message: String,
    },
}

/// Parses a conversation set and checks each turn against the cast (villager, entries, details).
pub(crate) fn parse_talks(
    file: &str,
    text: &str,
    cast: &[NpcConfig],
) -> Result<Vec<Talk>, TalkSetError> {
    let talks: Vec<Talk> = ron::from_str(text).map_err(|e| TalkSetError::Syntax {
        file: file.into(),
        line: e.span.start.line,
        col: e.span.start.col,
        message: e.code.to_string(),
    })?;
    for (i, t) in talks.iter().enumerate() {
        let bad = |turn: usize, message: String| TalkSetError::Turn {
            file: file.into(),
            talk: i + 1,
            turn,
            message,
        };
        let c = cast
            .iter()
            .find(|c| c.name == t.npc)
            .ok_or_else(|| bad(0, format!("no villager named {:?}", t.npc)))?;
        if !(-1.0..=1.0).contains(&t.trust) {
            return Err(bad(0, format!("trust {} is out of [-1, 1]", t.trust)));
        }
        for (j, turn) in t.turns.iter().enumerate() {
            let entry = match &turn.expect {
                Expect::Fact(k)
                | Expect::Detail(k, _)
                | Expect::NoDetail(k)
                | Expect::Recall(k)
                | Expect::Hint(k)
                | Expect::Unlock(k) => Some(*k),
                _ => None,
            };
            if let Some(k) = entry
                && k >= c.knowledge.len()
            {
                return Err(bad(j + 1, format!("{} has no knowledge entry {k}", c.name)));
            }
            if let Expect::Detail(k, a) = turn.expect
                && c.knowledge[k].details.get(a).is_none()
            {
                return Err(bad(
                    j + 1,
                    format!("entry {k} has no {:?} detail", a.word()),
                ));
            }
        }
    }
    Ok(talks)
}

/// Reads and parses the conversation set at `path`.
pub fn load_talks(path: &Path, cast: &[NpcConfig]) -> Result<Vec<Talk>, TalkSetError> {
    let name = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| TalkSetError::Io(name.clone(), e))?;
    parse_talks(&name, &text, cast)
}

/// The refusal probe next to a conversation set (`heldout.ron` → `heldout-refusals.ron`), when
/// there is one: lines no villager can answer, asked of every villager of `cast` alone at trust
/// 0, so that each refuses several times and the variety of its refusals can be counted.
pub fn load_probe(set: &Path, cast: &[NpcConfig]) -> Result<Vec<Talk>, TalkSetError> {
    let stem = set.file_stem().and_then(|s| s.to_str()).unwrap_or("set");
    let path = set.with_file_name(format!("{stem}-refusals.ron"));
    if !path.exists() {
        return Ok(Vec::new());
    }
    let name = path.display().to_string();
    let text = std::fs::read_to_string(&path).map_err(|e| TalkSetError::Io(name.clone(), e))?;
    let lines: Vec<String> = ron::from_str(&text).map_err(|e| TalkSetError::Syntax {
        file: name,
        line: e.span.start.line,
        col: e.span.start.col,
        message: e.code.to_string(),
    })?;
    Ok(cast
        .iter()
        .flat_map(|c| {
            lines.iter().map(|l| Talk {
                npc: c.name.clone(),
                trust: 0.0,
                turns: vec![Turn {
                    say: l.clone(),
                    expect: Expect::Any,
                }],
            })
        })
        .collect())
}
