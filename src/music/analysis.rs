//! Measures of what was made, taken from the output (a score read back from its MIDI file, and
//! the rendered samples): onset density, tempo, how major the pitch content is (correlation with
//! the Krumhansl–Kessler key profiles), loudness, peaks, silences and jumps between samples.

use super::score::{Layer, Score};
use super::synth::SAMPLE_RATE;

/// Krumhansl & Kessler's (1982) probe-tone ratings, tonic first.
pub(crate) const KK_MAJOR: [f64; 12] = [
    6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88,
];
pub(crate) const KK_MINOR: [f64; 12] = [
    6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17,
];

/// What a score's notes show.
#[derive(Clone, Copy, Debug, Default, PartialEq, serde::Serialize)]
pub struct ScoreAnalysis {
    pub(crate) seconds: f64,
    pub pitched_notes: usize,
    pub(crate) drum_hits: usize,
    /// Onsets per second, every layer (pitched notes and drum hits).
    pub onsets_per_second: f64,
    /// Beats per minute, weighted by how long each tempo lasts.
    pub mean_bpm: f64,
    /// Best correlation of the duration-weighted pitch-class profile with a major key profile
    /// (over the 12 keys), and with a minor one.
    pub major_correlation: f64,
    pub minor_correlation: f64,
    pub(crate) mean_pitch: f64,
    pub(crate) mean_velocity: f64,
}

fn pearson(a: &[f64; 12], b: &[f64; 12]) -> f64 {
    let ma = a.iter().sum::<f64>() / 12.0;
    let mb = b.iter().sum::<f64>() / 12.0;
    let (mut num, mut va, mut vb) = (0.0, 0.0, 0.0);
    for i in 0..12 {
        num += (a[i] - ma) * (b[i] - mb);
        va += (a[i] - ma).powi(2);
        vb += (b[i] - mb).powi(2);
    }
    if va <= 0.0 || vb <= 0.0 {
        0.0
    } else {
        num / (va * vb).sqrt()
    }
}

/// The best correlation of `profile` with `key` rotated to each of the 12 tonics.
pub(crate) fn key_correlation(profile: &[f64; 12], key: &[f64; 12]) -> f64 {
    (0..12)
        .map(|tonic| {
            let rotated: [f64; 12] = std::array::from_fn(|pc| key[(pc + 12 - tonic) % 12]);
            pearson(profile, &rotated)
        })
        .fold(f64::NEG_INFINITY, f64::max)
}

/// Measures a score.
pub fn analyse_score(score: &Score) -> ScoreAnalysis {
    let seconds = score.seconds();
    let mut profile = [0.0; 12];
    let (mut pitched, mut drums, mut pitch_sum, mut vel_sum) = (0usize, 0usize, 0.0, 0.0);
    for n in &score.notes {
        vel_sum += f64::from(n.velocity);
        if n.layer == Layer::Percussion {
            drums += 1;
            continue;
        }
        pitched += 1;
        pitch_sum += f64::from(n.pitch);
        profile[usize::from(n.pitch % 12)] += n.length;
    }
    let mut weighted = 0.0;
    for (i, m) in score.tempo.iter().enumerate() {
        let end = score
            .tempo
            .get(i + 1)
            .map_or(score.end_beat, |next| next.beat);
        weighted += m.bpm * (score.seconds_at(end) - m.second);
    }
    let total = (pitched + drums).max(1) as f64;
    ScoreAnalysis {
        seconds,
        pitched_notes: pitched,
        drum_hits: drums,
        onsets_per_second: (pitched + drums) as f64 / seconds.max(1e-9),
        mean_bpm: weighted / seconds.max(1e-9),
        major_correlation: key_correlation(&profile, &KK_MAJOR),
        minor_correlation: key_correlation(&profile, &KK_MINOR),
        mean_pitch: pitch_sum / pitched.max(1) as f64,
        mean_velocity: vel_sum / total,
    }
}

/// What rendered samples show.
#[derive(Clone, Copy, Debug, Default, PartialEq, serde::Serialize)]
pub struct AudioAnalysis {
    pub seconds: f64,
    /// Highest sample, dB relative to full scale (0 is full scale).
    pub peak_dbfs: f64,
    pub(crate) rms_dbfs: f64,
    /// Samples at full scale (±32767 or beyond in 16 bits): clipping.
    pub clipped_samples: usize,
    /// The longest run of 50 ms windows quieter than -60 dBFS, in seconds.
    pub longest_silence_s: f64,
    /// The largest jump between consecutive samples of a channel (a click shows as a jump far
    /// above the music's own).
    pub max_step: f64,
}

fn dbfs(x: f64) -> f64 {
    20.0 * x.max(1e-10).log10()
}

/// Measures interleaved stereo samples in [-1, 1].
pub fn analyse_audio(samples: &[f32]) -> AudioAnalysis {
    let frames = samples.len() / 2;
    let (mut peak, mut sq, mut clipped, mut max_step) = (0f64, 0f64, 0usize, 0f64);
    for (i, s) in samples.iter().enumerate() {
        let x = f64::from(*s);
        peak = peak.max(x.abs());
        sq += x * x;
        if (x * 32767.0).round().abs() >= 32767.0 {
            clipped += 1;
        }
        if i >= 2 {
            max_step = max_step.max((x - f64::from(samples[i - 2])).abs());
        }
    }
    let window = (SAMPLE_RATE as usize / 20).max(1);
    let quiet = 10f64.powf(-60.0 / 20.0);
    let (mut run, mut longest) = (0usize, 0usize);
    for w in samples.chunks(window * 2) {
        let rms = (w.iter().map(|s| f64::from(*s).powi(2)).sum::<f64>() / w.len() as f64).sqrt();
        if rms < quiet {
            run += 1;
            longest = longest.max(run);
        } else {
            run = 0;
        }
    }
    AudioAnalysis {
        seconds: frames as f64 / f64::from(SAMPLE_RATE),
        peak_dbfs: dbfs(peak),
        rms_dbfs: dbfs((sq / samples.len().max(1) as f64).sqrt()),
        clipped_samples: clipped,
        longest_silence_s: longest as f64 * window as f64 / f64::from(SAMPLE_RATE),
        max_step,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_profiles_find_their_own_mode() {
        // The major profile rotated to D correlates 1 with major and less with minor.
        let d_major: [f64; 12] = std::array::from_fn(|pc| KK_MAJOR[(pc + 10) % 12]);
        assert!((key_correlation(&d_major, &KK_MAJOR) - 1.0).abs() < 1e-9);
        assert!(key_correlation(&d_major, &KK_MINOR) < 0.9);
        let a_minor: [f64; 12] = std::array::from_fn(|pc| KK_MINOR[(pc + 3) % 12]);
        assert!(key_correlation(&a_minor, &KK_MAJOR) < key_correlation(&a_minor, &KK_MINOR));
    }

    #[test]
    fn silence_and_clipping_are_found() {
        let sr = SAMPLE_RATE as usize;
        let mut s = vec![0f32; 2 * sr * 3];
        for (i, x) in s.iter_mut().enumerate().take(2 * sr / 2) {
            *x = ((i / 2) as f32 * 0.05).sin() * 0.5;
        }
        s[2 * sr * 2] = 1.0;
        let a = analyse_audio(&s);
        assert!((a.longest_silence_s - 1.5).abs() < 0.06, "{a:?}");
        assert_eq!(a.clipped_samples, 1);
        assert!(a.peak_dbfs.abs() < 1e-6);
    }
}
