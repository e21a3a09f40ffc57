//! What the autopilot says on a visit to a villager, as a player would: the questions, the
//! follow-ups, the clues it cites as evidence.

use super::journal::{Clue, Journal};
use crate::decide::keys;

/// The questions of a visit to a villager working at `work`, as a player asks them: what it saw
/// (`ask`, the question the case suggests),
/// a follow-up, its workplace, "anything else?", money, then each clue of `evidence` (what another
/// villager said, which may open what this one holds back) with "anything more?", and whom else to
/// ask.
pub(super) fn questions(ask: &str, work: &str, evidence: &[Clue]) -> Vec<String> {
    let work = work.replace('_', " ");
    let mut q: Vec<String> = vec![
        format!("Good day to you! {ask}"),
        "Who was it?".into(),
        format!("Did anything unusual happen at the {work} lately?"),
        "Is there anything else you know that could help me?".into(),
        "Has anyone been acting oddly or spending money lately?".into(),
    ];
    for c in evidence {
        q.push(format!("{} told me this: {}", c.speaker, c.text));
        q.push("Now, is there anything more you can tell me?".into());
    }
    q.push("Who else should I ask?".into());
    q
}

/// Clues cited as evidence on one visit.
const CITED_PER_VISIT: usize = 2;

/// The clues to cite to `npc` as evidence: given by other villagers, those cited least so far
/// first (then the oldest), so that every clue is tried on someone.
pub(super) fn evidence(journal: &Journal, npc: &str, cited: &[String]) -> Vec<Clue> {
    let mut clues: Vec<(usize, usize, &Clue)> = journal
        .clues
        .iter()
        .enumerate()
        .filter(|(_, c)| c.speaker != npc)
        .map(|(i, c)| (cited.iter().filter(|t| **t == c.text).count(), i, c))
        .collect();
    clues.sort_by_key(|(n, i, _)| (*n, *i));
    clues
        .into_iter()
        .take(CITED_PER_VISIT)
        .map(|(_, _, c)| c.clone())
        .collect()
}

/// Clues cited to a villager that holds back, before bread and kind words.
pub(super) const CONFRONT_TRIES: usize = 4;

/// The next clue from another villager to confront a witness with when it holds back, as a
/// detective would: the one that shares most content words with what was said on this visit
/// (`context`), then the least cited so far, then the newest. None when every clue from another
/// villager was cited on this visit already (`here`).
pub(super) fn bearing(
    journal: &Journal,
    npc: &str,
    context: &str,
    cited: &[String],
    here: &[String],
) -> Option<Clue> {
    let said: Vec<String> = keys::words(context)
        .into_iter()
        .filter(|w| keys::is_content(w))
        .collect();
    journal
        .clues
        .iter()
        .enumerate()
        .filter(|(_, c)| c.speaker != npc && !here.contains(&c.text))
        .map(|(i, c)| {
            let mut shared = keys::words(&c.text);
            shared.retain(|w| said.contains(w));
            shared.sort();
            shared.dedup();
            let times = cited.iter().filter(|t| **t == c.text).count();
            (shared.len(), times, i, c)
        })
        .min_by_key(|(shared, times, i, _)| (usize::MAX - shared, *times, usize::MAX - i))
        .map(|(.., c)| c.clone())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::game::journal::tests::clue;

    #[test]
    fn a_witness_who_holds_back_is_confronted_with_the_clue_on_its_subject() {
        let mut journal = Journal::default();
        journal.clues = vec![
            clue("Greta", "I saw a lantern moving near the hall."),
            clue("Wren", "I found bronze shavings behind the smithy."),
            clue("Bram", "Someone asked me how to melt bronze."),
        ];
        let context = "Who was it? Someone asked me how to melt bronze. Not naming names.";
        let c = bearing(&journal, "Bram", context, &[], &[]).expect("a clue bears on it");
        assert_eq!(c.speaker, "Wren");
        // Then the others, least cited first; none left once all were cited on this visit.
        let mut here = vec![c.text.clone()];
        let cited = vec![journal.clues[0].text.clone()];
        let next = bearing(&journal, "Bram", context, &cited, &here).expect("one left");
        assert_eq!(next.speaker, "Greta");
        here.push(next.text);
        assert_eq!(bearing(&journal, "Bram", context, &cited, &here), None);
    }

    const ASK: &str = "Did you see anything strange last night?";

    #[test]
    fn a_visit_asks_about_the_villagers_workplace() {
        let q = questions(ASK, "forest_edge", &[]);
        assert_eq!(q[0], format!("Good day to you! {ASK}"));
        assert!(q.iter().any(|l| l.contains("at the forest edge")));
        let clue = clue("Greta", "I saw a lantern.");
        let q = questions(ASK, "forest_edge", std::slice::from_ref(&clue));
        assert!(q.contains(&"Greta told me this: I saw a lantern.".to_string()));
        assert!(q.iter().any(|l| l.contains("anything else")));
    }
}
