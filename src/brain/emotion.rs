//! Emotion state: each NPC's valence/arousal/dominance, the label and intensity it reads as, decay
//! towards the temperament in its RON file, and appraisal of what it lives through (what the player
//! says to it, gifts, threats nearby, being hurt, seeing someone hurt), which also moves its trust
//! towards the player. The decision inputs and the dialogue prompt read it from here.

use bevy::prelude::*;

use super::components::{Emotion, Profile, Trust};
use crate::config::schema::{Appraisal, Persona, Temperament};
use crate::decide::EmotionLabel;
use crate::decide::talk::Intent;
use crate::world::components::{Needs, PlayerWords, Position, Villager};

/// Something an NPC lives through that moves its emotion.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Experience {
    /// The player gave it something.
    Gift,
    Praise,
    Insult,
    /// A threat (a wolf) came near.
    Threat,
    /// It was hurt.
    Harm,
    /// It saw someone nearby get hurt.
    WitnessHarm,
    /// The player said something the emotion lane read as `label` with probability `confidence`,
    /// with this intent (from its words).
    Heard {
        label: EmotionLabel,
        confidence: f32,
        vad: [f32; 3],
        intent: Intent,
    },
}

/// `npc` lived through `experience` (appraised in [`crate::NpcSystems::Apply`]).
#[derive(Message, Clone, Copy, Debug)]
pub struct NpcExperienced {
    pub npc: Entity,
    pub experience: Experience,
}

/// Default emotion deltas per event, before persona scaling; `appraisal` in RON replaces them.
pub(crate) const GIFT: [f32; 3] = [0.4, 0.2, 0.1];
pub(crate) const PRAISE: [f32; 3] = [0.3, 0.1, 0.1];
pub(crate) const INSULT: [f32; 3] = [-0.35, 0.35, 0.2];
pub(crate) const THREAT: [f32; 3] = [-0.3, 0.4, -0.35];
pub(crate) const HARM: [f32; 3] = [-0.5, 0.5, -0.4];
pub(crate) const WITNESS_HARM: [f32; 3] = [-0.25, 0.3, -0.2];

/// Trust change per event (kindness raises it, insults lower it).
const TRUST_GIFT: f32 = 0.2;
const TRUST_PRAISE: f32 = 0.1;
const TRUST_INSULT: f32 = -0.12;
/// A kind word is company: this much of the social need is met.
const SOCIAL_PER_KIND_WORD: f32 = 0.1;
/// Bread: this much of the hunger is gone.
const HUNGER_PER_GIFT: f32 = 0.35;
/// Share of the way an NPC's emotion moves towards a player's fear, sadness or surprise (empathy).
const CONTAGION: f32 = 0.35;
/// Distance within which villagers see someone get hurt.
pub(crate) const WITNESS_RANGE: f32 = 150.0;

/// How much `experience` moves an NPC's emotion (a delta) and its trust towards the player.
/// Personality scales it: sociable NPCs take kindness to heart, hot-tempered ones take insults
/// harder, brave ones are shaken less by danger.
pub(crate) fn appraise(
    experience: Experience,
    current: [f32; 3],
    persona: &Persona,
    overrides: &Appraisal,
) -> ([f32; 3], f32) {
    let scaled =
        |base: [f32; 3], over: Option<[f32; 3]>, k: f32| over.unwrap_or(base).map(|x| x * k);
    let kind = 0.6 + 0.8 * persona.sociability;
    let touchy = 0.6 + 0.8 * persona.temper;
    let timid = (1.4 - persona.bravery).max(0.2);
    match experience {
        Experience::Gift => (scaled(GIFT, overrides.gift, kind), TRUST_GIFT),
        Experience::Praise => (scaled(PRAISE, overrides.praise, kind), TRUST_PRAISE),
        Experience::Insult => (scaled(INSULT, overrides.insult, touchy), TRUST_INSULT),
        Experience::Threat => (scaled(THREAT, overrides.threat, timid), 0.0),
        Experience::Harm => (scaled(HARM, overrides.harm, timid), 0.0),
        Experience::WitnessHarm => (scaled(WITNESS_HARM, overrides.witness_harm, timid), 0.0),
        Experience::Heard {
            label,
            confidence,
            vad,
            intent,
        } => {
            let c = if confidence.is_finite() {
                confidence.clamp(0.0, 1.0)
            } else {
                0.0
            };
            let as_event = |e: Experience, k: f32| {
                let (d, t) = appraise(e, current, persona, overrides);
                (d.map(|x| x * k * c), t * k * c)
            };
            // What the line does comes first: an apology or thanks warms whatever it sounds like,
            // an insult cools; otherwise the feeling it carries is felt.
            match intent {
                Intent::Insult => return as_event(Experience::Insult, 1.0),
                Intent::Apology | Intent::Thanks | Intent::Praise => {
                    return as_event(Experience::Praise, 1.0);
                }
                Intent::Greeting | Intent::Farewell => return as_event(Experience::Praise, 0.3),
                _ => {}
            }
            match label {
                EmotionLabel::Joy => as_event(Experience::Praise, 1.0),
                EmotionLabel::Anger => as_event(Experience::Insult, 1.0),
                EmotionLabel::Disgust => as_event(Experience::Insult, 0.7),
                EmotionLabel::Fear | EmotionLabel::Sadness | EmotionLabel::Surprise => {
                    let mut d = [0.0; 3];
                    for k in 0..3 {
                        d[k] = (vad[k] - current[k]) * CONTAGION * c;
                    }
                    (d, 0.0)
                }
                EmotionLabel::Neutral => ([0.0; 3], 0.0),
            }
        }
    }
}

/// `vad` after `dt` seconds of exponential decay towards `baseline` with the given half-life.
pub(crate) fn decay(vad: [f32; 3], baseline: [f32; 3], dt: f32, half_life: f32) -> [f32; 3] {
    let keep = if half_life > 0.0 && half_life.is_finite() {
        0.5f32.powf(dt.max(0.0) / half_life)
    } else {
        0.0
    };
    let mut out = [0.0; 3];
    for k in 0..3 {
        out[k] = baseline[k] + (vad[k] - baseline[k]) * keep;
    }
    out
}

/// The resting point of a temperament.
pub fn baseline(t: &Temperament) -> [f32; 3] {
    [t.valence, t.arousal, t.dominance]
}

pub(super) fn plugin(app: &mut App) {
    app.add_message::<NpcExperienced>()
        .add_systems(
            Update,
            appraise_experiences.in_set(crate::NpcSystems::Apply),
        )
        .add_systems(Update, decay_emotions.in_set(crate::NpcSystems::Simulate))
        .add_observer(start_at_temperament);
}

/// A new villager starts at its temperament.
fn start_at_temperament(add: On<Add, Profile>, mut q: Query<(&Profile, &mut Emotion)>) {
    if let Ok((profile, mut emotion)) = q.get_mut(add.entity) {
        *emotion = Emotion::at(baseline(&profile.0.temperament));
    }
}

/// What an NPC feels with, and the needs and word counts that the player's words move.
type Feeling<'a> = (
    &'a Profile,
    &'a mut Emotion,
    &'a mut Trust,
    Option<&'a mut Needs>,
    Option<&'a mut PlayerWords>,
);

fn appraise_experiences(
    mut experienced: MessageReader<NpcExperienced>,
    mut q: Query<Feeling>,
    positions: Query<(Entity, &Position), With<Villager>>,
) {
    let mut witnesses = Vec::new();
    for m in experienced.read() {
        feel(&mut q, m.npc, m.experience);
        if m.experience == Experience::Harm {
            witnesses.extend(witnesses_of(&positions, m.npc));
        }
    }
    for e in witnesses {
        feel(&mut q, e, Experience::WitnessHarm);
    }
}

/// The villagers near enough to `victim` to see it hurt (itself left out).
pub(super) fn witnesses_of(
    positions: &Query<(Entity, &Position), With<Villager>>,
    victim: Entity,
) -> Vec<Entity> {
    let Ok((_, at)) = positions.get(victim) else {
        return Vec::new();
    };
    positions
        .iter()
        .filter(|(e, p)| *e != victim && p.0.distance(at.0) <= WITNESS_RANGE)
        .map(|(e, _)| e)
        .collect()
}

fn feel(q: &mut Query<Feeling>, npc: Entity, e: Experience) {
    let Ok((profile, mut emotion, mut trust, needs, words)) = q.get_mut(npc) else {
        return;
    };
    let c = &profile.0;
    let (delta, dt) = appraise(e, emotion.vad, &c.persona, &c.appraisal);
    let mut vad = emotion.vad;
    for k in 0..3 {
        vad[k] += delta[k];
    }
    *emotion = Emotion::at(vad);
    trust.0 = (trust.0 + dt).clamp(-1.0, 1.0);
    // Only the player moves trust: a rise is a kind word (company), a fall a rude one.
    if let Some(mut words) = words {
        if dt > 0.0 {
            words.kind += 1;
        } else if dt < 0.0 {
            words.rude += 1;
        }
    }
    if let Some(mut needs) = needs {
        if dt > 0.0 {
            needs.social = (needs.social + SOCIAL_PER_KIND_WORD).min(1.0);
        }
        if e == Experience::Gift {
            needs.hunger = (needs.hunger - HUNGER_PER_GIFT).max(0.0);
        }
    }
}

fn decay_emotions(time: Res<Time>, mut q: Query<(&Profile, &mut Emotion)>) {
    let dt = time.delta_secs();
    if dt <= 0.0 {
        return;
    }
    for (profile, mut emotion) in &mut q {
        let t = &profile.0.temperament;
        let next = Emotion::at(decay(emotion.vad, baseline(t), dt, t.half_life_secs));
        // Skip the write when nothing moved, so change detection stays meaningful.
        if next != *emotion {
            *emotion = next;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn persona(bravery: f32, sociability: f32, temper: f32) -> Persona {
        Persona {
            bravery,
            sociability,
            diligence: 0.5,
            temper,
            honesty: 0.5,
        }
    }

    #[test]
    fn decay_halves_the_distance_each_half_life() {
        let base = [0.2, 0.0, -0.1];
        let v = decay([1.0, 0.8, 0.5], base, 30.0, 30.0);
        assert!(
            (v[0] - 0.6).abs() < 1e-5 && (v[1] - 0.4).abs() < 1e-5 && (v[2] - 0.2).abs() < 1e-5
        );
        let v = decay([1.0, 0.8, 0.5], base, 90.0, 30.0);
        assert!((v[0] - (0.2 + 0.8 / 8.0)).abs() < 1e-5);
        // Many small steps equal one big step.
        let mut w = [1.0, 0.8, 0.5];
        for _ in 0..600 {
            w = decay(w, base, 0.05, 30.0);
        }
        assert!((w[0] - 0.6).abs() < 1e-3, "{w:?}");
        assert_eq!(decay([1.0, 1.0, 1.0], base, 0.0, 30.0), [1.0, 1.0, 1.0]);
        assert_eq!(decay([1.0, 1.0, 1.0], base, 1.0, 0.0), base);
    }

    #[test]
    fn kindness_raises_trust_and_insults_lower_it() {
        let p = persona(0.5, 0.5, 0.5);
        let none = Appraisal::default();
        let (d, t) = appraise(Experience::Praise, [0.0; 3], &p, &none);
        assert!(d[0] > 0.0 && t > 0.0);
        let (d, t) = appraise(Experience::Insult, [0.0; 3], &p, &none);
        assert!(d[0] < 0.0 && d[1] > 0.0 && t < 0.0);
        let (_, t) = appraise(Experience::Gift, [0.0; 3], &p, &none);
        assert!(t > TRUST_PRAISE);
    }

    #[test]
    fn personality_scales_and_ron_overrides_replace() {
        let calm = persona(0.5, 0.5, 0.0);
        let hot = persona(0.5, 0.5, 1.0);
        let none = Appraisal::default();
        let (dc, _) = appraise(Experience::Insult, [0.0; 3], &calm, &none);
        let (dh, _) = appraise(Experience::Insult, [0.0; 3], &hot, &none);
        assert!(dh[0] < dc[0] * 2.0, "the hot-tempered take insults harder");
        let brave = persona(1.0, 0.5, 0.5);
        let timid = persona(0.0, 0.5, 0.5);
        let (db, _) = appraise(Experience::Threat, [0.0; 3], &brave, &none);
        let (dt, _) = appraise(Experience::Threat, [0.0; 3], &timid, &none);
        assert!(dt[2] < db[2] && dt[0] < db[0], "the timid are shaken more");
        let custom = Appraisal {
            insult: Some([0.5, 0.0, 0.0]),
            ..Appraisal::default()
        };
        let (d, _) = appraise(Experience::Insult, [0.0; 3], &calm, &custom);
        assert!((d[0] - 0.5 * 0.6).abs() < 1e-6 && d[1] == 0.0);
    }

    #[test]
    fn what_the_player_says_is_appraised_by_label_and_confidence() {
        let p = persona(0.5, 0.5, 0.5);
        let none = Appraisal::default();
        let heard = |label, confidence| Experience::Heard {
            label,
            confidence,
            vad: label.prototype(),
            intent: Intent::Question,
        };
        let (sure, ts) = appraise(heard(EmotionLabel::Anger, 1.0), [0.0; 3], &p, &none);
        let (unsure, tu) = appraise(heard(EmotionLabel::Anger, 0.4), [0.0; 3], &p, &none);
        assert!(sure[0] < unsure[0] && unsure[0] < 0.0 && ts < tu && tu < 0.0);
        let (d, t) = appraise(heard(EmotionLabel::Joy, 0.9), [0.0; 3], &p, &none);
        assert!(d[0] > 0.0 && t > 0.0);
        let (d, t) = appraise(heard(EmotionLabel::Neutral, 1.0), [0.3; 3], &p, &none);
        assert_eq!((d, t), ([0.0; 3], 0.0));
        // Sadness is catching: the NPC moves part of the way towards it, trust unchanged.
        let (d, t) = appraise(heard(EmotionLabel::Sadness, 1.0), [0.0; 3], &p, &none);
        assert!(d[0] < 0.0 && d[1] < 0.0 && t == 0.0);
        let (d, _) = appraise(heard(EmotionLabel::Joy, f32::NAN), [0.0; 3], &p, &none);
        assert_eq!(d, [0.0; 3]);
    }

    #[test]
    fn what_a_line_does_comes_before_how_it_sounds() {
        let p = persona(0.5, 0.5, 0.5);
        let none = Appraisal::default();
        let said = |label: EmotionLabel, intent| Experience::Heard {
            label,
            confidence: 0.9,
            vad: label.prototype(),
            intent,
        };
        // A sad-sounding apology warms; an insult read as joy still cools.
        let (d, t) = appraise(
            said(EmotionLabel::Sadness, Intent::Apology),
            [0.0; 3],
            &p,
            &none,
        );
        assert!(d[0] > 0.0 && t > 0.0);
        let (d, t) = appraise(said(EmotionLabel::Joy, Intent::Insult), [0.0; 3], &p, &none);
        assert!(d[0] < 0.0 && t < 0.0);
        let (_, t) = appraise(
            said(EmotionLabel::Anger, Intent::Thanks),
            [0.0; 3],
            &p,
            &none,
        );
        assert!(t > 0.0);
    }

    #[test]
    fn emotion_is_clamped_and_labelled() {
        let e = Emotion::at([-3.0, 2.0, 0.9]);
        assert_eq!(e.vad, [-1.0, 1.0, 0.9]);
        assert_eq!(e.label, EmotionLabel::Anger);
        assert_eq!(e.intensity, 1.0);
        assert_eq!(Emotion::at([f32::NAN, 0.0, 0.0]).vad, [0.0; 3]);
    }
}
