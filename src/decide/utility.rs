//! The hand-written utility AI: scores every action from needs × persona × emotion × situation.
//! Served through the policy lane (`inference::backends::utility`) and called directly as the
//! fallback when a decision fails.

use super::action::Action;
use super::mask::{AT_PLACE, THREAT_RANGE, action_mask, is_night};
use super::observation::Observation;

/// One score per action in [`Action::ALL`] order; impossible actions score `-1`.
pub(crate) fn scores(o: &Observation) -> [f32; 10] {
    let [hunger, energy, social] = o.needs;
    let [bravery, sociability, diligence, temper, _honesty] = o.persona;
    let [valence, arousal, dominance] = o.emotion;
    let night = if is_night(o.hour) { 1.0 } else { 0.0 };
    let work_hours = if (7.0..18.0).contains(&o.hour) {
        1.0
    } else {
        0.0
    };
    let threat_near = (1.0 - o.threat.1 / THREAT_RANGE).clamp(0.0, 1.0);
    // Emotion as three drives: fear (unpleasant, aroused, powerless) makes NPCs flee or hide at
    // home, anger (unpleasant, aroused, dominant) makes them avoid the player, joy makes them seek
    // company.
    let upset = (-valence).max(0.0) * (0.3 + 0.7 * arousal.max(0.0));
    let fear = (upset * (0.3 + (-dominance).max(0.0))).clamp(0.0, 1.0);
    let anger = (upset * (0.3 + dominance.max(0.0))).clamp(0.0, 1.0);
    let joy = valence.max(0.0);
    let tired = (1.0 - energy).clamp(0.0, 1.0);
    let lonely = (1.0 - social).clamp(0.0, 1.0);
    let trust = o.trust.clamp(-1.0, 1.0);

    let mut s = [0.0f32; 10];
    s[Action::Idle.index()] = 0.08;
    s[Action::Wander.index()] = 0.12 + 0.1 * (1.0 - diligence) * (1.0 - night);
    s[Action::Work.index()] = work_hours * diligence * (0.35 + 0.45 * energy) * (1.0 - hunger);
    s[Action::Eat.index()] = hunger.powf(1.5) * 1.2;
    s[Action::Sleep.index()] = tired.powf(1.5) * 1.1 + night * 0.5;
    s[Action::GoHome.index()] = if o.home.1 > AT_PLACE {
        (tired.powf(1.5) + night * 0.6 + threat_near * 0.4 + fear * 0.5).min(1.2)
    } else {
        0.0
    };
    s[Action::Socialize.index()] = (lonely + 0.5 * joy)
        * (0.3 + 0.7 * sociability)
        * (0.5 + 0.5 * energy)
        * (1.0 - 0.6 * night);
    s[Action::ApproachPlayer.index()] =
        sociability * trust.max(0.0) * 0.5 + 0.2 * valence.max(0.0) * sociability;
    s[Action::AvoidPlayer.index()] = (-trust).max(0.0) * (0.4 + 0.4 * temper) + 0.9 * anger;
    s[Action::Flee.index()] =
        threat_near * (1.3 - bravery) * 1.4 + fear * 0.6 + (1.0 - o.health) * threat_near;
    if let Some(a) = o.scheduled {
        s[a.index()] += 0.25;
    }
    let mask = action_mask(o);
    for (v, ok) in s.iter_mut().zip(mask) {
        if !ok || !v.is_finite() {
            *v = -1.0;
        }
    }
    s
}

/// The best-scoring possible action (ties go to the earlier action).
pub(crate) fn decide(o: &Observation) -> Action {
    let s = scores(o);
    let mut best = 0;
    for i in 1..s.len() {
        if s[i] > s[best] {
            best = i;
        }
    }
    Action::ALL[best]
}
