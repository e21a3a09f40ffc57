//! The policy's observation encoding, version [`OBS_VERSION`]: an [`Observation`] as [`OBS_DIM`]
//! numbers, each roughly in [-1, 1]. Weights record the version they were trained with; a change
//! here must bump it.
//!
//! | index | feature |
//! |---|---|
//! | 0..3 | needs: hunger, energy, social (0..1) |
//! | 3..6 | emotion: valence, arousal, dominance (-1..1) |
//! | 6..11 | persona: bravery, sociability, diligence, temper, honesty (0..1) |
//! | 11..13 | time of day: sin and cos of the hour angle |
//! | 13..16 | player: direction x, y and distance / 1000 (capped at 1) |
//! | 16..19 | nearest threat: the same |
//! | 19..22 | home: the same |
//! | 22..25 | work: the same |
//! | 25 | trust towards the player (-1..1) |
//! | 26 | health (0..1) |
//! | 27..37 | current action, one-hot in `Action::ALL` order |
//! | 37..48 | scheduled action, one-hot, and a last slot for "none" |
//! | 48..58 | the hand-written utility AI's score per action (-1 where impossible) |
//!
//! The utility scores make the network a learned correction of the hand-written AI rather than a
//! policy learned from nothing: it can start where the utility AI is and improve on it.

use crate::decide::Action;
use crate::decide::Observation;
use crate::decide::utility;

/// Version of this encoding; stored in the weights' metadata and checked at load.
pub const OBS_VERSION: u32 = 1;
/// Length of an encoded observation.
pub const OBS_DIM: usize = 58;
/// Number of actions the policy chooses from.
pub const ACTIONS: usize = Action::ALL.len();

/// Why an observation cannot be encoded.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("observation field {0} is not a finite number")]
pub struct NotFinite(pub &'static str);

fn place(out: &mut [f32], (dir, dist): ([f32; 2], f32)) {
    out[0] = dir[0];
    out[1] = dir[1];
    out[2] = (dist / 1000.0).min(1.0);
}

/// Encodes `o`; a NaN or infinite input is an error, never a silent zero.
pub fn encode(o: &Observation) -> Result<[f32; OBS_DIM], NotFinite> {
    let checks: [(&'static str, &[f32]); 10] = [
        ("needs", &o.needs),
        ("emotion", &o.emotion),
        ("persona", &o.persona),
        ("hour", std::slice::from_ref(&o.hour)),
        ("player", &[o.player.0[0], o.player.0[1], o.player.1]),
        ("threat", &[o.threat.0[0], o.threat.0[1], o.threat.1]),
        ("home", &[o.home.0[0], o.home.0[1], o.home.1]),
        ("work", &[o.work.0[0], o.work.0[1], o.work.1]),
        ("trust", std::slice::from_ref(&o.trust)),
        ("health", std::slice::from_ref(&o.health)),
    ];
    if let Some((name, _)) = checks
        .iter()
        .find(|(_, v)| v.iter().any(|x| !x.is_finite()))
    {
        return Err(NotFinite(name));
    }
    let mut x = [0.0f32; OBS_DIM];
    x[0..3].copy_from_slice(&o.needs);
    x[3..6].copy_from_slice(&o.emotion);
    x[6..11].copy_from_slice(&o.persona);
    let angle = o.hour / 24.0 * std::f32::consts::TAU;
    x[11] = angle.sin();
    x[12] = angle.cos();
    place(&mut x[13..16], o.player);
    place(&mut x[16..19], o.threat);
    place(&mut x[19..22], o.home);
    place(&mut x[22..25], o.work);
    x[25] = o.trust;
    x[26] = o.health;
    x[27 + o.current.index()] = 1.0;
    x[37 + o.scheduled.map_or(ACTIONS, |a| a.index())] = 1.0;
    x[48..58].copy_from_slice(&utility::scores(o));
    Ok(x)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_feature_has_its_slot() {
        let o = Observation {
            needs: [0.1, 0.2, 0.3],
            emotion: [-0.5, 0.5, 0.0],
            persona: [0.9; 5],
            hour: 6.0,
            player: ([1.0, 0.0], 2500.0),
            trust: 0.4,
            health: 0.8,
            current: Action::Flee,
            scheduled: Some(Action::Work),
            ..Default::default()
        };
        let x = encode(&o).unwrap();
        assert_eq!(&x[0..3], &[0.1, 0.2, 0.3]);
        assert!(
            (x[11] - 1.0).abs() < 1e-6 && x[12].abs() < 1e-6,
            "6 o'clock is a quarter turn"
        );
        assert_eq!(&x[13..16], &[1.0, 0.0, 1.0], "distance capped");
        assert_eq!((x[25], x[26]), (0.4, 0.8));
        assert_eq!(x[27 + Action::Flee.index()], 1.0);
        assert_eq!(x[27..37].iter().sum::<f32>(), 1.0);
        assert_eq!(x[37 + Action::Work.index()], 1.0);
        let none = encode(&Observation::default()).unwrap();
        assert_eq!(none[47], 1.0, "no schedule has its own slot");
    }

    #[test]
    fn nan_is_an_error_naming_the_field() {
        let o = Observation {
            trust: f32::NAN,
            ..Default::default()
        };
        assert_eq!(encode(&o), Err(NotFinite("trust")));
    }
}
