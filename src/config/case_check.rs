//! A case checked against the villagers it is played with: everyone it names is in the cast, every
//! clue can be reached by a kind player (by trust, or by evidence another clue carries), and the
//! clues a kind player can reach point at the culprit clearly, by the same reading the journal
//! uses ([`crate::decide::leads`]), while each red herring has a motive and an alibi that holds.

use super::case::{CaseConfig, same};
use super::schema::NpcConfig;
use super::validate::ConfigProblem;
use crate::decide::keys;
use crate::decide::leads::{CLEAR_LEAD, Suspect, Told, clear_lead, leads, vouched_for};

/// The trust a kind player reaches with a villager on a visit, from 0: a loaf of bread and four
/// kind words (the game's trust rises 0.2 for bread and 0.1 for a kind word). Facts held back
/// above it must be opened by evidence.
pub(crate) const KIND_TRUST: f32 = 0.6;

/// One clue of the case: who tells it, where it is written, what it says and how it opens.
struct Entry<'a> {
    speaker: &'a str,
    field: String,
    fact: &'a super::schema::Fact,
}

/// Problems of `case` (read from `file`) when played with `cast`; none means it can be solved.
pub(crate) fn against_cast(
    case: &CaseConfig,
    cast: &[NpcConfig],
    file: &str,
) -> Vec<ConfigProblem> {
    let mut found: Vec<(String, String)> = unknown_names(case, cast);
    if found.is_empty() {
        let entries = entries(case, cast);
        let reached = reachable(&entries);
        found.extend(unreachable(&entries, &reached));
        let told: Vec<Told> = entries
            .iter()
            .zip(&reached)
            .filter(|(_, ok)| **ok)
            .map(|(e, _)| Told {
                speaker: e.speaker,
                text: &e.fact.text,
            })
            .collect();
        let suspects: Vec<Suspect> = cast
            .iter()
            .filter(|c| !same(&c.name, &case.judge))
            .map(|c| Suspect {
                name: c.name.clone(),
                role: c.role.clone(),
                work: c.work.clone(),
            })
            .collect();
        found.extend(unclear_lead(case, &told, &suspects));
        found.extend(weak_herrings(case, &told, &suspects));
    }
    found
        .into_iter()
        .map(|(field, message)| ConfigProblem {
            file: file.to_string(),
            position: None,
            field: (!field.is_empty()).then_some(field),
            message,
        })
        .collect()
}

/// Every villager the case names (culprit, judge, herrings, knowledge) must be in the cast.
fn unknown_names(case: &CaseConfig, cast: &[NpcConfig]) -> Vec<(String, String)> {
    let names: Vec<&str> = cast.iter().map(|c| c.name.as_str()).collect();
    let mut named: Vec<(String, &str)> = vec![
        ("culprit".into(), case.culprit.as_str()),
        ("judge".into(), case.judge.as_str()),
    ];
    named.extend(
        case.herrings
            .iter()
            .enumerate()
            .map(|(i, h)| (format!("herrings[{i}]"), h.as_str())),
    );
    named.extend(
        case.knowledge
            .keys()
            .map(|n| (format!("knowledge.{n}"), n.as_str())),
    );
    named
        .into_iter()
        .filter(|(_, name)| !names.iter().any(|m| same(m, name)))
        .map(|(field, name)| {
            let cast_list = names.join(", ");
            (
                field,
                format!("no villager is called {name:?} (the cast: {cast_list})"),
            )
        })
        .collect()
}

/// Every clue of the game in this case: the villagers' own knowledge, then the case's.
fn entries<'a>(case: &'a CaseConfig, cast: &'a [NpcConfig]) -> Vec<Entry<'a>> {
    let mut entries = Vec::new();
    for npc in cast {
        for (i, fact) in npc.knowledge.iter().enumerate() {
            entries.push(Entry {
                speaker: &npc.name,
                field: format!("{}: knowledge[{i}]", npc.name),
                fact,
            });
        }
        if let Some((key, facts)) = case.knowledge.iter().find(|(n, _)| same(n, &npc.name)) {
            for (i, fact) in facts.iter().enumerate() {
                entries.push(Entry {
                    speaker: &npc.name,
                    field: format!("knowledge.{key}[{i}]"),
                    fact,
                });
            }
        }
    }
    entries
}

/// The case's clues no kind player can hear, each with why.
fn unreachable(entries: &[Entry], reached: &[bool]) -> Vec<(String, String)> {
    entries
        .iter()
        .zip(reached)
        .filter(|(e, ok)| !**ok && e.field.starts_with("knowledge."))
        .map(|(e, _)| {
            let why = if e.fact.evidence.is_empty() {
                "it has no `evidence` that would open it".to_string()
            } else {
                format!(
                    "no clue another villager tells carries all of its evidence {:?}",
                    e.fact.evidence
                )
            };
            (
                e.field.clone(),
                format!(
                    "no kind player can hear this: its min_trust {} is above {KIND_TRUST} (bread \
                     and kind words), and {why}",
                    e.fact.min_trust
                ),
            )
        })
        .collect()
}

/// The reachable clues must point clearly at the culprit, by the journal's reading.
fn unclear_lead(
    case: &CaseConfig,
    told: &[Told],
    suspects: &[Suspect],
) -> Option<(String, String)> {
    let lead = clear_lead(told.iter().copied(), suspects, &[], false);
    if lead.as_deref().is_some_and(|l| same(l, &case.culprit)) {
        return None;
    }
    let counts: Vec<String> = leads(told.iter().copied(), suspects)
        .iter()
        .map(|(n, k)| format!("{n} {k}"))
        .collect();
    let pointed = if counts.is_empty() {
        "no one".into()
    } else {
        counts.join(", ")
    };
    Some((
        "culprit".into(),
        format!(
            "the clues a kind player can hear do not point clearly at {}: it needs at least \
             {CLEAR_LEAD} clues naming it (by name, trade or workplace) and two more than anyone \
             else; they point at: {pointed}",
            case.culprit
        ),
    ))
}

/// Each red herring needs a motive told by someone else and an alibi that holds.
fn weak_herrings(case: &CaseConfig, told: &[Told], suspects: &[Suspect]) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (i, h) in case.herrings.iter().enumerate() {
        let suspect: Vec<Suspect> = suspects
            .iter()
            .filter(|s| same(&s.name, h))
            .cloned()
            .collect();
        let motive = told
            .iter()
            .any(|t| !same(t.speaker, h) && leads([*t], &suspect).iter().any(|(n, _)| same(n, h)));
        let alibi = told
            .iter()
            .any(|t| vouched_for(*t, suspects).is_some_and(|n| same(&n, h)));
        let missing = match (motive, alibi) {
            (true, true) => continue,
            (false, false) => "both",
            (false, true) => "the motive",
            _ => "the alibi",
        };
        out.push((
            format!("herrings[{i}]"),
            format!(
                "a red herring needs a clue from someone else that names {h} (a motive) and one \
                 that vouches for {h} (an alibi, \"I can vouch for {h}\"); missing: {missing}"
            ),
        ));
    }
    out
}

/// Which entries a kind player can hear: those at or below [`KIND_TRUST`], then, until nothing
/// changes, those whose evidence a heard clue of another villager carries in full.
fn reachable(entries: &[Entry]) -> Vec<bool> {
    let mut heard: Vec<bool> = entries
        .iter()
        .map(|e| e.fact.min_trust <= KIND_TRUST)
        .collect();
    loop {
        let mut grew = false;
        for (i, e) in entries.iter().enumerate() {
            if heard[i] || e.fact.evidence.is_empty() {
                continue;
            }
            let opened = entries.iter().zip(&heard).any(|(other, ok)| {
                *ok && other.speaker != e.speaker
                    && keys::all_present(&other.fact.text, &e.fact.evidence)
            });
            if opened {
                heard[i] = true;
                grew = true;
            }
        }
        if !grew {
            return heard;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::case::{case_dirs, load_cases};
    use crate::config::files::load_all;

    fn shipped() -> (Vec<CaseConfig>, Vec<NpcConfig>) {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("assets");
        let (cases, problems) = load_cases(&case_dirs(&root.join("npcs"), "no-mods".as_ref()));
        assert!(problems.is_empty(), "{problems:?}");
        let (cast, problems) = load_all(&super::super::files::npc_files(&root.join("npcs")));
        assert!(problems.is_empty(), "{problems:?}");
        (cases, cast.into_iter().map(|(_, c)| c).collect())
    }

    #[test]
    fn every_shipped_case_can_be_solved_by_a_kind_player() {
        let (cases, cast) = shipped();
        for case in &cases {
            let p = against_cast(case, &cast, &case.id);
            assert!(p.is_empty(), "{}: {p:#?}", case.id);
            assert!(!case.herrings.is_empty(), "{} has no red herring", case.id);
        }
    }

    #[test]
    fn a_case_that_hides_its_culprit_or_names_a_stranger_says_why() {
        let (cases, cast) = shipped();
        let mut case = cases[0].clone();
        // Every clue behind trust no kind player reaches, with no evidence to open it.
        for facts in case.knowledge.values_mut() {
            for f in facts {
                f.min_trust = 0.9;
                f.evidence.clear();
            }
        }
        let p = against_cast(&case, &cast, "x.case.ron");
        let text: Vec<String> = p.iter().map(|p| p.to_string()).collect();
        assert!(
            text.iter().any(|t| t.contains("field `culprit`")),
            "{text:#?}"
        );
        assert!(
            text.iter()
                .any(|t| t.contains("no kind player can hear this")),
            "{text:#?}"
        );
        assert!(
            text.iter().any(|t| t.contains("field `herrings[0]`")),
            "{text:#?}"
        );
        let mut case = cases[0].clone();
        case.culprit = "Zebedee".into();
        let p = against_cast(&case, &cast, "x.case.ron");
        assert_eq!(p.len(), 1, "{p:?}");
        assert!(
            p[0].to_string()
                .contains("no villager is called \"Zebedee\""),
            "{}",
            p[0]
        );
    }
}
