//! What a player tells a villager about themselves, turned into memories the villager can say
//! back: "My name is Tom" → "You told me your name is Tom." (key "Tom"), "I like apples" → "You
//! told me you like apples." (key "apples"). Only plain statements that start with "my" or "I"
//! count; questions, and sentences about anyone else, do not. Pure text.

use crate::decide::keys;

/// A statement about the player, in the villager's voice.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Told {
    /// "You told me your name is Tom."
    pub(crate) text: String,
    /// Content the villager must say to recall it ("tom").
    pub(crate) keys: Vec<String>,
    /// How the player may ask about it ("my name").
    pub(crate) topics: Vec<String>,
}

/// Verbs after "I" that make a statement worth keeping, and how a player may ask about it.
const I_VERBS: &[(&str, &[&str])] = &[
    ("am", &["who I am", "my trade"]),
    ("'m", &["who I am", "my trade"]),
    ("was", &["who I was"]),
    ("like", &["what I like"]),
    ("love", &["what I love"]),
    ("hate", &["what I hate"]),
    ("live", &["where I live", "my home"]),
    ("come", &["where I come from", "my home"]),
    ("work", &["my work", "my trade", "my job"]),
    ("have", &["what I have"]),
    ("need", &["what I need"]),
    ("want", &["what I want"]),
    ("lost", &["what I lost"]),
    ("found", &["what I found"]),
    ("saw", &["what I saw"]),
];

/// Words that make "I am X" a passing state, not something to remember ("I'm tired").
const PASSING: &[&str] = &[
    "sorry",
    "fine",
    "good",
    "well",
    "ok",
    "okay",
    "here",
    "back",
    "tired",
    "hungry",
    "sure",
    "glad",
    "happy",
    "sad",
    "just",
    "not",
    "going",
    "looking",
    "trying",
    "asking",
    "so",
    "very",
    "afraid",
    "listening",
    "leaving",
];

/// Every statement about the player in `line`.
pub(crate) fn from_line(line: &str) -> Vec<Told> {
    line.split(['.', '!', ';', '\n'])
        .filter_map(|s| from_sentence(s.trim()))
        .collect()
}

/// The name the player gives in `line` ("Good day, I'm Tom." → "Tom"), as written.
pub(crate) fn name_in(line: &str) -> Option<String> {
    let told = from_line(line);
    let key = told
        .iter()
        .find(|t| t.topics.first().is_some_and(|t| t == "my name"))?
        .keys
        .first()?
        .clone();
    line.split(|c: char| !c.is_alphanumeric() && c != '\'')
        .find(|w| w.to_lowercase() == key)
        .map(str::to_string)
}

/// The player's own words, each swapped to the second person, kept as written otherwise.
fn swap(word: &str) -> String {
    let lower = word.to_lowercase();
    let swapped = match lower.as_str() {
        "i" => "you",
        "me" => "you",
        "my" => "your",
        "mine" => "yours",
        "myself" => "yourself",
        "am" => "are",
        "i'm" | "i’m" => "you're",
        "i've" | "i’ve" => "you've",
        "i'll" | "i’ll" => "you'll",
        "i'd" | "i’d" => "you'd",
        _ => return word.to_string(),
    };
    swapped.to_string()
}

/// What a reply must say to recall a statement: the names in it (words written capitalised), or
/// else the first two content words of what follows the verb ("a blue scarf near the river" →
/// "blue", "scarf"): more would let the small model invent the rest to fit.
fn key_words(rest: &[&str]) -> Vec<String> {
    let clean = |w: &&str| {
        w.trim_matches(|c: char| !c.is_alphanumeric() && c != '\'')
            .to_string()
    };
    let names: Vec<String> = rest
        .iter()
        .map(clean)
        .filter(|w| w.chars().next().is_some_and(char::is_uppercase) && w.len() >= 2)
        .map(|w| w.to_lowercase())
        .collect();
    if !names.is_empty() {
        return names;
    }
    rest.iter()
        .map(clean)
        .map(|w| w.to_lowercase())
        .filter(|w| keys::is_content(w) && !matches!(w.as_str(), "called" | "named"))
        .take(2)
        .collect()
}

fn from_sentence(sentence: &str) -> Option<Told> {
    if sentence.is_empty() || sentence.contains('?') {
        return None;
    }
    // Drop a greeting or a name said before the statement ("Hello Greta, my name is Tom").
    let start = sentence
        .split_whitespace()
        .position(|w| {
            let w = w.to_lowercase();
            w == "my" || w == "i" || w.starts_with("i'") || w.starts_with("i’")
        })
        .filter(|&i| i <= 2)?;
    let words: Vec<&str> = sentence.split_whitespace().skip(start).collect();
    if words.len() < 2 || words.len() > 20 {
        return None;
    }
    let lower: Vec<String> = words
        .iter()
        .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric() && c != '\'' && c != '’'))
        .map(str::to_lowercase)
        .collect();
    let first = lower[0].replace('’', "'");
    let (mut topics, rest_at) = if first == "my" {
        // "my name is Tom": the subject runs to the verb.
        let verb = lower
            .iter()
            .position(|w| matches!(w.as_str(), "is" | "are" | "was" | "were" | "'s"))
            .or_else(|| lower.iter().position(|w| w.ends_with("'s")).map(|i| i + 1))?;
        if verb < 2 {
            return None;
        }
        (
            vec![lower[..verb].join(" ").trim_end_matches("'s").to_string()],
            verb,
        )
    } else {
        let (subject_verb, next) = if first == "i'm" {
            ("'m", 1)
        } else {
            (lower.get(1).map(String::as_str)?, 2)
        };
        let (_, asked) = I_VERBS.iter().find(|(v, _)| *v == subject_verb)?;
        if lower
            .get(next)
            .is_some_and(|w| PASSING.contains(&w.as_str()))
        {
            return None;
        }
        // "I am called Tom", "I'm Tom" are names.
        let names = matches!(subject_verb, "am" | "'m")
            && (lower.get(next).is_some_and(|w| w == "called")
                || words.len() == next + 1
                    && words[next].chars().next().is_some_and(char::is_uppercase));
        let topics: Vec<String> = if names {
            vec!["my name".into(), "who I am".into()]
        } else {
            asked.iter().map(|t| t.to_string()).collect()
        };
        (topics, next)
    };
    let told_words: Vec<String> = words.iter().map(|w| swap(w)).collect();
    let told = told_words.join(" ");
    let told = told.trim_end_matches([',', ':']).to_string();
    let keys = key_words(&words[rest_at..]);
    if keys.is_empty() {
        return None;
    }
    topics.push("what I said about myself".into());
    Some(Told {
        text: format!("You told me {told}."),
        keys,
        topics,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_becomes_a_memory_with_the_name_as_key() {
        let t = from_line("Hello Greta, my name is Tom.");
        assert_eq!(t.len(), 1, "{t:?}");
        assert_eq!(t[0].text, "You told me your name is Tom.");
        assert_eq!(t[0].keys, ["tom"]);
        assert_eq!(t[0].topics[0], "my name");
        let t = from_line("I'm Tom");
        assert_eq!(t[0].text, "You told me you're Tom.");
        assert_eq!(t[0].topics[0], "my name");
    }

    #[test]
    fn the_name_a_player_gives_is_found_as_written() {
        assert_eq!(
            name_in("Good day! My name is Corwin.").as_deref(),
            Some("Corwin")
        );
        assert_eq!(name_in("hello, I'm Ada").as_deref(), Some("Ada"));
        assert_eq!(name_in("I am called Bertram").as_deref(), Some("Bertram"));
        assert_eq!(name_in("I like apples"), None);
        assert_eq!(name_in("What is my name?"), None);
    }

    #[test]
    fn likes_and_homes_are_kept_in_the_second_person() {
        let t = from_line("I like apples and I live in Dunmore!");
        assert_eq!(
            t[0].text,
            "You told me you like apples and you live in Dunmore."
        );
        assert_eq!(t[0].keys, ["dunmore"]);
        let t = from_line("My favourite colour is deep blue");
        assert_eq!(t[0].text, "You told me your favourite colour is deep blue.");
        assert_eq!(t[0].topics[0], "my favourite colour");
        assert_eq!(t[0].keys, ["deep", "blue"]);
        let t = from_line("I lost my blue scarf near the river");
        assert_eq!(t[0].keys, ["blue", "scarf"]);
    }

    #[test]
    fn questions_passing_states_and_other_people_are_not_kept() {
        assert!(from_line("What is my name?").is_empty());
        assert!(from_line("I'm sorry about that").is_empty());
        assert!(from_line("I am tired").is_empty());
        assert!(from_line("Greta sells bread").is_empty());
        assert!(from_line("Did you see the bell, I wonder").is_empty());
        assert!(from_line("").is_empty());
    }
}
