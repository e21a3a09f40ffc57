//! Grounded fact replies, for measuring how they decode: every villager of a case asked about each
//! thing it knows, at full trust, through the prompt the game builds to state that fact (the first
//! attempt's: the fact in the system turn, the first half of its words as the reply's start).

use std::sync::Arc;

use crate::config::{CaseConfig, NpcConfig};
use crate::decide::sampling::Sampling;
use crate::decide::talk::{DialoguePlan, Intent, Move};
use crate::inference::WorldNames;
use crate::ml::dialogue::realise;
use crate::ml::dialogue::request::{self, Turn};
use crate::ml::lm::model::Prompt;

/// One villager stating one of its facts.
#[derive(Clone, Debug)]
pub struct FactPrompt {
    pub speaker: String,
    pub prompt: Prompt,
    /// The villager's own sampling.
    pub sampling: Sampling,
}

/// Every fact every villager of `cast` knows in `case` (its own and the case's), as the prompt of
/// a reply that states it.
pub fn fact_prompts(
    cast: &[NpcConfig],
    case: Option<&CaseConfig>,
    world: &Arc<WorldNames>,
) -> Vec<FactPrompt> {
    let mut out = Vec::new();
    for c in cast {
        let c = case.map_or_else(|| c.clone(), |k| k.member(c));
        let known = request::knowledge(&c, 1.0);
        for (k, entry) in known.iter().enumerate() {
            let about = entry
                .topics
                .first()
                .or(entry.keys.first())
                .map_or("last night", |t| t.split('|').next().unwrap_or(t));
            let line = format!("What do you know about {about}?");
            let req = request::request(&c, 1.0, [0.0; 3], &[], Turn::Say(&line), world, 0);
            let plan = DialoguePlan {
                intent: Intent::Question,
                mv: Move::StateFact(k),
                retrieved: vec![(k, 1.0)],
            };
            out.push(FactPrompt {
                speaker: c.name.clone(),
                prompt: realise::prompt(&req, &plan, 0),
                sampling: c.sampling,
            });
        }
    }
    out
}
