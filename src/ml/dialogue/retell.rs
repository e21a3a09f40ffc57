//! A fact told in another order than its RON sentence, with the same meaning: a time phrase that
//! can stand apart is put first ("After midnight, I saw a lantern moving near the town hall."),
//! and a cleft is undone ("It was Odo who asked…" → "Odo was the one who asked…"). The words stay
//! the knowledge's own, so nothing is added or lost; the model then says it from that start.

use super::cues::TIMES;

/// Words that open a time phrase that can stand apart ("after midnight", "last week").
const OPENS_ADVERBIAL: &[&str] = &[
    "after", "before", "at", "by", "late", "early", "all", "this", "last", "in", "on",
];

/// `text` told in another order, or None when no rule applies. `keep` says which first words keep
/// their capital when they no longer open the sentence ("I", names).
pub(crate) fn retell(text: &str, keep: &dyn Fn(&str) -> bool) -> Option<String> {
    cleft(text).or_else(|| time_first(text, keep))
}

/// `text` in its retold order for this request's village (its names keep their capitals), or as
/// written when no rule applies.
pub(crate) fn retold(text: &str, req: &crate::inference::DialogueRequest) -> String {
    let names = |w: &str| req.world.villagers.iter().any(|v| v.to_lowercase() == w);
    retell(text, &names).unwrap_or_else(|| text.to_string())
}

/// The part of a fact to refer back to it briefly: its first clause (split at commas, "and",
/// "then", "but") that holds the first key group, when the fact has more than one clause and that
/// one has at least three words and every "not" of the fact ("Odo paid his tab in full" of "Yesterday, Odo paid his tab in
/// full, first time in a year."). Ends with a full stop.
pub(crate) fn gist(text: &str, keys: &[String]) -> Option<String> {
    let first = keys.first()?;
    let body = text.trim().trim_end_matches(['.', '!', '?']);
    let mut clauses: Vec<&str> = Vec::new();
    for part in body.split(',') {
        for piece in part.split(" and ") {
            for p in piece.split(" then ") {
                clauses.extend(p.split(" but "));
            }
        }
    }
    if clauses.len() < 2 {
        return None;
    }
    clauses
        .into_iter()
        .map(str::trim)
        .find(|c| crate::decide::keys::all_present(c, std::slice::from_ref(first)))
        .filter(|c| c.split_whitespace().count() >= 3)
        // A "not" (or "without", "no one"...) left behind would change what it says.
        .filter(|c| super::meaning::negations(c) == super::meaning::negations(text))
        .map(|c| format!("{c}."))
}

/// The bare word of a token: lower case, without punctuation.
fn bare(token: &str) -> String {
    token
        .trim_matches(|c: char| !c.is_alphanumeric())
        .to_lowercase()
}

/// "It was X who Y." → "X was the one who Y."
fn cleft(text: &str) -> Option<String> {
    let rest = text.strip_prefix("It was ")?;
    let (who, what) = rest.split_once(" who ")?;
    (!who.is_empty() && who.split_whitespace().count() <= 3 && !what.is_empty())
        .then(|| format!("{who} was the one who {what}"))
}

/// The span of tokens `[start, end)` of a time phrase in `tokens` that can stand apart, if any.
fn time_span(tokens: &[&str]) -> Option<(usize, usize)> {
    let words: Vec<String> = tokens.iter().map(|t| bare(t)).collect();
    for t in 1..tokens.len() {
        let w = words[t].as_str();
        let (start, end) = if w == "ago" && t >= 2 {
            (t - 2, t + 1)
        } else if TIMES.contains(&w) {
            let mut end = t + 1;
            // "the night before last"
            if words.get(t + 1).map(String::as_str) == Some("before")
                && words.get(t + 2).map(String::as_str) == Some("last")
            {
                end = t + 3;
            }
            let mut start = t;
            while start > 0
                && t - start < 2
                && (OPENS_ADVERBIAL.contains(&words[start - 1].as_str())
                    || words[start - 1] == "that"
                    || (words[start - 1] == "the" && end > t + 1))
            {
                start -= 1;
            }
            (start, end)
        } else {
            continue;
        };
        // Nothing before it, or it may belong to the last of two things joined ("drank and left
        // before midnight"): left where it is.
        let joined = words[..start]
            .iter()
            .any(|w| ["and", "then", "but", "or"].contains(&w.as_str()));
        // A time noun alone ("a poor year") is not a phrase that stands apart; an adverb is.
        let alone = start == t && !["yesterday", "today", "tonight"].contains(&w);
        if start == 0 || joined || alone {
            continue;
        }
        // The phrase stands apart when it ends the sentence or a clause, or opens with a word
        // that makes it an adverbial ("last week how…", not "the night the bell…").
        let closes = end == tokens.len() || tokens[end - 1].ends_with(',');
        let adverbial = OPENS_ADVERBIAL.contains(&words[start].as_str()) || w == "ago";
        if (closes || adverbial) && !tokens[start - 1].ends_with(',') {
            return Some((start, end));
        }
    }
    None
}

/// The time phrase first, the rest after it.
fn time_first(text: &str, keep: &dyn Fn(&str) -> bool) -> Option<String> {
    let tokens: Vec<&str> = text.split_whitespace().collect();
    let (start, end) = time_span(&tokens)?;
    let last = *tokens.last()?;
    let stop = last
        .chars()
        .last()
        .filter(|c| ".!?".contains(*c))
        .map(String::from)
        .unwrap_or_default();
    let phrase: Vec<String> = tokens[start..end]
        .iter()
        .map(|t| t.trim_end_matches(['.', '!', '?', ',']).to_string())
        .collect();
    let mut rest: Vec<String> = tokens[..start].iter().map(|t| t.to_string()).collect();
    let mut after: Vec<String> = tokens[end..].iter().map(|t| t.to_string()).collect();
    // "in full yesterday, first time" → "in full, first time"
    if tokens[end - 1].ends_with(',')
        && !after.is_empty()
        && let Some(l) = rest.last_mut()
    {
        l.push(',');
    }
    rest.append(&mut after);
    let mut head = phrase.join(" ");
    if let Some(c) = head.get(..1) {
        head = format!("{}{}", c.to_uppercase(), &head[1..]);
    }
    let first = rest.first_mut()?;
    if !keep(&bare(first)) && !first.starts_with("I'") && first != "I" {
        *first = first.to_lowercase();
    }
    let mut body = rest.join(" ");
    if !body.ends_with(['.', '!', '?']) {
        body.push_str(&stop);
    }
    Some(format!("{head}, {body}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn told(text: &str) -> Option<String> {
        retell(text, &|w| w == "odo")
    }

    #[test]
    fn a_time_phrase_is_put_first_and_the_rest_kept_whole() {
        let cases = [
            (
                "I saw a lantern moving near the town hall after midnight.",
                "After midnight, I saw a lantern moving near the town hall.",
            ),
            (
                "Someone asked me last week how hot a fire must be to melt bronze.",
                "Last week, someone asked me how hot a fire must be to melt bronze.",
            ),
            (
                "Odo paid his tab in full yesterday, first time in a year.",
                "Yesterday, Odo paid his tab in full, first time in a year.",
            ),
            (
                "The town bell vanished from the hall tower the night before last.",
                "The night before last, the town bell vanished from the hall tower.",
            ),
            (
                "Someone came to me for a salve for burnt hands two days ago.",
                "Two days ago, someone came to me for a salve for burnt hands.",
            ),
            (
                "A cart went down the mill road late that night, heavy and creaking.",
                "Late that night, a cart went down the mill road, heavy and creaking.",
            ),
            (
                "I was at home all night, I swear it.",
                "All night, I was at home, I swear it.",
            ),
            (
                "The chapel bell was rung at midnight by no one I saw.",
                "At midnight, the chapel bell was rung by no one I saw.",
            ),
        ];
        for (text, want) in cases {
            assert_eq!(told(text).as_deref(), Some(want), "{text}");
        }
    }

    #[test]
    fn a_cleft_is_undone_and_other_sentences_are_left_alone() {
        assert_eq!(
            told("It was Odo who asked about melting bronze.").as_deref(),
            Some("Odo was the one who asked about melting bronze.")
        );
        for text in [
            // "the night the bell went missing" does not stand apart, and "before midnight"
            // belongs to the second of two things done: put first, it would cover both.
            "Odo drank alone the night the bell went missing and left before midnight.",
            "The mill owes the town forty silver in back taxes.",
            "The mill has had a poor year.",
            "I found bronze shavings on the path behind the mill.",
            "At dawn I saw the door open.",
        ] {
            assert_eq!(told(text), None, "{text}");
        }
    }

    #[test]
    fn the_gist_of_a_fact_is_its_clause_with_the_first_key() {
        let keys = |k: &[&str]| k.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            gist(
                "Yesterday, Odo paid his tab in full, first time in a year.",
                &keys(&["Odo", "paid|tab"])
            )
            .as_deref(),
            Some("Odo paid his tab in full.")
        );
        // A negation in another clause: the whole fact.
        assert_eq!(
            gist(
                "Odo came to confess something, then left without a word.",
                &keys(&["Odo", "confess"])
            ),
            None
        );
        assert_eq!(
            gist(
                "I saw the cart go by, but not who drove it.",
                &keys(&["cart"])
            ),
            None
        );
        // One clause: nothing shorter to say.
        assert_eq!(
            gist(
                "The mill owes the town forty silver in back taxes.",
                &keys(&["mill", "taxes"])
            ),
            None
        );
    }
}
