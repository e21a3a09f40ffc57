//! Checks that keep a conversation honest beyond names: a reply that states no fact brings up
//! nothing tied to the mystery (no invented lantern, cart or bell); a reply that states a fact
//! keeps its meaning (who did it, whether it happened, when) even when every key word is there;
//! and no reply quotes the player's own words back to them. Pure text functions.

use super::cues::{NEGATIONS, PERSONS, TIMES};
use super::intent::any_phrase;
use crate::decide::keys;

/// Verbs after "I" that say something about the telling, not about the event ("I think", "as I
/// said"): a fact that has no "I" in it may still be told with them.
const TELLING: &[&str] = &[
    "said", "say", "told", "tell", "think", "know", "believe", "guess", "mean", "remember", "am",
    "'m", "can", "can't", "cannot", "could", "couldn't", "would", "wouldn't", "don't", "do",
    "swear", "hope", "reckon", "wish", "suppose", "must", "only", "just", "really", "promise",
    "doubt", "fear", "tell'", "heard", "forget", "won't", "will", "shall", "may", "might",
    "wonder",
];

fn words(text: &str) -> Vec<String> {
    keys::words(&text.replace('’', "'"))
}

/// How many negations `text` has ("not", "never", "didn't"...).
/// True when `text` has every word of `fact` in a row: the fact recited as written.
pub(crate) fn recites(text: &str, fact: &str) -> bool {
    let f = words(fact);
    let t = words(text);
    !f.is_empty() && t.windows(f.len()).any(|w| w == f.as_slice())
}

pub(crate) fn negations(text: &str) -> usize {
    let mut n = 0;
    for w in words(text) {
        if NEGATIONS.contains(&w.as_str()) || w.ends_with("n't") {
            n += 1;
        }
    }
    n
}

/// The first word of `forbidden` (mystery words the plan did not carry) that `sentence` brings
/// up. A sentence that denies ("I know nothing of any bell") may name what the player asked
/// about (`heard`).
pub(crate) fn invented_event(sentence: &str, forbidden: &[String], heard: &str) -> Option<String> {
    let said = words(sentence);
    let heard = words(heard);
    let denies = negations(sentence) > 0;
    forbidden
        .iter()
        .find(|f| keys::group_present(&said, f) && !(denies && keys::group_present(&heard, f)))
        .cloned()
}

/// Why `reply` does not mean what `fact` means, if it does not: a person, time or name the fact
/// does not have, a "someone" lost, the villager made the actor, or a "not" added or dropped.
/// `names` are the world's villagers; `speaker` is the villager talking.
pub(crate) fn changed_meaning(
    fact: &str,
    reply: &str,
    names: &[String],
    speaker: &str,
) -> Option<String> {
    let f = words(fact);
    let r = words(reply);
    let has = |ws: &[String], w: &str| ws.iter().any(|x| x == w);
    for p in PERSONS {
        if has(&r, p) && !has(&f, p) {
            return Some(format!("adds {p:?}"));
        }
    }
    for t in TIMES {
        if has(&r, t) && !has(&f, t) {
            return Some(format!("adds the time {t:?}"));
        }
    }
    for n in names {
        let n = n.to_lowercase();
        if n != speaker.to_lowercase() && has(&r, &n) && !has(&f, &n) {
            return Some(format!("names {n:?}"));
        }
    }
    let someone = ["someone", "somebody", "nobody", "anyone"];
    if someone.iter().any(|w| has(&f, w)) && !someone.iter().any(|w| has(&r, w)) {
        return Some("loses who did it (\"someone\")".into());
    }
    let fact_says_i = has(&f, "i") || has(&f, "i'm");
    if !fact_says_i {
        let made_actor = r
            .windows(2)
            .find(|w| w[0] == "i" && !TELLING.contains(&w[1].as_str()));
        if let Some(w) = made_actor {
            return Some(format!("makes the villager the actor (\"i {}\")", w[1]));
        }
    }
    let (nf, nr) = (negations(fact), negations(reply));
    if (nf == 0) != (nr == 0) {
        return Some(
            if nf == 0 {
                "adds a \"not\""
            } else {
                "drops the \"not\""
            }
            .into(),
        );
    }
    None
}

/// As [`changed_meaning`], judged on the sentence of `reply` that carries all of `groups` (the
/// fact's key content), or on those that carry part of it: what a reply adds after the fact is
/// not the fact.
pub(crate) fn changed_meaning_of(
    fact: &str,
    groups: &[String],
    reply: &str,
    names: &[String],
    speaker: &str,
) -> Option<String> {
    // The sentence that says the whole fact; else every sentence that says part of it.
    let sentences = super::clean::split_sentences(reply);
    let whole: Vec<String> = sentences
        .iter()
        .filter(|s| keys::all_present(s, groups))
        .cloned()
        .collect();
    let carrying = if whole.is_empty() {
        sentences
            .into_iter()
            .filter(|s| keys::count_present(s, groups) > 0)
            .collect()
    } else {
        whole
    };
    if carrying.is_empty() {
        return None;
    }
    changed_meaning(fact, &carrying.join(" "), names, speaker)
}

/// Words in a row of a player's line that make a quotation of it.
const QUOTED_RUN: usize = 7;

/// True when `sentence` quotes one of the player's `lines` back: [`QUOTED_RUN`] words in a row of
/// a line (less any run that `allowed`, the fact being told, has too), or quotation marks around
/// words the player said.
pub(crate) fn echoes(sentence: &str, lines: &[String], allowed: &str) -> bool {
    let said = words(sentence);
    let allowed = words(allowed);
    let quoted = sentence.contains('"') || sentence.contains('“');
    let n = QUOTED_RUN;
    lines.iter().any(|line| {
        let heard = words(line);
        let run = heard
            .windows(n)
            .any(|w| said.windows(n).any(|s| s == w) && !allowed.windows(n).any(|a| a == w));
        let quotes =
            quoted && heard.len() >= 3 && heard.windows(3).any(|w| said.windows(3).any(|s| s == w));
        run || quotes
    })
}

/// True when `line` asks what the player told about themselves ("what's my name?").
pub(crate) fn asks_about_player(line: &str) -> bool {
    any_phrase(&super::intent::simplify(line), super::cues::ABOUT_PLAYER).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names() -> Vec<String> {
        ["Odo", "Bram", "Greta", "Sela"].map(String::from).to_vec()
    }

    #[test]
    fn a_fact_keeps_its_actor_its_negation_and_its_time() {
        let kiln = "My kiln was still warm at dawn because someone used it in the night.";
        let n = names();
        assert!(
            changed_meaning(
                kiln,
                "My kiln was still warm at dawn, and I used it in the night.",
                &n,
                "Sela"
            )
            .is_some(),
            "the villager made the actor and lost the someone"
        );
        assert_eq!(
            changed_meaning(
                kiln,
                "Someone used my kiln in the night; it was still warm at dawn.",
                &n,
                "Sela"
            ),
            None
        );
        let bronze = "It was Odo who asked about melting bronze.";
        assert!(
            changed_meaning(
                bronze,
                "It was Bram who asked about melting bronze.",
                &n,
                "Greta"
            )
            .is_some()
        );
        assert!(
            changed_meaning(
                bronze,
                "It was not Odo who asked about melting bronze.",
                &n,
                "Greta"
            )
            .is_some()
        );
        assert_eq!(
            changed_meaning(
                bronze,
                "As I said, it was Odo who asked about melting bronze.",
                &n,
                "Greta"
            ),
            None
        );
        let door = "I saw the tower door open when I fetched water at dawn.";
        assert!(
            changed_meaning(door, "I saw the tower door open at midnight.", &n, "Pip").is_some()
        );
        let lantern = "I saw a lantern moving near the town hall after midnight.";
        assert!(changed_meaning(lantern, "I saw a lantern moving near the town hall after midnight, and it was a little girl.", &n, "Greta").is_some());
        let chapel = "The chapel bell was rung at midnight by no one I saw.";
        assert!(
            changed_meaning(
                chapel,
                "The chapel bell was rung at midnight by Odo.",
                &n,
                "Mirelle"
            )
            .is_some()
        );
        assert_eq!(
            changed_meaning(
                chapel,
                "The chapel bell rang at midnight, and I saw no one ring it.",
                &n,
                "Mirelle"
            ),
            None
        );
    }

    #[test]
    fn small_talk_may_not_bring_up_the_mystery() {
        let forbidden = ["lantern", "bell", "cart"].map(String::from);
        assert_eq!(
            invented_event(
                "I did find a small stone from the bell.",
                &forbidden,
                "nice day"
            ),
            Some("bell".into())
        );
        assert_eq!(
            invented_event("Lovely day for baking.", &forbidden, "nice day"),
            None
        );
        // Denying what the player asked about is honest, not an invention.
        assert_eq!(
            invented_event(
                "I know nothing about any cart.",
                &forbidden,
                "what about the cart?"
            ),
            None
        );
        assert_eq!(
            invented_event(
                "The carts were loaded at dawn.",
                &forbidden,
                "what about the cart?"
            ),
            Some("cart".into())
        );
    }

    #[test]
    fn the_players_words_do_not_come_back() {
        let lines = ["thank you so much for the lovely bread".to_string()];
        assert!(echoes(
            "You were kind to me; you said \"thank you so much\".",
            &lines,
            ""
        ));
        assert!(echoes(
            "Thank you so much for the lovely bread, you say.",
            &lines,
            ""
        ));
        assert!(!echoes("You're most welcome, love.", &lines, ""));
        // A run the fact itself has is the fact, not an echo.
        let asked = ["did you see a lantern moving near the town hall".to_string()];
        let fact = "I saw a lantern moving near the town hall after midnight.";
        assert!(!echoes(fact, &asked, fact));
        assert!(asks_about_player("Sorry, what did I say my name was?"));
        assert!(!asks_about_player("What is the name of the mill?"));
        assert_eq!(negations("I didn't see no one"), 2);
    }
}
