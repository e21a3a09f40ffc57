//! What the autopilot says on a visit to a villager, as a player would: the questions, the
//! follow-ups, the clues it cites as evidence.

use super::journal::{Clue, Journal};

/// The questions of a visit to a villager working at `work`, as a player asks them: what it saw,
/// a follow-up, its workplace, "anything else?", money, then each clue of `evidence` (what another
/// villager said, which may open what this one holds back) with "anything more?", and whom else to
/// ask.
pub(super) fn questions(work: &str, evidence: &[Clue]) -> Vec<String> {
    let work = work.replace('_', " ");
    let mut q: Vec<String> = vec![
        "Good day to you! Did you see anything strange the night the bell vanished?".into(),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_visit_asks_about_the_villagers_workplace() {
        let q = questions("forest_edge", &[]);
        assert!(q.iter().any(|l| l.contains("at the forest edge")));
        let clue = Clue {
            speaker: "Greta".into(),
            text: "I saw a lantern.".into(),
            day: 1,
            hour: 9.0,
            unlocked: false,
        };
        let q = questions("forest_edge", std::slice::from_ref(&clue));
        assert!(q.contains(&"Greta told me this: I saw a lantern.".to_string()));
        assert!(q.iter().any(|l| l.contains("anything else")));
    }
}
