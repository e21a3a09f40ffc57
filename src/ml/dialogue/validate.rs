//! Checks every generated sentence and reply before the player sees it: no talk of AI, prompts or
//! chat windows, no code, markdown, lists or sums, no invented names, no other villager's name or
//! role taken as its own, the planned fact's key content present, nothing withheld leaked, no reply
//! said twice, one to three sentences on one line, no sightings claimed unless the plan states a
//! fact. Pure text functions; each rule is tested.

use super::clean::EchoGuard;
use super::cues::{DENIALS, PERSONA_BREAKS, WITNESS_CLAIMS};
use super::lexicon::Lexicon;
use crate::decide::keys;

/// Longest reply, in characters.
pub const MAX_CHARS: usize = 320;

/// Why a sentence or reply was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Rejection {
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
        }
    }
}

/// What a reply is checked against.
pub struct Checks<'a> {
    pub lexicon: &'a Lexicon,
    /// The speaker's name and trade, and the other villagers' names.
    pub name: &'a str,
    pub role: &'a str,
    pub others: &'a [String],
    /// Key groups of the fact the plan states (all must appear in the reply).
    pub required: Option<&'a [String]>,
    /// Key groups of facts trust withholds: (entry index, groups); none may appear in full.
    pub withheld: &'a [(usize, Vec<String>)],
    /// Digits the reply may contain (those of the planned fact).
    pub allowed_digits: &'a str,
    /// The NPC's earlier replies in this conversation.
    pub previous: &'a [String],
    /// Recognises the system prompt repeated.
    pub echo: Option<&'a EchoGuard>,
    /// What the player just said (a reply must not parrot it).
    pub heard: &'a str,
    /// The reply may tell what the villager saw or heard: only when it states a planned fact.
    pub witness: bool,
    /// Words the player told about themselves (remembered names, places): a sentence may say
    /// them only to the player.
    pub player_words: &'a [String],
}

/// The first witness claim in `lower` (lower case) that is not a denial ("I saw nothing").
pub fn witness_claim(lower: &str) -> Option<&'static str> {
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

impl Checks<'_> {
    /// Rules that hold for every sentence on its own.
    pub fn sentence(&self, s: &str) -> Result<(), Rejection> {
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
        if let Some(p) = PERSONA_BREAKS.iter().find(|p| has_phrase(&lower, p)) {
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
        Ok(())
    }

    /// Rules for the whole reply (after each sentence passed [`Checks::sentence`]).
    pub fn reply(&self, text: &str) -> Result<(), Rejection> {
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
pub(super) mod tests {
    use super::*;

    fn lex() -> Lexicon {
        Lexicon::new(
            ["Greta", "Bram", "Odo", "town hall", "mill"],
            [
                "well", "the", "oh", "a", "i", "yes", "odd", "fresh", "ask", "it",
            ]
            .map(String::from),
        )
    }

    /// Checks for Greta the baker with nothing planned (tests set what they need).
    pub(in crate::ml::dialogue) fn with<'a>(lex: &'a Lexicon, others: &'a [String]) -> Checks<'a> {
        Checks {
            lexicon: lex,
            name: "Greta",
            role: "baker",
            others,
            required: None,
            withheld: &[],
            allowed_digits: "",
            previous: &[],
            echo: None,
            heard: "",
            witness: false,
            player_words: &[],
        }
    }

    #[test]
    fn witness_claims_only_with_a_planned_fact() {
        let l = lex();
        let c = with(&l, &[]);
        assert_eq!(
            c.sentence("I don't know, but I did see a man in a mask at the market."),
            Err(Rejection::Testimony("i did see".into()))
        );
        assert_eq!(
            c.sentence("Oh, I just had the pleasure of seeing the bell vanish."),
            Err(Rejection::Testimony("the pleasure of seeing".into()))
        );
        assert_eq!(c.sentence("I saw nothing that night, love."), Ok(()));
        assert_eq!(c.sentence("I heard anything is possible."), Ok(()));
        // A claim's words inside other words are no claim.
        assert_eq!(c.sentence("Oh, I sawed the logs myself."), Ok(()));
        assert_eq!(c.sentence("The taxi saw better days."), Ok(()));
        let c = Checks {
            witness: true,
            ..with(&l, &[])
        };
        assert_eq!(c.sentence("I saw a lantern by the hall."), Ok(()));
    }

    #[test]
    fn persona_breaks_are_refused() {
        let l = lex();
        let c = with(&l, &[]);
        for s in [
            "I'm a language model, I cannot do that.",
            "As an AI, I have no feelings.",
            "You can't say you're an AI, but you've got it right!",
            "That question is not available in this chat window.",
            "I can help you with your writing.",
            "Here is a Python function for you.",
        ] {
            assert!(
                matches!(c.sentence(s), Err(Rejection::PersonaBreak(_))),
                "{s}"
            );
        }
        assert_eq!(c.sentence("Fresh bread, love? It's still warm."), Ok(()));
        assert_eq!(c.sentence("The mill is quiet, said the maid."), Ok(()));
    }

    #[test]
    fn markup_digits_and_scripts_are_refused() {
        let l = lex();
        let c = with(&l, &[]);
        assert_eq!(
            c.sentence("- A blacksmith's question: who?"),
            Err(Rejection::Markup)
        );
        assert_eq!(c.sentence("1. Bread"), Err(Rejection::Markup));
        assert_eq!(c.sentence("Use `print`."), Err(Rejection::Markup));
        assert_eq!(c.sentence("It is 37 times 12."), Err(Rejection::Digits));
        assert_eq!(c.sentence("Здравствуйте, друг."), Err(Rejection::Script));
        assert_eq!(c.sentence("..."), Err(Rejection::Empty));
    }

    #[test]
    fn invented_names_and_other_selves_are_refused() {
        let l = lex();
        let others = vec!["Greta".to_string(), "Bram".to_string()];
        let c = with(&l, &others);
        assert_eq!(
            c.sentence("A man named Grimbold asked me."),
            Err(Rejection::InventedName("Grimbold".into()))
        );
        assert_eq!(c.sentence("Odo came by the mill."), Ok(()));
        assert!(matches!(
            c.sentence("Well, I'm Bram, the smith."),
            Err(Rejection::WrongSelf(_))
        ));
        assert!(matches!(
            c.sentence("Ask the local baker, love."),
            Err(Rejection::WrongSelf(_))
        ));
        assert_eq!(c.sentence("I'm the baker, love."), Ok(()));
    }

    #[test]
    fn facts_leaks_length_and_repeats() {
        let l = lex();
        let required = vec!["lantern".to_string(), "town hall|hall".to_string()];
        let withheld = vec![(1, vec!["charcoal".to_string()])];
        let previous = vec!["Fresh bread today, love, come and try it.".to_string()];
        let c = Checks {
            required: Some(&required),
            withheld: &withheld,
            previous: &previous,
            ..with(&l, &[])
        };
        assert_eq!(c.reply("I saw a lantern by the hall at night."), Ok(()));
        assert_eq!(
            c.reply("I saw a light somewhere."),
            Err(Rejection::MissingFact)
        );
        assert_eq!(
            c.reply("A lantern at the hall, and Odo bought charcoal."),
            Err(Rejection::Leak(1))
        );
        assert_eq!(c.sentence("Odo bought charcoal."), Err(Rejection::Leak(1)));
        let c = Checks {
            required: None,
            ..c
        };
        assert_eq!(
            c.reply("Fresh bread today, love, come and try it!"),
            Err(Rejection::Repeated)
        );
        assert_eq!(c.reply(&"bread ".repeat(80)), Err(Rejection::TooLong));
    }
}
