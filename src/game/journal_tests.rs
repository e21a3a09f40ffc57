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

fn cast() -> Vec<Suspect> {
    [
        ("Odo", "miller", "mill"),
        ("Bram", "blacksmith", "smithy"),
        ("Hilda", "tavern keeper", "tavern"),
        ("Aldric", "mayor of Millbrook", "town_hall"),
    ]
    .map(|(n, r, w)| Suspect {
        name: n.into(),
        role: r.into(),
        work: w.into(),
    })
    .to_vec()
}

#[test]
fn clues_point_by_name_trade_and_workplace() {
    let clues = [
        clue("Hilda", "Odo drank alone and left before midnight."),
        clue("Wren", "A cart went down the mill road late that night."),
        clue("Tomas", "The miller bought charcoal."),
        clue(
            "Bram",
            "Someone asked how hot a fire must be to melt bronze.",
        ),
    ];
    assert_eq!(leads(&clues, &cast()), vec![("Odo".to_string(), 3)]);
}

#[test]
fn own_words_and_ambiguous_clues_count_for_nobody() {
    let clues = [
        clue("Odo", "The mill has had a poor year."),
        clue("Greta", "Odo and Bram argued at the smithy."),
        clue("Pip", "The tavern was loud."),
    ];
    // Odo about himself: nothing; a clue naming two: nothing; the tavern: Hilda's workplace.
    assert_eq!(leads(&clues, &cast()), vec![("Hilda".to_string(), 1)]);
    // "Millbrook" is not "mill" (whole words only).
    assert!(leads(&[clue("Pip", "Millbrook is quiet.")], &cast()).is_empty());
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
