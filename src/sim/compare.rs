//! `sim --compare-policies`: random, utility and the trained policy on the same seeds, side by side.

use std::collections::BTreeMap;

use serde::Serialize;

use super::report::ReactionShares;
use super::run::{SimError, SimOptions, run_sim};
use crate::ml::policy::net::PolicyNet;
use crate::sim::policy::PolicyChoice;

/// One policy's results, averaged over the seeds.
#[derive(Debug, Serialize)]
pub struct PolicyResult {
    pub(crate) seeds: Vec<u64>,
    /// Mean reward per NPC per game second.
    pub mean_reward: f64,
    /// Injuries from threats per run.
    pub harmed: f64,
    pub(crate) needs_satisfied: f64,
    pub(crate) action_histogram: BTreeMap<&'static str, f64>,
    /// The same at night only (the runs that reach 21 o'clock).
    pub night_action_histogram: BTreeMap<&'static str, f64>,
    /// Injuries per run by what the villager was doing when bitten.
    pub(crate) harm_by_action: BTreeMap<&'static str, f64>,
    /// Keeping near a trusted player, away from a distrusted one, fleeing wolves (shares).
    pub reactions: ReactionShares,
    /// Set when the policy could not run (for the network: missing or mismatched weights).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// Runs each policy on each seed (lockstep, so runs are reproducible) and averages.
pub fn compare_policies(
    base: &SimOptions,
    seeds: &[u64],
    policy_file: std::path::PathBuf,
) -> Result<BTreeMap<&'static str, PolicyResult>, SimError> {
    let choices = [
        PolicyChoice::Random { seed: 7 },
        PolicyChoice::Utility,
        PolicyChoice::Net(policy_file.clone()),
    ];
    let mut out = BTreeMap::new();
    for choice in choices {
        let mut r = PolicyResult {
            seeds: seeds.to_vec(),
            mean_reward: 0.0,
            harmed: 0.0,
            needs_satisfied: 0.0,
            action_histogram: BTreeMap::new(),
            night_action_histogram: BTreeMap::new(),
            harm_by_action: BTreeMap::new(),
            reactions: ReactionShares::default(),
            error: None,
        };
        // Never let the utility fallback pose as the trained policy.
        if let PolicyChoice::Net(path) = &choice
            && let Err(e) = PolicyNet::load(path)
        {
            r.error = Some(e.to_string());
            out.insert(choice.name(), r);
            continue;
        }
        let n = seeds.len().max(1) as f64;
        for &seed in seeds {
            eprintln!("compare: {} on seed {seed}", choice.name());
            let report = run_sim(SimOptions {
                seed,
                lockstep: true,
                policy: choice.clone(),
                ..base.clone()
            })?;
            r.mean_reward += report.mean_reward / n;
            r.harmed += report.harmed as f64 / n;
            r.needs_satisfied += report.needs_satisfied / n;
            for (k, v) in report.action_histogram {
                *r.action_histogram.entry(k).or_insert(0.0) += v / n;
            }
            for (k, v) in report.night_action_histogram {
                *r.night_action_histogram.entry(k).or_insert(0.0) += v / n;
            }
            for (k, v) in report.harm_by_action {
                *r.harm_by_action.entry(k).or_insert(0.0) += v as f64 / n;
            }
            let (a, b) = (&mut r.reactions, report.reactions);
            a.trusting_close += b.trusting_close / n;
            a.distrusting_close += b.distrusting_close / n;
            a.fleeing_wolf_near += b.fleeing_wolf_near / n;
        }
        out.insert(choice.name(), r);
    }
    Ok(out)
}
