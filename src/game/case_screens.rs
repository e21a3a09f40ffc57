//! The case's screens: the title (its premise and the question to start with), the win screen that
//! tells the case back from the journal (the clues that proved it, who misled the player and who
//! vouched for them), and the loss.

use bevy::prelude::*;

use super::journal::{Journal, Suspect};
use super::mystery::Case;
use super::screens::{Card, Screen, overlay};
use crate::brain::components::Profile;
use crate::config::CaseConfig;
use crate::decide::leads::{self, Told};
use crate::world::components::Villager;

pub(super) fn plugin(app: &mut App) {
    app.add_systems(OnEnter(Screen::Title), |c: Commands, case: Res<Case>| {
        overlay(c, Screen::Title, title_card(&case))
    })
    .add_systems(OnEnter(Screen::Won), won_screen)
    .add_systems(OnEnter(Screen::Lost), |c: Commands, case: Res<Case>| {
        let judge = case
            .config
            .as_ref()
            .map_or("The judge", |c| c.judge.as_str());
        let body = format!(
            "{judge} has had enough of you.\n\nThe case stays unsolved, and the thief walks free."
        );
        overlay(c, Screen::Lost, end_card(&case, "Case lost", body))
    });
}

/// The keys, as the title screen shows them.
const PLAY_KEYS: &[(&str, &str)] = &[
    ("WASD", "walk"),
    ("E", "talk"),
    ("Enter", "say"),
    ("Tab", "give bread"),
    ("J / F2", "journal"),
    ("Esc", "leave a chat"),
    ("F1", "help"),
    ("F3", "metrics"),
    ("F5 / F9", "save / load"),
    ("M", "mute"),
    ("+ / -", "volume"),
    ("L / K", "like / skip a tune"),
];

/// The keys of an end screen.
const END_KEYS: &[(&str, &str)] = &[("Enter", "play again"), ("Esc", "quit")];

/// An end screen's card: the heading, the case's title, `body`, and how to go on.
fn end_card(case: &Case, heading: &str, body: String) -> Card {
    Card {
        heading: heading.into(),
        title: case
            .config
            .as_ref()
            .map_or(String::new(), |c| c.title.clone()),
        body,
        keys: END_KEYS,
        // The key caps say it ("Enter play again").
        next: String::new(),
    }
}

fn title_card(case: &Case) -> Card {
    match &case.config {
        Some(c) => Card {
            heading: "Millbrook".into(),
            // Under the village's name, the case's own ("Millbrook: The Stolen Bell").
            title: c.title.trim_start_matches("Millbrook: ").to_string(),
            body: format!("{}\n\nStart by asking around: \"{}\"", c.premise, c.ask),
            keys: PLAY_KEYS,
            next: "Press Enter to begin".into(),
        },
        None => Card {
            heading: "Millbrook".into(),
            title: "a village".into(),
            body: "No case this time: walk about and talk to the villagers.".into(),
            keys: PLAY_KEYS,
            next: "Press Enter to begin".into(),
        },
    }
}

/// The win screen tells the case back: the clues that proved it and who misled the player.
fn won_screen(
    c: Commands,
    case: Res<Case>,
    journal: Res<Journal>,
    villagers: Query<(&Villager, &Profile)>,
) {
    let suspects: Vec<Suspect> = villagers
        .iter()
        .map(|(v, p)| Suspect {
            name: v.name.clone(),
            role: p.0.role.clone(),
            work: p.0.work.clone(),
        })
        .collect();
    let text = match &case.config {
        Some(config) => told_back(config, case.wrong, &journal, &suspects),
        None => String::new(),
    };
    overlay(c, Screen::Won, end_card(&case, "Case solved", text))
}

/// The case told back from the journal: the headline, the clues against the culprit, and each
/// red herring with what made it look guilty and who vouched for it.
pub(super) fn told_back(
    config: &CaseConfig,
    wrong: u32,
    journal: &Journal,
    suspects: &[Suspect],
) -> String {
    let against = |name: &str, c: Told| {
        leads::leads([c], suspects)
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case(name))
    };
    let mut s = format!(
        "{}\n\nYou named {} with {wrong} wrong accusation(s).",
        config.solved, config.culprit
    );
    let proof: Vec<String> = journal
        .told()
        .filter(|c| against(&config.culprit, *c))
        .take(4)
        .map(|c| format!("  {}: {}", c.speaker, c.text))
        .collect();
    if !proof.is_empty() {
        s.push_str("\n\nThe clues that proved it:\n");
        s.push_str(&proof.join("\n"));
    }
    for h in &config.herrings {
        let motive = journal
            .told()
            .find(|c| against(h, *c) && leads::vouched_for(*c, suspects).is_none());
        let alibi = journal
            .told()
            .find(|c| leads::vouched_for(*c, suspects).is_some_and(|n| n.eq_ignore_ascii_case(h)));
        match (motive, alibi) {
            (Some(m), Some(a)) => s.push_str(&format!(
                "\n\nWho misled you: {h}. {} told you: \"{}\" But {} vouched for {h}.",
                m.speaker, m.text, a.speaker
            )),
            (Some(m), None) => s.push_str(&format!(
                "\n\nWho might have misled you: {h} (\"{}\", said {}), whose alibi you never heard.",
                m.text, m.speaker
            )),
            _ => {}
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::game::journal::tests::clue;

    fn suspects() -> Vec<Suspect> {
        [
            ("Odo", "miller", "mill"),
            ("Bram", "blacksmith", "smithy"),
            ("Tomas", "farmer", "fields"),
        ]
        .map(|(n, r, w)| Suspect {
            name: n.into(),
            role: r.into(),
            work: w.into(),
        })
        .to_vec()
    }

    #[test]
    fn the_win_screen_tells_the_proof_and_the_red_herring() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("assets/cases")
            .join(format!("{}.case.ron", crate::config::DEFAULT_CASE));
        let case = CaseConfig::load(&path).unwrap();
        let herring = case.herrings[0].clone();
        let mut journal = Journal::default();
        for (who, text) in [
            ("Hilda", format!("{} drank alone that night.", case.culprit)),
            ("Pip", format!("{herring} swore the bell was his.")),
            (
                "Tomas",
                format!("{herring} was at my farm; I'd vouch for him."),
            ),
            ("Greta", "I saw a lantern.".to_string()),
        ] {
            journal.add(clue(who, &text));
        }
        let text = told_back(&case, 1, &journal, &suspects());
        assert!(text.starts_with(&case.solved), "{text}");
        assert!(text.contains("with 1 wrong accusation(s)"), "{text}");
        assert!(text.contains("drank alone that night"), "{text}");
        assert!(!text.contains("lantern"), "{text}");
        assert!(
            text.contains(&format!("Who misled you: {herring}. Pip told you")),
            "{text}"
        );
        assert!(
            text.contains(&format!("But Tomas vouched for {herring}")),
            "{text}"
        );
    }
}
