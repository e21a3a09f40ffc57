//! Checks of what a villager says in conversation beyond its facts: each knowledge entry's
//! follow-up `details`, its `unlock` line and its `evidence`, and the villager's `talk_about`.
//! Problems are named by field path, as in `validate`.

use super::schema::{Fact, NpcConfig};
use crate::decide::keys;

/// Longest detail, unlock or small-talk line, in characters.
pub(crate) const MAX_LINE: usize = 240;

/// Problems of one villager's conversation fields, as (field path, message).
pub(crate) fn check(c: &NpcConfig) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (i, fact) in c.knowledge.iter().enumerate() {
        check_fact(fact, &format!("knowledge[{i}]"), &mut out);
    }
    for (j, t) in c.talk_about.iter().enumerate() {
        line(&format!("talk_about[{j}]"), t, &mut out);
    }
    out
}

fn line(field: &str, text: &str, out: &mut Vec<(String, String)>) {
    if text.trim().is_empty() {
        out.push((field.into(), "must not be empty".into()));
    } else if text.chars().count() > MAX_LINE {
        out.push((
            field.into(),
            format!("is longer than {MAX_LINE} characters; say it in one or two short sentences"),
        ));
    }
}

pub(crate) fn check_fact(fact: &Fact, at: &str, out: &mut Vec<(String, String)>) {
    for (name, text) in fact.details.written() {
        line(&format!("{at}.details.{name}"), text, out);
    }
    if !fact.unlock.is_empty() {
        line(&format!("{at}.unlock"), &fact.unlock, out);
        let groups = if fact.keys.is_empty() {
            keys::derive(&fact.text)
        } else {
            fact.keys.clone()
        };
        if keys::all_present(&fact.unlock, &groups) {
            out.push((
                format!("{at}.unlock"),
                "tells the fact it should hold back (it carries every key group); say what would \
                 change the villager's mind instead"
                    .into(),
            ));
        }
    }
    for (j, g) in fact.evidence.iter().enumerate() {
        if g.split('|')
            .any(|alt| !alt.chars().any(char::is_alphanumeric))
        {
            out.push((
                format!("{at}.evidence[{j}]"),
                format!(
                    "{g:?} has an empty alternative; write words separated by |, like \"lantern|light\""
                ),
            ));
        }
    }
    if !fact.evidence.is_empty() && fact.min_trust <= -1.0 {
        out.push((
            format!("{at}.evidence"),
            "the fact is told to anyone (min_trust -1): evidence would unlock nothing".into(),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fact() -> Fact {
        Fact {
            text: "Odo paid his tab in full yesterday.".into(),
            min_trust: 0.5,
            keys: vec!["Odo".into(), "paid|tab".into()],
            ..Fact::default()
        }
    }

    #[test]
    fn located_problems_in_details_unlock_and_evidence() {
        let mut f = fact();
        f.details.place = " ".into();
        f.unlock = "Odo paid, you know.".into();
        f.evidence = vec!["coin|".into()];
        let mut out = Vec::new();
        check_fact(&f, "knowledge[1]", &mut out);
        let fields: Vec<&str> = out.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(
            fields,
            ["knowledge[1].unlock", "knowledge[1].evidence[0]"],
            "{out:?}"
        );
        // A blank detail is no detail (RON may leave it out or empty).
        assert!(f.details.get(crate::decide::talk::Ask::Where).is_none());
    }

    #[test]
    fn a_good_entry_passes() {
        let mut f = fact();
        f.details.when = "Yesterday, just before noon.".into();
        f.unlock = "Buy a round and we'll see.".into();
        f.evidence = vec!["coin|money|silver".into()];
        let mut out = Vec::new();
        check_fact(&f, "knowledge[0]", &mut out);
        assert!(out.is_empty(), "{out:?}");
    }
}
