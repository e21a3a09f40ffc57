//! `npc-minds music`: composes and renders a piece for a mood (or for a sim run's mood over time)
//! to a 16-bit WAV file and, if asked, the MIDI file of exactly the notes rendered. Prints what
//! the output measures as JSON.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use anyhow::Context;

use crate::music::analysis::{self, AudioAnalysis, ScoreAnalysis};
use crate::music::files::{self, midi, wav};
use crate::music::model::{default_path, load};
use crate::music::mood::Mood;
use crate::music::piece::{self, MoodTimeline};
use crate::music::sim_timeline;
use crate::music::synth::{SAMPLE_RATE, Synth, SynthStats};
use crate::music::taste::MusicSettings;

/// Arguments of `npc-minds music`.
#[derive(Debug, clap::Args)]
pub struct MusicArgs {
    /// Valence in [-1, 1]: negative is minor and lower, positive major and higher.
    #[arg(long, default_value_t = 0.0, allow_negative_numbers = true)]
    pub(crate) valence: f32,
    /// Arousal in [-1, 1]: tempo, loudness, busyness and the layers that play.
    #[arg(long, default_value_t = 0.0, allow_negative_numbers = true)]
    pub(crate) arousal: f32,
    /// Dominance in [-1, 1]: louder and lower when high.
    #[arg(long, default_value_t = 0.0, allow_negative_numbers = true)]
    pub(crate) dominance: f32,
    /// Length in seconds (whole bars: the piece ends at the first bar line past it). With
    /// `--from-sim`, defaults to the sim's length.
    #[arg(long)]
    pub(crate) seconds: Option<f64>,
    /// The same seed gives the same notes.
    #[arg(long, default_value_t = 1)]
    pub(crate) seed: u64,
    /// The WAV file to write (16-bit PCM, 44.1 kHz stereo).
    #[arg(long, required_unless_present = "taste")]
    pub(crate) out: Option<PathBuf>,
    /// Also write the notes as a standard MIDI file.
    #[arg(long)]
    pub(crate) midi: Option<PathBuf>,
    /// Follow the mood over time of a sim report (`npc-minds sim --report-json FILE`) instead
    /// of one mood; the sim's time is stretched onto the piece's.
    #[arg(long)]
    pub(crate) from_sim: Option<PathBuf>,
    /// The music model (default: models/music.safetensors).
    #[arg(long)]
    pub(crate) model: Option<PathBuf>,
    /// Show what the game learnt of the player's taste from this settings file (the game keeps
    /// it in saves/settings.ron) instead of making music.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["out", "midi", "from_sim"])]
    pub(crate) taste: Option<PathBuf>,
}

/// What `music` prints.
#[derive(Debug, serde::Serialize)]
struct MusicSummary {
    out: String,
    midi: Option<String>,
    bars: usize,
    major_bars: usize,
    score: ScoreAnalysis,
    audio: AudioAnalysis,
    synth: SynthStats,
    compose_ms: f64,
    render_ms: f64,
    /// Seconds of audio rendered per second of one core's time.
    render_realtime_factor: f64,
}

/// The default music model's path.
pub fn run(a: MusicArgs) -> anyhow::Result<ExitCode> {
    if let Some(path) = &a.taste {
        let settings = MusicSettings::load(path)?;
        print!("{}", settings.taste.describe());
        return Ok(ExitCode::SUCCESS);
    }
    let Some(out) = a.out.clone() else {
        anyhow::bail!("--out FILE.wav is needed");
    };
    let mood = Mood::new(a.valence, a.arousal, a.dominance)?;
    let (timeline, seconds) = match &a.from_sim {
        Some(path) => {
            let (timeline, sim_seconds) = sim_timeline::read(path)?;
            let seconds = a.seconds.unwrap_or(sim_seconds.min(600.0));
            (timeline.stretched(seconds / sim_seconds.max(1e-9)), seconds)
        }
        None => (MoodTimeline::constant(mood), a.seconds.unwrap_or(30.0)),
    };
    let net = Arc::new(load(&a.model.clone().unwrap_or_else(default_path))?);
    let t = Instant::now();
    let (score, bars) = piece::compose(net, &timeline, seconds, a.seed)?;
    let compose_ms = t.elapsed().as_secs_f64() * 1e3;
    let t = Instant::now();
    let (samples, synth) = Synth::render_score(&score, 1.5);
    let render_s = t.elapsed().as_secs_f64();
    files::write_file(&out, &wav::wav_bytes(&samples, SAMPLE_RATE))?;
    // Measured from what was written: the MIDI bytes read back.
    let midi_bytes = midi::midi_bytes(&score);
    if let Some(path) = &a.midi {
        files::write_file(path, &midi_bytes)?;
    }
    let written = midi::read_midi(&midi_bytes)
        .map_err(|e| anyhow::anyhow!(e))
        .context("reading the MIDI back")?;
    let audio_seconds = samples.len() as f64 / 2.0 / f64::from(SAMPLE_RATE);
    let summary = MusicSummary {
        out: out.display().to_string(),
        midi: a.midi.as_ref().map(|p| p.display().to_string()),
        bars: bars.len(),
        major_bars: bars.iter().filter(|b| b.major).count(),
        score: analysis::analyse_score(&written),
        audio: analysis::analyse_audio(&samples),
        synth,
        compose_ms,
        render_ms: render_s * 1e3,
        render_realtime_factor: audio_seconds / render_s.max(1e-9),
    };
    eprintln!(
        "{}: {:.1} s, {} bars at {:.0} bpm, {} notes and {} drum hits, peak {:.1} dBFS; rendered {:.0}× real time",
        summary.out,
        audio_seconds,
        summary.bars,
        summary.score.mean_bpm,
        summary.score.pitched_notes,
        summary.score.drum_hits,
        summary.audio.peak_dbfs,
        summary.render_realtime_factor
    );
    println!("{}", serde_json::to_string_pretty(&summary)?);
    Ok(ExitCode::SUCCESS)
}
