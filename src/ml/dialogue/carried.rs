//! What a reply may bring up of the mystery: the words its plan, the facts already told, the
//! person it sends the player to and the villager's own talk carry. Every other word tied to the
//! mystery is forbidden to it (see `meaning::invented_event`).

use super::conversation::Conversation;
use super::plan;
use crate::decide::keys;
use crate::decide::talk::{DialoguePlan, Move};
use crate::inference::DialogueRequest;

/// The mystery's words this reply may not bring up: all but those of what the plan states, the
/// entry it is about, the facts already told, the person it sends the player to, and the
/// villager's own trade, persona and small-talk subjects.
pub(crate) fn forbidden(
    req: &DialogueRequest,
    plan: &DialoguePlan,
    conv: &Conversation,
) -> Vec<String> {
    let mut carried: Vec<String> = Vec::new();
    let mut add = |text: &str| carried.extend(keys::words(text));
    if let Some((said, _)) = plan::content(plan, req) {
        add(&said);
    }
    let entries = plan.mv.entry().into_iter().chain(conv.told.iter().copied());
    for k in entries.filter(|&k| req.knowledge[k].allowed) {
        add(&req.knowledge[k].text);
        for (_, d) in req.knowledge[k].details.written() {
            add(d);
        }
    }
    if let Move::Lead(i) = plan.mv {
        let p = &req.world.people[i];
        add(&format!("{} {} {}", p.name, p.role, p.place));
    }
    // What the player just told (not asked) is theirs to have said: the villager may take it up.
    if !super::understand::is_asking(&req.line) {
        add(&req.line);
    }
    add(&req.persona);
    add(&req.role);
    add(&req.work_place);
    for t in &req.talk_about {
        add(t);
    }
    req.world
        .mystery_words
        .iter()
        .filter(|w| !keys::group_present(&carried, w))
        .cloned()
        .collect()
}
