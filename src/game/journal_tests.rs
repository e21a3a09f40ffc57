//! Tests of the clue journal (`journal`).

use super::*;

/// A clue told on day 1 at 09:00 (shared with the autopilot's tests).
pub(in crate::game) fn clue(speaker: &str, text: &str) -> Clue {
    Clue {
        speaker: speaker.into(),
        text: text.into(),
        day: 1,
        hour: 9.0,
        unlocked: false,
    }
}

#[test]
fn a_villager_tells_a_clue_once() {
    let mut j = Journal::default();
    assert!(j.add(clue("Hilda", "x")));
    assert!(!j.add(clue("Hilda", "x")));
    assert!(j.add(clue("Pip", "x")));
    assert_eq!(j.clues.len(), 2);
}

fn two() -> Vec<Suspect> {
    [("Odo", "miller", "mill"), ("Bram", "blacksmith", "smithy")]
        .map(|(n, r, w)| Suspect {
            name: n.into(),
            role: r.into(),
            work: w.into(),
        })
        .to_vec()
}

fn journal(texts: &[&str]) -> Journal {
    let mut j = Journal::default();
    for t in texts {
        j.add(Clue {
            speaker: "Wren".into(),
            text: (*t).into(),
            day: 1,
            hour: 9.0,
            unlocked: false,
        });
    }
    j
}

#[test]
fn accuses_only_on_a_clear_lead_until_everyone_was_asked() {
    let weak = journal(&["Odo drank alone.", "A cart on the mill road."]);
    assert_eq!(clear_lead(&weak, &two(), &[], false), None);
    assert_eq!(clear_lead(&weak, &two(), &[], true), Some("Odo".into()));
    let clear = journal(&[
        "Odo drank alone.",
        "A cart on the mill road.",
        "The miller paid.",
    ]);
    assert_eq!(clear_lead(&clear, &two(), &[], false), Some("Odo".into()));
    // Cleared by a wrong accusation: not accused again.
    assert_eq!(clear_lead(&clear, &two(), &["Odo".into()], true), None);
    assert_eq!(clear_lead(&journal(&[]), &two(), &[], true), None);
}
