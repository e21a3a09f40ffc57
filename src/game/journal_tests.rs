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

#[test]
fn the_panel_shows_the_newest_clues_that_fit_and_says_how_many_are_older() {
    let mut j = Journal::default();
    for i in 0..12 {
        // Each clue about two rows long.
        j.add(clue(
            "Hilda",
            &format!("{i}: {}", "a long clue about the night ".repeat(3)),
        ));
    }
    let text = journal_text(&j, 16, 0);
    let rows: usize = text
        .lines()
        .skip(1)
        .map(|l| l.chars().count().div_ceil(ROW_CHARS).max(1))
        .sum();
    assert!(rows <= 16, "{rows} rows:\n{text}");
    assert!(
        text.contains("11: a long clue"),
        "the newest is shown:\n{text}"
    );
    assert!(
        !text.contains("\n0: ") && !text.contains(" 0: a long"),
        "the oldest is not:\n{text}"
    );
    assert!(text.starts_with("Journal: 12 clue(s) ("), "{text}");
    assert!(
        text.lines().next().unwrap().contains("older: PgUp"),
        "{text}"
    );
    // Scrolled back five: the five newest are gone, older ones come in, and it says so.
    let back = journal_text(&j, 16, 5);
    assert!(
        !back.contains("11: a long") && back.contains("6: a long"),
        "{back}"
    );
    assert!(
        back.lines().next().unwrap().contains("5 newer: PgDn"),
        "{back}"
    );
    // As far back as it goes: the oldest is there, nothing older is announced.
    let oldest = journal_text(&j, 16, 100);
    assert!(
        oldest.contains("\nDay 1, 09:00  Hilda: 0: a long"),
        "{oldest}"
    );
    assert!(!oldest.contains("older"), "{oldest}");
}

#[test]
fn rows_are_counted_as_words_wrap() {
    assert_eq!(wrapped_rows("", 10), 1);
    assert_eq!(wrapped_rows("short line", 10), 1);
    // "aaaa bbbb" fits 9; "cccc" starts a second row, as the panel's text wraps words whole.
    assert_eq!(wrapped_rows("aaaa bbbb cccc", 9), 2);
    assert_eq!(wrapped_rows("aaaa bbbbbb", 9), 2);
    // A word longer than a row is broken across rows.
    assert_eq!(wrapped_rows("abcdefghijklmnopqrst", 9), 3);
    assert_eq!(wrapped_rows("ab abcdefghijklmnopqrst", 9), 4);
}
