//! The `*.npc.ron` schema: one villager per file. Every field is documented in README.md (Modding).

use serde::{Deserialize, Serialize};

use crate::decide::Action;
use crate::decide::sampling::Sampling;
use crate::decide::talk::Details;

/// One NPC as a modder writes it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NpcConfig {
    /// Unique name; a file in `mods/` with the same name replaces this NPC.
    pub name: String,
    /// Job or place in village life, used in prompts and on screen.
    pub role: String,
    pub persona: Persona,
    /// Resting emotional state the NPC decays back to.
    #[serde(default)]
    pub temperament: Temperament,
    /// How the NPC talks (fed to the dialogue prompt).
    pub(crate) speech_style: String,
    /// What the NPC knows; each fact is told only when trust is high enough.
    #[serde(default)]
    pub knowledge: Vec<Fact>,
    /// Name of the place the NPC lives (see the place list in README.md).
    pub(crate) home: String,
    /// Name of the place the NPC works.
    pub(crate) work: String,
    /// What the NPC prefers to do at which hours; a bias for the decision lane, not a script.
    #[serde(default)]
    pub(crate) schedule: Vec<ScheduleEntry>,
    /// Lines said when the dialogue model is missing or fails. At least one.
    pub fallback_lines: Vec<String>,
    /// Per-NPC overrides of how game events move emotion.
    #[serde(default)]
    pub(crate) appraisal: Appraisal,
    /// How this NPC's replies are sampled (defaults: temperature 0.4, top_p 0.9,
    /// repeat_penalty 1.15, max_tokens 80).
    #[serde(default)]
    pub(crate) sampling: Sampling,
    /// What the villager talks about freely in small talk (its trade, its day, what it likes, what
    /// it thinks of others): small talk draws on these and nothing tied to the mystery.
    #[serde(default)]
    pub(crate) talk_about: Vec<String>,
}

/// Personality traits, each in [0, 1].
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Persona {
    pub(crate) bravery: f32,
    pub(crate) sociability: f32,
    pub(crate) diligence: f32,
    pub(crate) temper: f32,
    pub(crate) honesty: f32,
}

impl Persona {
    pub fn as_array(&self) -> [f32; 5] {
        [
            self.bravery,
            self.sociability,
            self.diligence,
            self.temper,
            self.honesty,
        ]
    }
}

/// Baseline valence / arousal / dominance, each in [-1, 1], and how fast emotion returns to it.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Temperament {
    #[serde(default)]
    pub(crate) valence: f32,
    #[serde(default)]
    pub(crate) arousal: f32,
    #[serde(default)]
    pub(crate) dominance: f32,
    /// Seconds for an emotion to fall half-way back to the baseline (> 0).
    #[serde(default = "default_half_life")]
    pub half_life_secs: f32,
}

fn default_half_life() -> f32 {
    30.0
}

impl Default for Temperament {
    fn default() -> Self {
        Temperament {
            valence: 0.0,
            arousal: 0.0,
            dominance: 0.0,
            half_life_secs: default_half_life(),
        }
    }
}

/// A piece of knowledge and the trust, in [-1, 1], needed before the NPC reveals it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fact {
    pub text: String,
    #[serde(default)]
    pub min_trust: f32,
    /// Key content: groups of words that must all appear for a reply to count as telling this
    /// fact; alternatives separated by `|` ("town hall|hall"). Default: the text's longest content
    /// words.
    #[serde(default)]
    pub(crate) keys: Vec<String>,
    /// Other ways a player may ask about it ("who bought charcoal"), to find it by meaning.
    #[serde(default)]
    pub(crate) topics: Vec<String>,
    /// What the villager can tell when asked more about it: `who`, `where`, `when`, `why`, `how`,
    /// `what`, and `unknown` (what it did not see). A follow-up it has no detail for is answered
    /// with `unknown`, or with an honest "I couldn't say", never an invented detail.
    #[serde(default)]
    pub details: Details,
    /// Said, in the villager's voice, while trust holds the fact back: what would change its mind
    /// ("Bring me proof you're on the right track and I'll talk.").
    #[serde(default)]
    pub unlock: String,
    /// Key groups (as in `keys`) a player's line must carry to unlock the fact below `min_trust`:
    /// a clue from elsewhere that bears on it, cited as a detective confronts a witness.
    #[serde(default)]
    pub(crate) evidence: Vec<String>,
}

/// From `from` to `to` o'clock (may wrap past midnight) the NPC leans towards `action`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ScheduleEntry {
    pub(crate) from: f32,
    pub(crate) to: f32,
    pub(crate) action: Action,
}

/// Emotion deltas (valence, arousal, dominance) per game event; `None` keeps the game default.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Appraisal {
    #[serde(default)]
    pub(crate) gift: Option<[f32; 3]>,
    #[serde(default)]
    pub(crate) insult: Option<[f32; 3]>,
    #[serde(default)]
    pub(crate) praise: Option<[f32; 3]>,
    #[serde(default)]
    pub(crate) threat: Option<[f32; 3]>,
    #[serde(default)]
    pub(crate) harm: Option<[f32; 3]>,
    #[serde(default)]
    pub(crate) witness_harm: Option<[f32; 3]>,
}

impl ScheduleEntry {
    /// True when `hour` falls in this entry (wrapping past midnight when `from > to`).
    pub(crate) fn covers(&self, hour: f32) -> bool {
        if self.from <= self.to {
            (self.from..self.to).contains(&hour)
        } else {
            hour >= self.from || hour < self.to
        }
    }
}

impl NpcConfig {
    /// The `n`-th non-empty fallback line (cycling), or "..." if there is none.
    pub(crate) fn fallback_line(&self, n: u64) -> String {
        let lines: Vec<&String> = self
            .fallback_lines
            .iter()
            .filter(|l| !l.trim().is_empty())
            .collect();
        lines
            .get(n as usize % lines.len().max(1))
            .map_or_else(|| "...".to_string(), |s| s.to_string())
    }

    /// The scheduled action at `hour`, if any (the first matching entry wins).
    pub(crate) fn scheduled(&self, hour: f32) -> Option<Action> {
        self.schedule
            .iter()
            .find(|e| e.covers(hour))
            .map(|e| e.action)
    }
}
