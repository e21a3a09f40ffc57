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
    /// A question about what was just said: "who was it?", "where?", "are you sure?".
    FollowUp,
    /// Asks for more: "anything else?", "tell me more", "who else would know?".
    More,
}

impl Intent {
    /// Every intent, in a fixed order.
    pub const ALL: [Intent; 16] = [
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
        Intent::FollowUp,
        Intent::More,
    ];

    /// The snake_case name used in data files, JSON and `--explain`.
    pub(crate) fn name(self) -> &'static str {
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
            Intent::FollowUp => "follow_up",
            Intent::More => "more",
        }
    }
}

/// What a follow-up asks about the fact under discussion.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Ask {
    Who,
    Where,
    When,
    Why,
    How,
    /// What it was, what it looked like.
    What,
    /// "Are you sure?", "was it really...?"
    Sure,
}

impl Ask {
    /// The word a villager says it does not know ("who", "where").
    pub(crate) fn word(self) -> &'static str {
        match self {
            Ask::Who => "who",
            Ask::Where => "where",
            Ask::When => "when",
            Ask::Why => "why",
            Ask::How => "how",
            Ask::What => "what",
            Ask::Sure => "sure",
        }
    }
}

/// What a villager can tell when asked more about one of its facts, each in its own words; an empty
/// one is not known (`unknown` then says, in its words, what it did not see). Written in the
/// knowledge entries of `*.npc.ron`: `details: (who: "...", where: "...", unknown: "...")`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Details {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub(crate) who: String,
    #[serde(default, rename = "where", skip_serializing_if = "String::is_empty")]
    pub place: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub(crate) when: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub(crate) why: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub(crate) how: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub(crate) what: String,
    /// What the villager did not see or does not know about it ("I only saw the light, not who
    /// carried it").
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub(crate) unknown: String,
}

impl Details {
    /// The detail that answers `ask`, when the villager knows it.
    pub(crate) fn get(&self, ask: Ask) -> Option<&str> {
        let d = match ask {
            Ask::Who => &self.who,
            Ask::Where => &self.place,
            Ask::When => &self.when,
            Ask::Why => &self.why,
            Ask::How => &self.how,
            Ask::What => &self.what,
            Ask::Sure => return None,
        };
        (!d.trim().is_empty()).then_some(d.as_str())
    }

    /// Every detail written, with its field name (`unknown` last).
    pub(crate) fn written(&self) -> Vec<(&'static str, &str)> {
        [
            ("who", &self.who),
            ("where", &self.place),
            ("when", &self.when),
            ("why", &self.why),
            ("how", &self.how),
            ("what", &self.what),
            ("unknown", &self.unknown),
        ]
        .into_iter()
        .filter(|(_, d)| !d.trim().is_empty())
        .map(|(n, d)| (n, d.as_str()))
        .collect()
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
    /// A follow-up about entry `k` that its details answer: say that detail.
    Detail(usize, Ask),
    /// A follow-up about entry `k` that its details do not answer: say honestly what it does not
    /// know of it, inventing nothing.
    NoDetail(usize, Ask),
    /// Entry `k` was told already in this conversation: refer back to it briefly, not word for word.
    Recall(usize),
    /// Nothing more it may tell: say so and point to villager `i` of the request's leads.
    Lead(usize),
}

impl Move {
    /// The knowledge entry the reply is about, if any.
    pub(crate) fn entry(self) -> Option<usize> {
        match self {
            Move::StateFact(k)
            | Move::Hint(k)
            | Move::Detail(k, _)
            | Move::NoDetail(k, _)
            | Move::Recall(k) => Some(k),
            _ => None,
        }
    }
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
    /// Details of its facts the reply said (their text): clues too.
    #[serde(default)]
    pub details: Vec<String>,
    /// Entries the player unlocked below their trust by citing evidence.
    #[serde(default)]
    pub unlocked: Vec<usize>,
    pub source: ReplySource,
    /// Why rejected attempts were rejected, in order.
    pub rejections: Vec<String>,
    /// How fast the model produced it (filled in by the backend).
    #[serde(default)]
    pub(crate) speed: ReplySpeed,
}

/// How fast one reply was generated: tokens over all attempts, seconds to the first token,
/// seconds of decoding after it, and the prompt tokens read.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct ReplySpeed {
    pub(crate) tokens: u32,
    pub(crate) first_token_secs: f32,
    pub(crate) decode_secs: f32,
    /// Prompt tokens read over all attempts (cached persona tokens included).
    #[serde(default)]
    pub(crate) prompt_tokens: u32,
}

impl ReplySpeed {
    /// Decoded tokens per second after the first (none without a second token).
    pub(crate) fn tokens_per_sec(&self) -> Option<f32> {
        (self.tokens > 1 && self.decode_secs > 0.0)
            .then(|| (self.tokens - 1) as f32 / self.decode_secs)
    }
}
