//! The player's taste: a bandit over the soundtrack's style (tempo, density, instrumentation).
//! Each piece is played in a style drawn by Thompson sampling, one Beta posterior per choice of
//! each parameter; a like (`L`) counts a success for the piece's choices, a skip (`K`) a failure.
//! Learnt across runs (kept with the settings); `npc-minds music --taste FILE` shows it.

use std::path::Path;

use super::MusicError;
use super::mood::Controls;
pub use crate::inference::soundtrack::Style;
use crate::ml::seeded::Rng;

/// The player's music settings, kept between runs (the game keeps them in saves/settings.ron).
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct MusicSettings {
    pub(crate) volume: f32,
    pub(crate) muted: bool,
    #[serde(default)]
    pub taste: Taste,
}

impl Default for MusicSettings {
    fn default() -> Self {
        MusicSettings {
            volume: 0.7,
            muted: false,
            taste: Taste::default(),
        }
    }
}

impl MusicSettings {
    /// Reads settings; a missing file is an error the caller may take as "defaults".
    pub fn load(path: &Path) -> Result<Self, MusicError> {
        let err = |message: String| MusicError::Io {
            path: path.display().to_string(),
            message,
        };
        let text = std::fs::read_to_string(path).map_err(|e| err(e.to_string()))?;
        ron::from_str(&text).map_err(|e| err(format!("not music settings: {e}")))
    }

    /// Writes the settings whole (a temporary file renamed into place).
    pub fn save(&self, path: &Path) -> Result<(), MusicError> {
        let text = ron::ser::to_string_pretty(self, ron::ser::PrettyConfig::default())
            .map_err(|e| MusicError::Invalid(e.to_string()))?;
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| MusicError::Io {
                path: dir.display().to_string(),
                message: e.to_string(),
            })?;
        }
        super::files::write_file(path, text.as_bytes())
    }
}

/// How much faster or slower than the mood says.
pub(crate) const TEMPO: [(&str, f32); 3] = [
    ("slower", -12.0),
    ("as the mood says", 0.0),
    ("faster", 12.0),
];
/// Busier or sparser bars than the mood says.
pub(crate) const DENSITY: [(&str, i8); 3] =
    [("sparser", -1), ("as the mood says", 0), ("busier", 1)];
/// Layer balance: (name, melody gain, pad gain).
pub(crate) const INSTRUMENTATION: [(&str, f32, f32); 3] = [
    ("pad forward", 0.7, 1.25),
    ("balanced", 1.0, 1.0),
    ("melody forward", 1.2, 0.7),
];

impl Style {
    /// The mood's own style.
    pub const NEUTRAL: Style = Style {
        tempo: 1,
        density: 1,
        instrumentation: 1,
    };

    /// Applies the style to a bar's controls.
    pub(crate) fn apply(&self, c: &mut Controls) {
        c.tempo_bpm = (c.tempo_bpm + TEMPO[usize::from(self.tempo.min(2))].1).max(40.0);
        let d = i8::try_from(c.density).unwrap_or(1) + DENSITY[usize::from(self.density.min(2))].1;
        c.density = d.clamp(0, 2) as u8;
        let (_, melody, pad) = INSTRUMENTATION[usize::from(self.instrumentation.min(2))];
        c.layers.melody = (c.layers.melody * melody).min(1.0);
        c.layers.pad = (c.layers.pad * pad).min(1.0);
    }

    /// Words for the style.
    pub(crate) fn describe(&self) -> String {
        format!(
            "tempo {}, density {}, {}",
            TEMPO[usize::from(self.tempo.min(2))].0,
            DENSITY[usize::from(self.density.min(2))].0,
            INSTRUMENTATION[usize::from(self.instrumentation.min(2))].0
        )
    }
}

/// Beta posterior (successes + 1, failures + 1) of each choice of each parameter.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Taste {
    pub(crate) tempo: [(f32, f32); 3],
    pub(crate) density: [(f32, f32); 3],
    pub(crate) instrumentation: [(f32, f32); 3],
    pub(crate) likes: u32,
    pub(crate) skips: u32,
}

impl Default for Taste {
    fn default() -> Self {
        Taste {
            tempo: [(1.0, 1.0); 3],
            density: [(1.0, 1.0); 3],
            instrumentation: [(1.0, 1.0); 3],
            likes: 0,
            skips: 0,
        }
    }
}

/// A standard normal sample (Box–Muller).
fn normal(rng: &mut Rng) -> f32 {
    let u1 = rng.unit().max(1e-7);
    let u2 = rng.unit();
    (-2.0 * u1.ln()).sqrt() * (std::f32::consts::TAU * u2).cos()
}

/// A Gamma(shape, 1) sample (Marsaglia and Tsang; shape below 1 by boosting).
fn gamma(shape: f32, rng: &mut Rng) -> f32 {
    if shape < 1.0 {
        let u = rng.unit().max(1e-7);
        return gamma(shape + 1.0, rng) * u.powf(1.0 / shape);
    }
    let d = shape - 1.0 / 3.0;
    let c = 1.0 / (9.0 * d).sqrt();
    loop {
        let x = normal(rng);
        let v = (1.0 + c * x).powi(3);
        if v <= 0.0 {
            continue;
        }
        let u = rng.unit().max(1e-7);
        if u.ln() < 0.5 * x * x + d - d * v + d * v.ln() {
            return d * v;
        }
    }
}

/// A Beta(a, b) sample.
fn beta(a: f32, b: f32, rng: &mut Rng) -> f32 {
    let x = gamma(a.max(1e-3), rng);
    let y = gamma(b.max(1e-3), rng);
    x / (x + y).max(1e-12)
}

fn draw(arms: &[(f32, f32); 3], rng: &mut Rng) -> u8 {
    let mut best = (0u8, f32::NEG_INFINITY);
    for (i, (a, b)) in arms.iter().enumerate() {
        let x = beta(*a, *b, rng);
        if x > best.1 {
            best = (i as u8, x);
        }
    }
    best.0
}

fn mean((a, b): (f32, f32)) -> f32 {
    a / (a + b)
}

fn best(arms: &[(f32, f32); 3]) -> u8 {
    (0..3u8)
        .max_by(|&i, &j| mean(arms[usize::from(i)]).total_cmp(&mean(arms[usize::from(j)])))
        .unwrap_or(1)
}

impl Taste {
    /// The style of the next piece (Thompson sampling).
    pub(crate) fn choose(&self, rng: &mut Rng) -> Style {
        Style {
            tempo: draw(&self.tempo, rng),
            density: draw(&self.density, rng),
            instrumentation: draw(&self.instrumentation, rng),
        }
    }

    /// The player liked (`true`) or skipped the piece played in `style`.
    pub fn feedback(&mut self, style: Style, liked: bool) {
        let r = if liked { 1.0 } else { 0.0 };
        for (arms, i) in [
            (&mut self.tempo, style.tempo),
            (&mut self.density, style.density),
            (&mut self.instrumentation, style.instrumentation),
        ] {
            let arm = &mut arms[usize::from(i.min(2))];
            arm.0 += r;
            arm.1 += 1.0 - r;
        }
        if liked {
            self.likes += 1;
        } else {
            self.skips += 1;
        }
    }

    /// The style with the best expected like rate of each parameter.
    pub(crate) fn favourite(&self) -> Style {
        Style {
            tempo: best(&self.tempo),
            density: best(&self.density),
            instrumentation: best(&self.instrumentation),
        }
    }

    /// What was learnt, in lines.
    pub(crate) fn describe(&self) -> String {
        let mut s = format!(
            "{} likes, {} skips; favourite: {}\n",
            self.likes,
            self.skips,
            self.favourite().describe()
        );
        let line = |name: &str, arms: &[(f32, f32); 3], names: [&str; 3]| {
            let parts: Vec<String> = (0..3)
                .map(|i| {
                    let (a, b) = arms[i];
                    format!(
                        "{} {:.0}% ({} votes)",
                        names[i],
                        100.0 * mean(arms[i]),
                        (a + b - 2.0).round()
                    )
                })
                .collect();
            format!("{name}: {}\n", parts.join(", "))
        };
        s.push_str(&line("tempo", &self.tempo, TEMPO.map(|t| t.0)));
        s.push_str(&line("density", &self.density, DENSITY.map(|t| t.0)));
        s.push_str(&line(
            "instrumentation",
            &self.instrumentation,
            INSTRUMENTATION.map(|t| t.0),
        ));
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_player_who_likes_fast_busy_music_gets_it_more_often() {
        let mut taste = Taste::default();
        let mut rng = Rng(3);
        for _ in 0..60 {
            let s = taste.choose(&mut rng);
            taste.feedback(s, s.tempo == 2 && s.density == 2);
        }
        let fav = taste.favourite();
        assert_eq!((fav.tempo, fav.density), (2, 2), "{}", taste.describe());
        let picks = (0..400)
            .map(|_| taste.choose(&mut rng))
            .filter(|s| s.tempo == 2)
            .count();
        assert!(
            picks > 240,
            "faster chosen {picks} of 400:\n{}",
            taste.describe()
        );
    }

    #[test]
    fn the_neutral_style_leaves_the_controls_alone_and_others_move_them() {
        let c = crate::music::mood::controls(crate::music::mood::Mood::default());
        let mut same = c;
        Style::NEUTRAL.apply(&mut same);
        assert_eq!(same, c);
        let mut fast = c;
        Style {
            tempo: 2,
            density: 2,
            instrumentation: 2,
        }
        .apply(&mut fast);
        assert!(fast.tempo_bpm > c.tempo_bpm && fast.density > c.density);
        assert!(fast.layers.pad < c.layers.pad);
    }

    #[test]
    fn beta_samples_have_the_right_mean() {
        let mut rng = Rng(11);
        let n = 4000;
        let m: f32 = (0..n).map(|_| beta(8.0, 2.0, &mut rng)).sum::<f32>() / n as f32;
        assert!((m - 0.8).abs() < 0.02, "{m}");
        let m: f32 = (0..n).map(|_| beta(0.5, 0.5, &mut rng)).sum::<f32>() / n as f32;
        assert!((m - 0.5).abs() < 0.03, "{m}");
    }
}
