//! The proper nouns a villager may say: every name in the game's world (cast, places, mystery,
//! knowledge) plus a few words that are capitalised without naming anyone (days, titles). A
//! capitalised word outside it is an invented name, unless it only opens a sentence and is an
//! ordinary word there ("Well, ...").

use std::collections::HashSet;
use std::sync::Arc;

/// Capitalised words that name nothing in particular.
const GENERIC: &[&str] = &[
    "i",
    "i'm",
    "i've",
    "i'll",
    "i'd",
    "millbrook",
    "god",
    "gods",
    "lord",
    "lady",
    "sir",
    "madam",
    "mister",
    "mistress",
    "master",
    "mr",
    "mrs",
    "miss",
    "mayor",
    "father",
    "mother",
    "brother",
    "sister",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
    "spring",
    "summer",
    "autumn",
    "winter",
    "heaven",
    "heavens",
    "oh",
    "ah",
    "aye",
    "nay",
    "hmm",
    "hmph",
    "ha",
    "hah",
    "eh",
    "ooh",
    "well",
    "yes",
    "no",
];

/// Allowed proper nouns, lowercase, and ordinary words that may open a sentence capitalised.
#[derive(Clone, Debug, Default)]
pub(crate) struct Lexicon {
    names: HashSet<String>,
    common: Arc<HashSet<String>>,
}

fn parts(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !(c.is_alphanumeric() || c == '\''))
        .filter(|w| !w.is_empty())
        .map(|w| w.to_lowercase())
}

impl Lexicon {
    /// A lexicon from the world's names (any text: every word of it counts) and a list of ordinary
    /// lowercase words (the dialogue model's vocabulary supplies one).
    #[cfg(test)]
    pub(crate) fn new<'a>(
        world: impl IntoIterator<Item = &'a str>,
        common: impl IntoIterator<Item = String>,
    ) -> Self {
        Self::with_common(world, Arc::new(common.into_iter().collect()))
    }

    /// As [`Lexicon::new`], sharing an already built set of ordinary words.
    pub(crate) fn with_common<'a>(
        world: impl IntoIterator<Item = &'a str>,
        common: Arc<HashSet<String>>,
    ) -> Self {
        let mut names: HashSet<String> = GENERIC.iter().map(|s| s.to_string()).collect();
        for text in world {
            names.extend(parts(&text.replace('_', " ")));
        }
        Lexicon { names, common }
    }

    /// True when `word` (any case) is a name of the world or a generic capitalised word.
    pub(crate) fn is_name(&self, word: &str) -> bool {
        let w = word.to_lowercase();
        let w = w.trim_end_matches("'s").trim_end_matches('\'');
        self.names.contains(w)
    }

    /// The first capitalised word of `text` that names nothing in the world: mid-sentence any
    /// capitalised word not in the lexicon; at a sentence start, one that is not an ordinary word
    /// either.
    pub(crate) fn unknown_name(&self, text: &str) -> Option<String> {
        let mut sentence_start = true;
        for raw in text.split_whitespace() {
            let word: String = raw
                .trim_matches(|c: char| !(c.is_alphanumeric() || c == '\''))
                .to_string();
            let opens = sentence_start;
            sentence_start = raw.ends_with(['.', '!', '?', '…', ':', '"', '“']);
            let Some(first) = word.chars().next() else {
                continue;
            };
            if !first.is_uppercase() || self.is_name(&word) {
                continue;
            }
            let lower = word.to_lowercase().replace('’', "'");
            let stem = lower.split('\'').next().unwrap_or("");
            if opens && (self.common.contains(stem) || self.common.is_empty()) {
                continue;
            }
            return Some(word);
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lex() -> Lexicon {
        Lexicon::new(
            [
                "Greta",
                "Odo the miller",
                "town_hall",
                "I saw a lantern near the Town Hall.",
            ],
            ["well", "the", "oh", "a", "traveller"].map(String::from),
        )
    }

    #[test]
    fn world_names_pass_invented_ones_do_not() {
        let l = lex();
        assert_eq!(
            l.unknown_name("Well, Odo was at the Town Hall, love."),
            None
        );
        assert_eq!(l.unknown_name("I told Greta on Sunday."), None);
        assert_eq!(
            l.unknown_name("A traveller named Grimbold Ironfist asked."),
            Some("Grimbold".into())
        );
        assert_eq!(l.unknown_name("Ask Hans."), Some("Ask".into()));
        assert_eq!(l.unknown_name("Odo's cart."), None);
        assert_eq!(l.unknown_name("The miller. Traveller, go."), None);
    }
}
