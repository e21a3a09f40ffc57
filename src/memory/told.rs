//! What a player tells a villager about themselves, turned into memories the villager can say
//! back: "My name is Tom" → "You told me your name is Tom." (key "Tom"), "I like apples" → "You
//! told me you like apples." (key "apples"). Only plain statements that start with "my" or "I"
//! count; questions, and sentences about anyone else, do not. Pure text.

use crate::decide::keys;

/// A statement about the player, in the villager's voice.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Told {
    /// "You told me your name is Tom."
    pub text: String,
    /// Content the villager must say to recall it ("tom").
    pub keys: Vec<String>,
    /// How the player may ask about it ("my name").
    pub topics: Vec<String>,
}

/// Verbs after "I" that make a statement worth keeping, and the same verb said of "you".
const I_VERBS: &[(&str, &str)] = &[
    ("am", "are"),
    ("'m", "'re"),
    ("was", "were"),
    ("like", "like"),
    ("love", "love"),
    ("hate", "hate"),
    ("live", "live"),
    ("come", "come"),
    ("work", "work"),
    ("have", "have"),
    ("need", "need"),
    ("want", "want"),
    ("lost", "lost"),
    ("found", "found"),
    ("saw", "saw"),
];

/// Words that make "I am X" a passing state, not something to remember ("I'm tired").
const PASSING: &[&str] = &[
    "sorry", "fine", "good", "well", "ok", "okay", "here", "back", "tired", "hungry", "sure",
    "glad", "happy", "sad", "just", "not", "going", "looking", "trying", "asking", "so", "very",
    "afraid", "listening", "leaving",
];

/// Every statement about the player in `line`.
pub fn from_line(line: &str) -> Vec<Told> {
    line.split(['.', '!', ';', '\n'])
        .filter_map(|s| from_sentence(s.trim()))
        .collect()
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
    let (topic, rest_at) = if first == "my" {
        // "my name is Tom": the subject runs to the verb.
        let verb = lower
            .iter()
            .position(|w| matches!(w.as_str(), "is" | "are" | "was" | "were" | "'s"))
            .or_else(|| lower.iter().position(|w| w.ends_with("'s")).map(|i| i + 1))?;
        if verb < 2 {
            return None;
        }
        (lower[..verb].join(" ").trim_end_matches("'s").to_string(), verb)
    } else {
        let (subject_verb, next) = if first == "i'm" {
            ("'m", 1)
        } else {
            (lower.get(1).map(String::as_str)?, 2)
        };
        let is_verb = I_VERBS.iter().any(|(v, _)| *v == subject_verb);
        if !is_verb || lower.get(next).is_some_and(|w| PASSING.contains(&w.as_str())) {
            return None;
        }
        // "I am called Tom", "I'm Tom" are names.
        let names = matches!(subject_verb, "am" | "'m")
            && (lower.get(next).is_some_and(|w| w == "called")
                || words.len() == next + 1
                    && words[next].chars().next().is_some_and(char::is_uppercase));
        let topic = if names {
            "my name".to_string()
        } else {
            format!("what I {}", if subject_verb == "'m" { "am" } else { subject_verb })
        };
        (topic, next)
    };
    let told_words: Vec<String> = words.iter().map(|w| swap(w)).collect();
    let told = told_words.join(" ");
    let told = told.trim_end_matches([',', ':']).to_string();
    let keys: Vec<String> = keys::derive(&words[rest_at..].join(" "));
    if keys.is_empty() {
        return None;
    }
    Some(Told {
        text: format!("You told me {told}."),
        keys,
        topics: vec![topic, "what I said about myself".into()],
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
    fn likes_and_homes_are_kept_in_the_second_person() {
        let t = from_line("I like apples and I live in Dunmore!");
        assert_eq!(t[0].text, "You told me you like apples and you live in Dunmore.");
        assert!(t[0].keys.contains(&"dunmore".to_string()));
        let t = from_line("My favourite colour is deep blue");
        assert_eq!(t[0].text, "You told me your favourite colour is deep blue.");
        assert_eq!(t[0].topics[0], "my favourite colour");
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
