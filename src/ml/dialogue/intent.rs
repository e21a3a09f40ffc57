//! What a line's words alone say, before any knowledge is looked up: the intent its cue words give
//! (checked in a fixed order, so that manipulation and off-role requests are caught first), the
//! social intent of a line about no entry, and whether it asks for something.

use super::cues::*;
use crate::decide::talk::Intent;

pub(super) fn any_phrase(lower: &str, phrases: &[&str]) -> Option<String> {
    let padded = format!(" {} ", lower);
    phrases
        .iter()
        .find(|p| {
            let p = p.trim();
            padded.contains(&format!(" {p} "))
                || padded.contains(&format!(" {p}?"))
                || padded.contains(&format!(" {p}!"))
                || padded.contains(&format!(" {p},"))
                || padded.contains(&format!(" {p}."))
        })
        .map(|p| p.to_string())
}

/// Lowercase, apostrophes straightened, every non-letter but `'` and `?` made a space.
pub(super) fn simplify(line: &str) -> String {
    let s: String = line
        .to_lowercase()
        .replace('’', "'")
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '\'' || c == '?' || c == '<' || c == '|' {
                c
            } else {
                ' '
            }
        })
        .collect();
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The intent cue words give, before retrieval is looked at.
pub fn cue_intent(line: &str) -> Option<Intent> {
    let letters = line.chars().filter(|c| c.is_alphabetic()).count();
    let latin = line
        .chars()
        .filter(|c| c.is_alphabetic() && (c.is_ascii() || ('\u{00C0}'..='\u{024F}').contains(c)))
        .count();
    if letters < 2 || latin * 2 < letters {
        return Some(Intent::Nonsense);
    }
    let s = simplify(line);
    if line.contains("<|") || any_phrase(&s, MANIPULATION).is_some() {
        return Some(Intent::Manipulation);
    }
    if any_phrase(&s, OFF_ROLE).is_some() || has_sum(line) {
        return Some(Intent::OffRole);
    }
    if any_phrase(&s, INSULT).is_some() {
        return Some(Intent::Insult);
    }
    if any_phrase(&s, ACCUSE).is_some() {
        return Some(Intent::Accusation);
    }
    None
}

/// Numbers joined by an operator ("37*12", "2 + 2", "6 times 7").
fn has_sum(line: &str) -> bool {
    let compact: String = line.chars().filter(|c| !c.is_whitespace()).collect();
    let b = compact.as_bytes();
    let symbol = b
        .windows(3)
        .any(|w| w[0].is_ascii_digit() && b"+-*/x^=".contains(&w[1]) && w[2].is_ascii_digit());
    let words: Vec<&str> = line.split_whitespace().collect();
    let number = |w: &str| {
        w.trim_matches(|c: char| !c.is_alphanumeric())
            .parse::<f64>()
            .is_ok()
    };
    let spoken = words.windows(3).any(|w| {
        number(w[0])
            && ["times", "plus", "minus", "divided", "multiplied", "over"].contains(&w[1])
            && (number(w[2]) || w[2] == "by")
    });
    symbol || spoken
}

/// The social intent of a line that is about no entry.
pub(super) fn social_intent(line: &str) -> Intent {
    let s = simplify(line);
    let asked = s.contains('?') || ASKING.iter().any(|w| s.starts_with(&format!("{w} ")));
    // Asked about its work, the villager talks about it; told its work is wonderful, it is praised.
    let (about, praise) = ((ABOUT_SELF, Intent::AboutSelf), (PRAISE, Intent::Praise));
    let (second, third) = if asked {
        (about, praise)
    } else {
        (praise, about)
    };
    let first = [
        (THANKS, Intent::Thanks),
        (APOLOGY, Intent::Apology),
        second,
        third,
        (FAREWELL, Intent::Farewell),
        (GREETING, Intent::Greeting),
    ];
    for (cues, intent) in first {
        if any_phrase(&s, cues).is_some() {
            return intent;
        }
    }
    if asked {
        Intent::Question
    } else {
        Intent::SmallTalk
    }
}

/// True when the line speaks to or about the listener ("you", "your").
pub(super) fn addresses_listener(line: &str) -> bool {
    let s = simplify(line);
    s.split(' ').any(|w| {
        matches!(
            w.trim_matches('?'),
            "you" | "your" | "yours" | "yourself" | "u" | "ya"
        )
    })
}

/// True when the line asks what the listener saw or heard ("did you see anything that night?"):
/// a question to answer from what it knows, never small talk to make up a story for.
pub(super) fn asks_for_testimony(line: &str) -> bool {
    let s = simplify(line);
    s.split(' ').any(|w| {
        matches!(
            w.trim_matches('?'),
            "see"
                | "saw"
                | "seen"
                | "hear"
                | "heard"
                | "notice"
                | "noticed"
                | "spot"
                | "spotted"
                | "witness"
                | "witnessed"
        )
    })
}

/// True when the line is shaped like a question or a request for information.
pub fn is_asking(line: &str) -> bool {
    let s = simplify(line);
    s.contains('?') || any_phrase(&s, ASKING).is_some()
}
