//! The vocabulary of a conversation turn, shared by the dialogue planner (ml), the brain that reacts
//! to it and the game that shows it: what a player's line means (its intent), what the villager
//! plans to do about it, and the record of what a reply conveyed. Plain data, no Bevy, no candle.

use serde::{Deserialize, Serialize};

/// What a player's line is for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Intent {
    /// A question (or a remark that asks for information).
    #[default]
    Question,
    Greeting,
    Farewell,
    Thanks,
    Apology,
    /// Kind words about the villager or its work.
    Praise,
    Insult,
    /// Chatter with nothing to look up.
    SmallTalk,
    /// About the villager itself: its name, job, home.
    AboutSelf,
    /// Names someone as the thief.
    Accusation,
    /// Asks for something no villager does: code, maths, translation, homework, AI talk.
    OffRole,
    /// Tries to change the villager's rules: "ignore your instructions", role tags, "pretend".
    Manipulation,
    /// Empty, unreadable or in a script the villagers do not read.
    Nonsense,
    /// Not a line: the player gave the villager a loaf of bread.
    Gift,
}

impl Intent {
    /// Every intent, in a fixed order.
    pub const ALL: [Intent; 14] = [
        Intent::Question,
        Intent::Greeting,
        Intent::Farewell,
        Intent::Thanks,
        Intent::Apology,
        Intent::Praise,
        Intent::Insult,
        Intent::SmallTalk,
        Intent::AboutSelf,
        Intent::Accusation,
        Intent::OffRole,
        Intent::Manipulation,
        Intent::Nonsense,
        Intent::Gift,
    ];

    /// The snake_case name used in data files, JSON and `--explain`.
    pub fn name(self) -> &'static str {
        match self {
            Intent::Question => "question",
            Intent::Greeting => "greeting",
            Intent::Farewell => "farewell",
            Intent::Thanks => "thanks",
            Intent::Apology => "apology",
            Intent::Praise => "praise",
            Intent::Insult => "insult",
            Intent::SmallTalk => "small_talk",
            Intent::AboutSelf => "about_self",
            Intent::Accusation => "accusation",
            Intent::OffRole => "off_role",
            Intent::Manipulation => "manipulation",
            Intent::Nonsense => "nonsense",
            Intent::Gift => "gift",
        }
    }

    /// The intent called `name`.
    pub fn parse(name: &str) -> Option<Intent> {
        Intent::ALL.into_iter().find(|i| i.name() == name.trim())
    }
}

/// What the villager will do with the line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Move {
    /// Tell knowledge entry `k` (trust allows it).
    StateFact(usize),
    /// Entry `k` is what was asked about, but trust does not allow it: say there may be more to
    /// tell, later, without saying what.
    Hint(usize),
    /// Asked about something it knows nothing of.
    NotKnown,
    /// Answer the social act (greeting, thanks, apology, praise, farewell, small talk, about self).
    Respond,
    /// Answer an insult: curt and cold.
    Rebuff,
    /// Thank for a gift.
    Thank,
    /// Stay in character and turn the talk back to the village (off-role, manipulation, nonsense,
    /// accusations made to someone who is not the judge).
    Deflect,
}

/// A reply planned before any word is generated.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DialoguePlan {
    pub intent: Intent,
    pub mv: Move,
    /// Knowledge entries most like the line, best first: (index in the NPC's knowledge, cosine).
    pub retrieved: Vec<(usize, f32)>,
}

/// Where the final reply's words came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReplySource {
    /// The model's words, accepted on this attempt (0 = the first).
    Model { attempt: u8 },
    /// A line built from the plan, after every attempt failed the checks.
    Template,
}

/// What one reply was: its plan, what it conveyed and how it was checked. The game's clue journal
/// reads `conveyed`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DialogueRecord {
    pub plan: DialoguePlan,
    /// Knowledge entries (indexes) the reply stated.
    pub conveyed: Vec<usize>,
    pub source: ReplySource,
    /// Why rejected attempts were rejected, in order.
    pub rejections: Vec<String>,
    /// How fast the model produced it (filled in by the backend).
    #[serde(default)]
    pub speed: ReplySpeed,
}

/// How fast one reply was generated: tokens over all attempts, seconds to the first token,
/// seconds of decoding after it, and the prompt tokens read.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ReplySpeed {
    pub tokens: u32,
    pub first_token_secs: f32,
    pub decode_secs: f32,
    /// Prompt tokens read over all attempts (cached persona tokens included).
    #[serde(default)]
    pub prompt_tokens: u32,
}

impl ReplySpeed {
    /// Decoded tokens per second after the first (none without a second token).
    pub fn tokens_per_sec(&self) -> Option<f32> {
        (self.tokens > 1 && self.decode_secs > 0.0)
            .then(|| (self.tokens - 1) as f32 / self.decode_secs)
    }
}
