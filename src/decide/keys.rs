//! Key content of a knowledge entry: groups of words that must all appear for a reply to count as
//! stating it ("lantern", "town hall|hall", "midnight|night"). Written per entry in RON (`keys`) or
//! derived from the entry's text. Pure text functions.

/// Words that carry no content of their own.
const STOP: &[&str] = &[
    "a",
    "an",
    "the",
    "and",
    "or",
    "but",
    "of",
    "to",
    "in",
    "on",
    "at",
    "by",
    "for",
    "from",
    "with",
    "as",
    "is",
    "was",
    "were",
    "be",
    "been",
    "am",
    "are",
    "it",
    "its",
    "it's",
    "this",
    "that",
    "these",
    "those",
    "i",
    "me",
    "my",
    "you",
    "your",
    "he",
    "she",
    "his",
    "him",
    "her",
    "we",
    "our",
    "they",
    "them",
    "their",
    "who",
    "what",
    "when",
    "where",
    "how",
    "why",
    "which",
    "there",
    "here",
    "not",
    "no",
    "did",
    "do",
    "does",
    "had",
    "has",
    "have",
    "than",
    "then",
    "so",
    "very",
    "some",
    "someone",
    "something",
    "all",
    "any",
    "one",
    "great",
    "deal",
    "came",
    "come",
    "went",
    "got",
    "get",
    "asked",
    "ask",
    "saw",
    "see",
    "seen",
    "found",
    "find",
    "last",
    "week",
    "ago",
    "two",
    "days",
    "day",
    "time",
    "first",
    "year",
    "must",
    "well",
    "also",
    "after",
    "before",
    "near",
    "behind",
    "into",
    "out",
    "up",
    "down",
    "over",
    "about",
    "without",
    "word",
    "still",
];

/// Lowercase words of `text` (letters, digits and inner apostrophes).
pub(crate) fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '\'' || c == '’'))
        .map(|w| w.trim_matches(|c| c == '\'' || c == '’').to_lowercase())
        .filter(|w| !w.is_empty())
        .collect()
}

/// True when `word` counts as a content word (not a stop word, at least 3 letters).
pub(crate) fn is_content(word: &str) -> bool {
    word.chars().count() >= 3 && !STOP.contains(&word)
}

/// True when `alt` (one or more words) appears in `text_words` in order; each word of `alt` may
/// be followed by a plural or verb ending ("lantern" matches "lanterns", "melt" matches "melting").
fn has_phrase(text_words: &[String], alt: &str) -> bool {
    let alt: Vec<String> = words(alt);
    if alt.is_empty() {
        return false;
    }
    text_words.windows(alt.len()).any(|w| {
        w.iter().zip(&alt).all(|(t, a)| {
            t == a
                || (t.starts_with(a.as_str())
                    && t.len() <= a.len() + 3
                    && ["s", "es", "ed", "ing", "'s", "d"].contains(&&t[a.len()..]))
        })
    })
}

/// One group of alternatives ("town hall|hall"): present when any alternative is.
pub(crate) fn group_present(text_words: &[String], group: &str) -> bool {
    group
        .split('|')
        .any(|alt| has_phrase(text_words, alt.trim()))
}

/// True when every group is present in `text`.
pub(crate) fn all_present(text: &str, groups: &[String]) -> bool {
    let w = words(text);
    !groups.is_empty() && groups.iter().all(|g| group_present(&w, g))
}

/// How many of the groups are present in `text`.
pub(crate) fn count_present(text: &str, groups: &[String]) -> usize {
    let w = words(text);
    groups.iter().filter(|g| group_present(&w, g)).count()
}

/// Key groups derived from a fact's text when its RON entry gives none: its content words, at
/// most four, longest first (so "I found bronze shavings on the path behind the mill" needs
/// "shavings", "bronze", "path" and "mill").
pub fn derive(text: &str) -> Vec<String> {
    let mut w: Vec<String> = words(text).into_iter().filter(|w| is_content(w)).collect();
    w.dedup();
    let mut seen = Vec::new();
    for word in w {
        if !seen.contains(&word) {
            seen.push(word);
        }
    }
    seen.sort_by_key(|w| std::cmp::Reverse(w.len()));
    seen.truncate(4);
    seen
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_match_words_and_their_endings_not_other_words() {
        let keys = vec!["lantern".to_string(), "town hall|hall".to_string()];
        assert!(all_present("Lanterns were moving by the Town Hall!", &keys));
        assert!(all_present("a lantern near the hall", &keys));
        assert!(!all_present("a lantern near the mill", &keys));
        assert!(!all_present("the hallway lantern", &keys));
        assert!(group_present(&words("she was melting it"), "melt"));
        assert!(!all_present("anything", &[]));
        assert_eq!(count_present("the hall", &keys), 1);
    }

    #[test]
    fn derived_keys_are_content_words() {
        let k = derive("I found bronze shavings on the path behind the mill.");
        assert_eq!(k, ["shavings", "bronze", "path", "mill"]);
        assert!(k.contains(&"bronze".to_string()));
        assert!(!k.contains(&"the".to_string()));
    }
}
