//! What a line's words alone say, before any knowledge is looked up: the intent its cue words give
//! (checked in a fixed order, so that manipulation and off-role requests are caught first), the
//! social intent of a line about no entry, and whether it asks for something.

use super::cues::*;
use crate::decide::keys;
use crate::decide::talk::{Ask, Intent};

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

/// True when the line reports what another villager (not `speaker`) said or saw: "Greta told me
/// she saw a lantern", the player citing a clue.
pub(crate) fn cites(line: &str, villagers: &[String], speaker: &str) -> bool {
    let lower = simplify(line);
    let words: Vec<&str> = lower.split(' ').collect();
    villagers.iter().filter(|v| v.as_str() != speaker).any(|v| {
        let v = v.to_lowercase();
        words.windows(3).any(|w| {
            w[0] == v && ["told", "said", "says", "saw", "mentioned", "found"].contains(&w[1])
        })
    })
}

/// The intent cue words give, before retrieval is looked at.
pub(crate) fn cue_intent(line: &str) -> Option<Intent> {
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

/// True when the line asks what the listener saw, heard or knows ("did you see anything that
/// night?", "do you know who built the bridge?", "can you tell me how to sail?"): a question to
/// answer from what it knows, never small talk to make up a story for.
pub(super) fn asks_for_testimony(line: &str) -> bool {
    let s = simplify(line);
    let padded = format!(" {} ", s.replace('?', " "));
    if ASKS_TO_KNOW
        .iter()
        .any(|p| padded.contains(&format!(" {p} ")))
    {
        return true;
    }
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
pub(crate) fn is_asking(line: &str) -> bool {
    let s = simplify(line);
    s.contains('?') || any_phrase(&s, ASKING).is_some()
}

/// What a follow-up asks about what was just said ("who was it?", "where exactly?", "are you
/// sure?"): a short question that refers back (it, that, he...) or is only a few words long.
pub(crate) fn follow_up(line: &str) -> Option<Ask> {
    let s = simplify(line);
    let n = s
        .split(' ')
        .filter(|w| !w.trim_matches('?').is_empty())
        .count();
    if n == 0 || n > 9 || !is_asking(line) {
        return None;
    }
    let ask = asked(line)?;
    let refers = any_phrase(&s, BACK_REFERENCES).is_some();
    let short = n <= 3 && !addresses_listener(line);
    (refers || short || ask == Ask::Sure).then_some(ask)
}

/// What a short question asks when it asks who, where, when, why or how (at most six words, not
/// about the listener itself): read as a follow-up when it is about nothing else the villager
/// knows. "What" and "are you sure" are left out: "what happened?" asks the fact again.
pub(crate) fn short_wh(line: &str) -> Option<Ask> {
    let n = keys::words(line).len();
    if n == 0 || n > 6 || !is_asking(line) || addresses_listener(line) {
        return None;
    }
    asked(line).filter(|a| !matches!(a, Ask::What | Ask::Sure))
}

/// What a question asks by its first cue word ("where is the key kept?" asks where).
pub(crate) fn asked(line: &str) -> Option<Ask> {
    let s = simplify(line);
    FOLLOW_UP
        .iter()
        .find(|(cue, _)| any_phrase(&s, &[cue]).is_some())
        .map(|(_, a)| *a)
}

/// True when the line asks for more of what the villager knows ("anything else?").
pub(crate) fn asks_more(line: &str) -> bool {
    any_phrase(&simplify(line), MORE).is_some()
}

/// True when the line asks whom else to ask ("who else would know?").
pub(crate) fn asks_lead(line: &str) -> bool {
    let s = simplify(line);
    any_phrase(&s, ASK_LEAD).is_some()
        || (any_phrase(&s, ELSE_PERSON).is_some() && any_phrase(&s, LEAD_VERBS).is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn follow_ups_ask_about_what_was_just_said() {
        for (line, want) in [
            ("Who was it?", Some(Ask::Who)),
            ("Where exactly was that?", Some(Ask::Where)),
            ("What time was that?", Some(Ask::When)),
            ("when?", Some(Ask::When)),
            ("Are you sure?", Some(Ask::Sure)),
            ("Why would he do that?", Some(Ask::Why)),
            ("Was it him?", Some(Ask::Sure)),
            ("How are you?", None),
            ("What do you sell?", None),
            ("Sorry, what did I say my name was?", None),
            (
                "Did you see anything strange the night the bell vanished?",
                None,
            ),
        ] {
            assert_eq!(follow_up(line), want, "{line}");
        }
        assert!(asks_more(
            "Is there anything else you know that could help me?"
        ));
        assert!(asks_more("tell me more"));
        assert!(!asks_more("Did you see anything strange?"));
        assert!(asks_lead("Who else would know about it?"));
        assert!(!asks_lead("Who was it?"));
        assert!(asks_lead("Anyone else I could ask?"));
        assert!(!asks_lead("Who else keeps one?"));
        assert_eq!(follow_up("Who else keeps one?"), Some(Ask::Who));
        assert_eq!(follow_up("Which path?"), Some(Ask::Where));
        assert_eq!(follow_up("How close, exactly?"), Some(Ask::Where));
        assert_eq!(follow_up("Can anyone vouch for that?"), Some(Ask::Who));
        assert_eq!(short_wh("Taken from where, exactly?"), Some(Ask::Where));
        assert_eq!(short_wh("Where do you live?"), None);
        assert_eq!(short_wh("What happened?"), None);
    }

    #[test]
    fn a_line_that_reports_another_villager_cites_a_clue() {
        let village = ["Greta".to_string(), "Bram".to_string()];
        assert!(cites(
            "Greta told me this: I saw a lantern.",
            &village,
            "Bram"
        ));
        assert!(cites("greta saw a light by the hall", &village, "Bram"));
        // Its own name, or a name alone, is no citation.
        assert!(!cites("Greta told me to ask you.", &village, "Greta"));
        assert!(!cites("Have you seen Greta today?", &village, "Bram"));
    }
}
