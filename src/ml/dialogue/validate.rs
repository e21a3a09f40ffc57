//! Checks every generated sentence and reply before the player sees it: no talk of AI, prompts or
//! chat windows, no code, markdown, lists or sums, no invented names, no other villager's name or
//! role taken as its own, the planned fact's key content present, nothing withheld leaked, no reply
//! said twice, one to three sentences on one line, no sightings claimed unless the plan states a
//! fact. Pure text functions; each rule is tested.

use super::clean::EchoGuard;
use super::cues::{ANACHRONISMS, DENIALS, PERSONA_BREAKS, WITNESS_CLAIMS};
use super::lexicon::Lexicon;
use super::meaning;
use crate::decide::keys;

/// Longest reply, in characters.
pub(crate) const MAX_CHARS: usize = 320;

/// Why a sentence or reply was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Rejection {
    Empty,
    /// Talk no villager would make (AI, prompts, code words...).
    PersonaBreak(String),
    /// Markdown, list items, code marks or several lines.
    Markup,
    /// Digits the planned fact does not contain (sums, prices, list numbers).
    Digits,
    /// A capitalised name the world does not have.
    InventedName(String),
    /// Claims another villager's name, or speaks of its own trade as someone else's.
    WrongSelf(String),
    /// Letters outside the Latin script (a translation, another language).
    Script,
    TooLong,
    /// The planned fact's key content is missing.
    MissingFact,
    /// Key content of a fact trust does not allow.
    Leak(usize),
    /// Said before in this conversation.
    Repeated,
    /// Repeats the system prompt.
    Echo,
    /// Repeats the player's own line.
    Parrot,
    /// Claims to have witnessed something in a reply that states no planned fact.
    Testimony(String),
    /// Says what the player told about themselves (their name, their home) of someone other than
    /// the player ("I'm from Dunmore" after the player said they live there).
    Misattributed(String),
    /// Brings up something tied to the mystery that the plan did not carry.
    InventedEvent(String),
    /// States the planned fact with another meaning (actor, negation, time, a person added).
    MeaningChanged(String),
    /// Quotes the player's own words back to them.
    Echoed,
    /// Nothing passed the checks within the wait for first words.
    TooSlow,
}

impl std::fmt::Display for Rejection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Rejection::Empty => write!(f, "empty"),
            Rejection::PersonaBreak(p) => write!(f, "persona break ({p:?})"),
            Rejection::Markup => write!(f, "markup or several lines"),
            Rejection::Digits => write!(f, "digits"),
            Rejection::InventedName(n) => write!(f, "invented name {n:?}"),
            Rejection::WrongSelf(s) => write!(f, "not itself ({s:?})"),
            Rejection::Script => write!(f, "not in the Latin script"),
            Rejection::TooLong => write!(f, "too long"),
            Rejection::MissingFact => write!(f, "planned fact missing"),
            Rejection::Leak(k) => write!(f, "withheld entry {k} leaked"),
            Rejection::Repeated => write!(f, "said before"),
            Rejection::Echo => write!(f, "repeats its instructions"),
            Rejection::Parrot => write!(f, "repeats the player's line"),
            Rejection::Testimony(p) => write!(f, "claims to have witnessed ({p:?})"),
            Rejection::Misattributed(w) => write!(f, "the player's {w:?} said of someone else"),
            Rejection::InventedEvent(w) => write!(f, "invented mystery event ({w:?})"),
            Rejection::MeaningChanged(w) => write!(f, "meaning changed ({w})"),
            Rejection::Echoed => write!(f, "quotes the player"),
            Rejection::TooSlow => write!(f, "no words passed in time"),
        }
    }
}

/// What a reply is checked against.
pub(crate) struct Checks<'a> {
    pub(crate) lexicon: &'a Lexicon,
    /// The speaker's name and trade, and the other villagers' names.
    pub(crate) name: &'a str,
    pub(crate) role: &'a str,
    pub(crate) others: &'a [String],
    /// Key groups of the fact the plan states (all must appear in the reply).
    pub(crate) required: Option<&'a [String]>,
    /// Key groups of facts trust withholds: (entry index, groups); none may appear in full.
    pub(crate) withheld: &'a [(usize, Vec<String>)],
    /// Digits the reply may contain (those of the planned fact).
    pub(crate) allowed_digits: &'a str,
    /// The NPC's earlier replies in this conversation.
    pub(crate) previous: &'a [String],
    /// Recognises the system prompt repeated.
    pub(crate) echo: Option<&'a EchoGuard>,
    /// What the player just said (a reply must not parrot it).
    pub(crate) heard: &'a str,
    /// The reply may tell what the villager saw or heard: only when it states a planned fact.
    pub(crate) witness: bool,
    /// Words the player told about themselves (remembered names, places): a sentence may say
    /// them only to the player.
    pub(crate) player_words: &'a [String],
    /// Words tied to the mystery that the plan does not carry: no sentence may bring them up.
    pub(crate) forbidden: &'a [String],
    /// The text the plan states (a fact, a detail): the reply must keep its meaning.
    pub(crate) meaning: Option<&'a str>,
    /// The player's lines in this conversation: no sentence quotes them back.
    pub(crate) player_lines: &'a [String],
}

/// The first witness claim in `lower` (lower case) that is not a denial ("I saw nothing").
pub(crate) fn witness_claim(lower: &str) -> Option<&'static str> {
    let open = |c: Option<char>| !c.is_some_and(char::is_alphanumeric);
    WITNESS_CLAIMS.iter().copied().find(|p| {
        lower.match_indices(p).any(|(at, _)| {
            let rest = &lower[at + p.len()..];
            open(lower[..at].chars().next_back())
                && open(rest.chars().next())
                && !DENIALS.iter().any(|d| rest.trim_start().starts_with(d))
        })
    })
}

pub(super) fn has_phrase(lower: &str, phrase: &str) -> bool {
    let bytes = lower.as_bytes();
    let mut from = 0;
    while let Some(i) = lower[from..].find(phrase) {
        let at = from + i;
        let end = at + phrase.len();
        let before = at == 0 || !bytes[at - 1].is_ascii_alphanumeric();
        let after = end >= bytes.len() || !bytes[end].is_ascii_alphanumeric();
        if before && after {
            return true;
        }
        from = at + 1;
        while !lower.is_char_boundary(from) {
            from += 1;
        }
    }
    false
}

fn is_latin(c: char) -> bool {
    c.is_ascii() || ('\u{00A0}'..='\u{024F}').contains(&c) || ('\u{2000}'..='\u{206F}').contains(&c)
}

impl<'a> Checks<'a> {
    /// Checks with nothing planned for villager `name` (no fact required, nothing withheld, no
    /// sightings): callers set what they need.
    pub(crate) fn plain(
        lexicon: &'a Lexicon,
        name: &'a str,
        role: &'a str,
        others: &'a [String],
    ) -> Self {
        Checks {
            lexicon,
            name,
            role,
            others,
            required: None,
            withheld: &[],
            allowed_digits: "",
            previous: &[],
            echo: None,
            heard: "",
            witness: false,
            player_words: &[],
            forbidden: &[],
            meaning: None,
            player_lines: &[],
        }
    }

    /// Rules that hold for every sentence on its own.
    pub(crate) fn sentence(&self, s: &str) -> Result<(), Rejection> {
        let t = s.trim();
        if !t.chars().any(char::is_alphabetic) {
            return Err(Rejection::Empty);
        }
        if !t.chars().all(is_latin) {
            return Err(Rejection::Script);
        }
        if self.echo.is_some_and(|g| g.is_echo(t)) {
            return Err(Rejection::Echo);
        }
        let lower = t.to_lowercase().replace('’', "'");
        if let Some(p) = PERSONA_BREAKS
            .iter()
            .chain(ANACHRONISMS)
            .find(|p| has_phrase(&lower, p))
        {
            return Err(Rejection::PersonaBreak(p.to_string()));
        }
        if !self.witness
            && let Some(p) = witness_claim(&lower)
        {
            return Err(Rejection::Testimony(p.to_string()));
        }
        let starts_list = t.starts_with(['-', '*', '#', '•', '>', '|']);
        let numbered = t.chars().next().is_some_and(|c| c.is_ascii_digit())
            && t.chars().nth(1).is_some_and(|c| c == '.' || c == ')');
        if starts_list
            || numbered
            || t.contains([
                '`', '{', '}', '<', '>', '=', '\n', '_', '[', ']', '|', '\\', '/', '(', ')', '*',
                '#',
            ])
            || t.contains("**")
        {
            return Err(Rejection::Markup);
        }
        if t.chars()
            .any(|c| c.is_ascii_digit() && !self.allowed_digits.contains(c))
        {
            return Err(Rejection::Digits);
        }
        if let Some(n) = self.lexicon.unknown_name(t) {
            return Err(Rejection::InventedName(n));
        }
        self.is_itself(&lower)?;
        self.about_the_player(t)?;
        let heard = keys::words(self.heard);
        let said = keys::words(t);
        if said.len() >= 3
            && said.iter().filter(|w| heard.contains(w)).count() * 5 >= said.len() * 4
        {
            return Err(Rejection::Parrot);
        }
        let words = keys::words(t);
        if words.len() >= 3
            && self
                .previous
                .iter()
                .flat_map(|p| super::clean::split_sentences(p))
                .any(|p| keys::words(&p) == words)
        {
            return Err(Rejection::Repeated);
        }
        for (k, groups) in self.withheld {
            if keys::all_present(t, groups) {
                return Err(Rejection::Leak(*k));
            }
        }
        if let Some(w) = meaning::invented_event(t, self.forbidden, self.heard) {
            return Err(Rejection::InventedEvent(w));
        }
        if meaning::echoes(t, self.player_lines, self.meaning.unwrap_or("")) {
            return Err(Rejection::Echoed);
        }
        Ok(())
    }

    /// Rules for the whole reply (after each sentence passed [`Checks::sentence`]).
    pub(crate) fn reply(&self, text: &str) -> Result<(), Rejection> {
        let t = text.trim();
        if t.is_empty() {
            return Err(Rejection::Empty);
        }
        if t.chars().count() > MAX_CHARS {
            return Err(Rejection::TooLong);
        }
        if let Some(groups) = self.required
            && !keys::all_present(t, groups)
        {
            return Err(Rejection::MissingFact);
        }
        for (k, groups) in self.withheld {
            if keys::all_present(t, groups) {
                return Err(Rejection::Leak(*k));
            }
        }
        let norm = normalise(t);
        if self.previous.iter().any(|p| similar(&normalise(p), &norm)) {
            return Err(Rejection::Repeated);
        }
        if let Some(fact) = self.meaning
            && let Some(why) = match self.required.filter(|g| !g.is_empty()) {
                Some(groups) => {
                    meaning::changed_meaning_of(fact, groups, t, self.others, self.name)
                }
                None => meaning::changed_meaning(fact, t, self.others, self.name),
            }
        {
            return Err(Rejection::MeaningChanged(why));
        }
        Ok(())
    }
}

fn normalise(text: &str) -> Vec<String> {
    keys::words(text)
}

/// Near-identical: the same words, or four fifths of the longer reply's words shared.
fn similar(a: &[String], b: &[String]) -> bool {
    if a == b {
        return true;
    }
    let longer = a.len().max(b.len());
    if longer < 4 {
        return false;
    }
    let shared = a.iter().filter(|w| b.contains(w)).count().min(b.len());
    shared * 5 >= longer * 4
}

#[cfg(test)]
#[path = "validate_tests.rs"]
pub(super) mod tests;
