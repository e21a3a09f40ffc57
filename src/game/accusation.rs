//! Reading a typed line for an accusation: accusing words, no denial, and exactly one villager
//! named, by name or by trade; the judge it is said to is never a suspect. Plain text rules, no ECS.

/// What a typed line means for the case.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Accusation {
    /// Not an accusation.
    None,
    /// Names this one villager as the thief.
    Suspect(String),
    /// Accuses, but names several villagers.
    Unclear,
}

const ACCUSING: [&str; 14] = [
    "accuse",
    "stole",
    "steal",
    "stolen",
    "thief",
    "culprit",
    "guilty",
    "took the bell",
    "took your bell",
    "has the bell",
    "has your bell",
    "did it",
    "it was",
    "responsible",
];
const DENYING: [&str; 6] = ["not ", "n't", "never", "innocent", "didn't", "wasn't"];

/// A villager an accusation can name: by name or by trade ("the miller").
#[derive(Clone, Copy, Debug)]
pub(crate) struct Named<'a> {
    pub(crate) name: &'a str,
    pub(crate) role: &'a str,
}

/// Whole lowercase words of `text`.
fn words(text: &str) -> Vec<String> {
    text.to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Reads `line` for an accusation of one of `cast` (case-insensitive, whole words, by name or by
/// trade). The judge the line is said to is never a suspect ("Mayor Aldric, I accuse Odo"), and
/// naming one villager by both name and trade is still one villager.
pub(crate) fn detect(line: &str, cast: &[Named], judge: &str) -> Accusation {
    let lower = line.to_lowercase();
    if !ACCUSING.iter().any(|k| lower.contains(k)) || DENYING.iter().any(|k| lower.contains(k)) {
        return Accusation::None;
    }
    let said = words(line);
    let has = |phrase: &str| {
        let p = words(phrase);
        !p.is_empty() && said.windows(p.len()).any(|w| w == p.as_slice())
    };
    let named: Vec<&str> = cast
        .iter()
        .filter(|c| !c.name.eq_ignore_ascii_case(judge))
        .filter(|c| has(c.name) || has(c.role))
        .map(|c| c.name)
        .collect();
    match named.as_slice() {
        [] => Accusation::None,
        [one] => Accusation::Suspect(one.to_string()),
        _ => Accusation::Unclear,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CAST: [Named; 4] = [
        Named {
            name: "Odo",
            role: "miller",
        },
        Named {
            name: "Greta",
            role: "baker",
        },
        Named {
            name: "Aldric",
            role: "mayor of Millbrook",
        },
        Named {
            name: "Wren",
            role: "woodcutter",
        },
    ];

    fn said(line: &str) -> Accusation {
        detect(line, &CAST, "Aldric")
    }

    #[test]
    fn accusations_name_one_villager() {
        for line in [
            "I accuse Odo!",
            "odo stole your bell",
            "It was Odo, the miller.",
            "Mayor, the thief is ODO.",
            "I think Greta took the bell",
            "The miller stole it",
        ] {
            assert!(matches!(said(line), Accusation::Suspect(_)), "{line}");
        }
        assert_eq!(said("odo stole it"), Accusation::Suspect("Odo".into()));
        assert_eq!(said("It was Greta or Odo"), Accusation::Unclear);
    }

    #[test]
    fn the_judge_and_a_second_mention_are_not_more_suspects() {
        // The line a player typed in play: the judge's name and title, the suspect's trade.
        assert_eq!(
            said("Mayor Aldric, I accuse Odo the miller of stealing the bell"),
            Accusation::Suspect("Odo".into())
        );
        assert_eq!(
            said("Aldric, the baker stole your bell"),
            Accusation::Suspect("Greta".into())
        );
        // Accusing the judge to his face names nobody he would hear.
        assert_eq!(said("Aldric, you stole the bell!"), Accusation::None);
    }

    #[test]
    fn questions_denials_and_chatter_are_not_accusations() {
        for line in [
            "Where is Odo?",
            "Hello Aldric, lovely day.",
            "Odo didn't steal it.",
            "Greta is not the thief",
            "Who stole the bell?",
            "",
            "Odometer stole nothing", // "Odo" only as part of a word
            "Someone from Millbrook stole it",
        ] {
            assert_eq!(said(line), Accusation::None, "{line}");
        }
    }
}
