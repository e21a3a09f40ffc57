//! What a set of clues points at, worked out as a reader of the clues would: which villager each
//! clue names (by name, trade or workplace), which clues give a villager an alibi that someone
//! else vouches for, and when the clues point clearly enough at one villager to accuse it. Plain
//! text rules shared by the game's journal, its autopilot and `check-config`'s case check.

/// Someone a clue can point at: a villager's name, its trade and where it works.
#[derive(Clone, Debug)]
pub(crate) struct Suspect {
    pub(crate) name: String,
    pub(crate) role: String,
    pub(crate) work: String,
}

/// A clue as read: who told it and what it says.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Told<'a> {
    pub(crate) speaker: &'a str,
    pub(crate) text: &'a str,
}

/// Whole lowercase words of `text`.
fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// Words that say the named villager was elsewhere and someone stands by it.
const VOUCHED: &[&str] = &["vouch for", "vouches for", "was with me", "were with me"];
/// Words that turn an alibi round ("no one can vouch for him").
const NOT_VOUCHED: &[&str] = &["no one", "nobody", "not", "cannot", "can't", "never"];

/// The villagers (indices into `cast`) one clue points at: named by name, trade or workplace;
/// the speaker's words about itself left out.
fn pointed(clue: Told, cast: &[Suspect]) -> Vec<usize> {
    let w = words(clue.text);
    let has = |phrase: &str| {
        let p = words(phrase);
        !p.is_empty() && w.windows(p.len()).any(|win| win == p.as_slice())
    };
    cast.iter()
        .enumerate()
        .filter(|(_, s)| s.name != clue.speaker)
        .filter(|(_, s)| has(&s.name) || has(&s.role) || has(&s.work.replace('_', " ")))
        .map(|(i, _)| i)
        .collect()
}

/// The villager a clue gives an alibi: it names exactly one other villager and says someone
/// vouches for it ("Bram was at my farm all night; I'd vouch for him").
pub(crate) fn vouched_for(clue: Told, cast: &[Suspect]) -> Option<String> {
    let t = format!(" {} ", words(clue.text).join(" "));
    let says = |cues: &[&str]| cues.iter().any(|c| t.contains(&format!(" {c} ")));
    // "Hilda can vouch for me" is the speaker's own claim, not an alibi it gives.
    if !says(VOUCHED) || says(NOT_VOUCHED) || says(&["for me"]) {
        return None;
    }
    match pointed(clue, cast).as_slice() {
        [one] => Some(cast[*one].name.clone()),
        _ => None,
    }
}

/// How many clues point at each suspect, most first (ties by name). A clue points at a villager
/// when it names it, its trade ("the miller") or its workplace ("the mill road"); a villager's
/// words about itself do not count, and a clue that points at several villagers counts for none.
/// A villager someone vouches for is left out: its alibi holds.
pub(crate) fn leads<'a>(
    clues: impl IntoIterator<Item = Told<'a>> + Clone,
    cast: &[Suspect],
) -> Vec<(String, usize)> {
    let alibis: Vec<String> = clues
        .clone()
        .into_iter()
        .filter_map(|c| vouched_for(c, cast))
        .collect();
    let mut counts: Vec<(String, usize)> = cast.iter().map(|s| (s.name.clone(), 0)).collect();
    for clue in clues {
        if let [one] = pointed(clue, cast).as_slice() {
            counts[*one].1 += 1;
        }
    }
    counts.retain(|(name, n)| *n > 0 && !alibis.contains(name));
    counts.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    counts
}

/// Clues the lead needs before it is clear...
pub(crate) const CLEAR_LEAD: usize = 3;
/// ...and how many more than the next suspect.
pub(crate) const CLEAR_MARGIN: usize = 2;

/// The lead, if it is clear enough to accuse now (`all_asked`: any lead will do); villagers in
/// `cleared` (accused wrongly already) are left out.
pub(crate) fn clear_lead<'a>(
    clues: impl IntoIterator<Item = Told<'a>> + Clone,
    cast: &[Suspect],
    cleared: &[String],
    all_asked: bool,
) -> Option<String> {
    let ranked: Vec<(String, usize)> = leads(clues, cast)
        .into_iter()
        .filter(|(n, _)| !cleared.contains(n))
        .collect();
    let (first, n) = ranked.first()?.clone();
    let next = ranked.get(1).map_or(0, |r| r.1);
    (all_asked || (n >= CLEAR_LEAD && n >= next + CLEAR_MARGIN)).then_some(first)
}

#[cfg(test)]
mod tests {
    use super::*;

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

    fn told<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Iterator<Item = Told<'a>> + Clone {
        pairs.iter().map(|(speaker, text)| Told { speaker, text })
    }

    #[test]
    fn clues_point_by_name_trade_and_workplace() {
        let clues = [
            ("Hilda", "Odo drank alone and left before midnight."),
            ("Wren", "A cart went down the mill road late that night."),
            ("Tomas", "The miller bought charcoal."),
            (
                "Bram",
                "Someone asked how hot a fire must be to melt bronze.",
            ),
        ];
        assert_eq!(leads(told(&clues), &cast()), vec![("Odo".to_string(), 3)]);
    }

    #[test]
    fn own_words_and_ambiguous_clues_count_for_nobody() {
        let clues = [
            ("Odo", "The mill has had a poor year."),
            ("Greta", "Odo and Bram argued at the smithy."),
            ("Pip", "The tavern was loud."),
        ];
        // Odo about himself: nothing; a clue naming two: nothing; the tavern: Hilda's workplace.
        assert_eq!(leads(told(&clues), &cast()), vec![("Hilda".to_string(), 1)]);
        // "Millbrook" is not "mill" (whole words only).
        assert!(leads(told(&[("Pip", "Millbrook is quiet.")]), &cast()).is_empty());
    }

    #[test]
    fn a_vouched_alibi_clears_a_suspect_and_a_denied_one_does_not() {
        let motive = ("Pip", "Bram swore the bell was his by rights.");
        let alibi = (
            "Tomas",
            "Bram was at my farm all night; I'd vouch for him any day.",
        );
        assert_eq!(leads(told(&[motive]), &cast()), vec![("Bram".into(), 1)]);
        assert!(leads(told(&[motive, alibi]), &cast()).is_empty());
        let denied = ("Tomas", "No one can vouch for Bram that night.");
        assert_eq!(
            leads(told(&[motive, denied]), &cast()),
            vec![("Bram".into(), 2)]
        );
        // A claim about oneself, or vouching for two at once, is no alibi.
        let own = Told {
            speaker: "Bram",
            text: "Hilda can vouch for me.",
        };
        assert_eq!(vouched_for(own, &cast()), None);
        assert_eq!(
            vouched_for(
                Told {
                    speaker: "Pip",
                    text: "I vouch for Odo and Bram."
                },
                &cast()
            ),
            None
        );
    }

    #[test]
    fn accuses_only_on_a_clear_lead_until_everyone_was_asked() {
        let by_wren = |texts: &'static [&'static str]| {
            texts.iter().map(|t| Told {
                speaker: "Wren",
                text: t,
            })
        };
        let weak = by_wren(&["Odo drank alone.", "A cart on the mill road."]);
        assert_eq!(clear_lead(weak.clone(), &cast(), &[], false), None);
        assert_eq!(clear_lead(weak, &cast(), &[], true), Some("Odo".into()));
        let clear = by_wren(&[
            "Odo drank alone.",
            "A cart on the mill road.",
            "The miller paid.",
        ]);
        assert_eq!(
            clear_lead(clear.clone(), &cast(), &[], false),
            Some("Odo".into())
        );
        // Cleared by a wrong accusation: not accused again.
        assert_eq!(clear_lead(clear, &cast(), &["Odo".into()], true), None);
        assert_eq!(clear_lead(by_wren(&[]), &cast(), &[], true), None);
    }
}
