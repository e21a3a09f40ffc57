//! The seven emotion labels shared by the classifier, the NPCs' emotion state and the game: their
//! order (the head's output order), typical valence/arousal/dominance and words, and the label a
//! valence/arousal/dominance point reads as.

use serde::{Deserialize, Serialize};

/// An emotion label. [`EmotionLabel::ALL`] is the order of the classifier's outputs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EmotionLabel {
    Joy,
    Anger,
    Fear,
    Sadness,
    Surprise,
    Disgust,
    #[default]
    Neutral,
}

impl EmotionLabel {
    /// Every label, in the classifier's output order.
    pub(crate) const ALL: [EmotionLabel; 7] = [
        EmotionLabel::Joy,
        EmotionLabel::Anger,
        EmotionLabel::Fear,
        EmotionLabel::Sadness,
        EmotionLabel::Surprise,
        EmotionLabel::Disgust,
        EmotionLabel::Neutral,
    ];

    /// Position in [`EmotionLabel::ALL`].
    pub(crate) fn index(self) -> usize {
        self as usize
    }

    /// The lowercase name used in datasets, JSON and weight metadata.
    pub(crate) fn name(self) -> &'static str {
        match self {
            EmotionLabel::Joy => "joy",
            EmotionLabel::Anger => "anger",
            EmotionLabel::Fear => "fear",
            EmotionLabel::Sadness => "sadness",
            EmotionLabel::Surprise => "surprise",
            EmotionLabel::Disgust => "disgust",
            EmotionLabel::Neutral => "neutral",
        }
    }

    /// The label called `name` (lowercase, surrounding spaces ignored).
    pub(crate) fn parse(name: &str) -> Option<EmotionLabel> {
        let name = name.trim();
        EmotionLabel::ALL.into_iter().find(|l| l.name() == name)
    }

    /// How someone feeling this is described ("You feel angry").
    pub(crate) fn adjective(self) -> &'static str {
        match self {
            EmotionLabel::Joy => "happy",
            EmotionLabel::Anger => "angry",
            EmotionLabel::Fear => "afraid",
            EmotionLabel::Sadness => "sad",
            EmotionLabel::Surprise => "surprised",
            EmotionLabel::Disgust => "disgusted",
            EmotionLabel::Neutral => "calm",
        }
    }

    /// Typical valence, arousal, dominance of the label (near the mean of our dataset).
    pub(crate) fn prototype(self) -> [f32; 3] {
        match self {
            EmotionLabel::Joy => [0.7, 0.4, 0.4],
            EmotionLabel::Anger => [-0.7, 0.75, 0.55],
            EmotionLabel::Fear => [-0.7, 0.7, -0.6],
            EmotionLabel::Sadness => [-0.65, -0.3, -0.45],
            EmotionLabel::Surprise => [0.2, 0.65, -0.05],
            EmotionLabel::Disgust => [-0.65, 0.3, 0.3],
            EmotionLabel::Neutral => [0.0, -0.3, 0.05],
        }
    }
}

/// Below this distance from the origin a VAD point reads as neutral.
const NEUTRAL_RADIUS: f32 = 0.2;
/// A point must point this much (cosine) towards a label's prototype to read as that label.
const MIN_LIKENESS: f32 = 0.6;

/// The label a valence/arousal/dominance point reads as, and its intensity in [0, 1]: the label
/// whose prototype points the same way (cosine) and the point's distance from the origin. Points
/// near the origin or like no prototype (say, merely dominant) read as neutral, intensity 0.
pub fn dominant(vad: [f32; 3]) -> (EmotionLabel, f32) {
    let len = vad.iter().map(|x| x * x).sum::<f32>().sqrt();
    if !len.is_finite() || len < NEUTRAL_RADIUS {
        return (EmotionLabel::Neutral, 0.0);
    }
    let mut best = (EmotionLabel::Neutral, MIN_LIKENESS);
    for label in EmotionLabel::ALL {
        if label == EmotionLabel::Neutral {
            continue;
        }
        let p = label.prototype();
        let plen = p.iter().map(|x| x * x).sum::<f32>().sqrt();
        let cos = vad.iter().zip(p).map(|(a, b)| a * b).sum::<f32>() / (len * plen);
        if cos > best.1 {
            best = (label, cos);
        }
    }
    match best.0 {
        EmotionLabel::Neutral => (EmotionLabel::Neutral, 0.0),
        label => (label, len.min(1.0)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_in_output_order() {
        for (i, l) in EmotionLabel::ALL.into_iter().enumerate() {
            assert_eq!(l.index(), i);
            assert_eq!(EmotionLabel::parse(l.name()), Some(l));
        }
        assert_eq!(EmotionLabel::parse("rage"), None);
    }

    #[test]
    fn prototypes_read_as_their_own_label() {
        for l in EmotionLabel::ALL {
            let (got, intensity) = dominant(l.prototype());
            if l == EmotionLabel::Neutral {
                assert_eq!((got, intensity), (l, 0.0));
            } else {
                assert_eq!(got, l, "{l:?}");
                assert!(intensity > 0.5);
            }
        }
        assert_eq!(dominant([0.05, -0.1, 0.0]).0, EmotionLabel::Neutral);
        assert_eq!(dominant([f32::NAN, 0.0, 0.0]), (EmotionLabel::Neutral, 0.0));
        // Merely dominant is no emotion; unpleasant and dominant is anger.
        assert_eq!(dominant([0.0, 0.1, 0.6]).0, EmotionLabel::Neutral);
        assert_eq!(dominant([-0.7, 0.8, 0.1]).0, EmotionLabel::Anger);
    }
}
