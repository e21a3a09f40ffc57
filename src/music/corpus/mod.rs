//! The training corpus: J. S. Bach's four-part chorales as music21's wheel ships them (compressed
//! MusicXML), read straight from the pinned wheel at training time and put on the eighth-note grid
//! of [`crate::music::events`]. Nothing of the corpus is stored in the repository; only the trained
//! weights are.

pub mod musicxml;

use std::io::Read;
use std::path::Path;

use crate::decide::hash::Fnv;
use crate::music::events::{MAX_BAR_STEPS, Piece, REST, STEPS_PER_QUARTER, VOICES, pitch_token};
use musicxml::{XmlPart, XmlScore};

/// Where the chorales are inside the wheel.
pub(crate) const CHORALE_PREFIX: &str = "music21/corpus/bach/";

/// Why the corpus could not be read.
#[derive(Debug, thiserror::Error)]
pub enum CorpusError {
    #[error(
        "{0}: the music corpus is missing; fetch it with `npc-minds fetch-models --model music-corpus`"
    )]
    Missing(String),
    #[error("{path}: {message}")]
    Read { path: String, message: String },
}

/// Which part of the corpus a piece belongs to. Chosen by a hash of its name, so the split never
/// changes: about 80% train, 10% validation (model selection), 10% test (reported only).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Split {
    Train,
    Valid,
    Test,
}

/// The split of a piece by its name.
pub(crate) fn split_of(name: &str) -> Split {
    let mut h = Fnv::default();
    h.write_bytes(name.as_bytes());
    match h.finish() % 10 {
        0 => Split::Test,
        1 => Split::Valid,
        _ => Split::Train,
    }
}

/// What reading the corpus gave: the pieces and, per skipped file, why.
#[derive(Debug, Default)]
pub struct Corpus {
    pub pieces: Vec<Piece>,
    pub(crate) skipped: Vec<(String, Unusable)>,
}

impl Corpus {
    /// The pieces of one split.
    pub fn split(&self, which: Split) -> Vec<Piece> {
        self.pieces
            .iter()
            .filter(|p| split_of(&p.name) == which)
            .cloned()
            .collect()
    }
}

/// Reads every chorale of the wheel.
pub fn read_chorales(wheel: &Path) -> Result<Corpus, CorpusError> {
    if !wheel.is_file() {
        return Err(CorpusError::Missing(wheel.display().to_string()));
    }
    let err = |message: String| CorpusError::Read {
        path: wheel.display().to_string(),
        message,
    };
    let file = std::fs::File::open(wheel).map_err(|e| err(e.to_string()))?;
    let mut zip = zip::ZipArchive::new(file).map_err(|e| err(e.to_string()))?;
    let mut names: Vec<String> = zip
        .file_names()
        .flatten()
        .map(|n| n.into_owned())
        .filter(|n| n.starts_with(CHORALE_PREFIX) && n.ends_with(".mxl"))
        .collect();
    names.sort();
    let mut corpus = Corpus::default();
    for member in names {
        let short = member.trim_start_matches(CHORALE_PREFIX).to_string();
        let mut bytes = Vec::new();
        zip.by_name(&member)
            .and_then(|mut f| f.read_to_end(&mut bytes).map_err(Into::into))
            .map_err(|e| err(format!("{member}: {e}")))?;
        // A piece that cannot be used is skipped, with why (shown by `music corpus`).
        match read_mxl(&bytes)
            .map_err(Unusable::from)
            .and_then(|s| grid(&short, &s))
        {
            Ok(p) => corpus.pieces.push(p),
            Err(why) => corpus.skipped.push((short, why)),
        }
    }
    Ok(corpus)
}

/// Why a file of the corpus is not used.
#[derive(Debug, thiserror::Error)]
pub(crate) enum Unusable {
    #[error(transparent)]
    Mxl(#[from] MxlError),
    #[error("no soprano, alto, tenor and bass parts")]
    NoChoir,
    #[error("a {0}/{1} bar does not fit the grid")]
    Bar(u32, u32),
    #[error("no mode, and the last bass note is not a tonic")]
    NoMode,
    #[error("shorter than a bar")]
    TooShort,
    #[error("pitch {0} out of range")]
    Pitch(i32),
    #[error("pitch {0} outside the vocabulary")]
    Vocabulary(i32),
}

/// Why a compressed `.mxl` file gave no score.
#[derive(Debug, thiserror::Error)]
pub(crate) enum MxlError {
    #[error("not a readable .mxl: {0}")]
    Zip(#[from] zip::result::ZipError),
    #[error("no score inside the .mxl")]
    NoScore,
    #[error("cannot read the score: {0}")]
    Read(#[from] std::io::Error),
    #[error(transparent)]
    Xml(#[from] musicxml::XmlError),
}

/// The MusicXML document inside a compressed `.mxl` file.
fn read_mxl(bytes: &[u8]) -> Result<XmlScore, MxlError> {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes))?;
    let name = zip
        .file_names()
        .flatten()
        .map(|n| n.into_owned())
        .find(|n| (n.ends_with(".xml") || n.ends_with(".musicxml")) && !n.starts_with("META-INF"))
        .ok_or(MxlError::NoScore)?;
    let mut text = String::new();
    zip.by_name(&name)?.read_to_string(&mut text)?;
    Ok(musicxml::parse(&text)?)
}

/// The four voices of a chorale by their part names.
fn satb(score: &XmlScore) -> Option<[&XmlPart; VOICES]> {
    let find = |prefix: &str| {
        score
            .parts
            .iter()
            .find(|p| p.name.trim().starts_with(prefix) && !p.notes.is_empty())
    };
    Some([
        find("Soprano")?,
        find("Alto")?,
        find("Tenor")?,
        find("Bass")?,
    ])
}

/// Puts a chorale on the grid with its tonic moved to C. `Err` says why a file is not used.
pub(crate) fn grid(name: &str, score: &XmlScore) -> Result<Piece, Unusable> {
    let parts = satb(score).ok_or(Unusable::NoChoir)?;
    let (beats, beat_type) = score.time;
    let bar_quarters = f64::from(beats) * 4.0 / f64::from(beat_type.max(1));
    let bar_steps = (bar_quarters * STEPS_PER_QUARTER as f64).round() as usize;
    if bar_steps == 0 || bar_steps > MAX_BAR_STEPS {
        return Err(Unusable::Bar(beats, beat_type));
    }
    let major_tonic = (score.fifths * 7).rem_euclid(12);
    let last_bass = parts[3].notes.last().map(|n| i32::from(n.pitch) % 12);
    let major = match score.major {
        Some(m) => m,
        None if last_bass == Some(major_tonic) => true,
        None if last_bass == Some((major_tonic + 9) % 12) => false,
        None => return Err(Unusable::NoMode),
    };
    let tonic = if major {
        major_tonic
    } else {
        (major_tonic + 9) % 12
    };
    // The smallest move that puts the tonic on C.
    let shift = if tonic <= 6 { -tonic } else { 12 - tonic };
    let end = parts.iter().map(|p| p.end).fold(0.0, f64::max);
    let step = 1.0 / STEPS_PER_QUARTER as f64;
    let steps = (end / step).round() as usize;
    if steps < 8 {
        return Err(Unusable::TooShort);
    }
    let measures = &parts[0].measure_starts;
    let pickup = pickup_steps(measures, bar_steps, step);
    let mut position = Vec::with_capacity(steps);
    for s in 0..steps {
        let t = s as f64 * step;
        let m = measures.iter().rposition(|&ms| ms <= t + 1e-6).unwrap_or(0);
        let into = ((t - measures.get(m).copied().unwrap_or(0.0)) / step).round() as usize;
        let p = if m == 0 { into + pickup } else { into };
        position.push((p % bar_steps) as u8);
    }
    let mut voices: [Vec<u16>; VOICES] = Default::default();
    let mut onsets = vec![0u32; steps];
    for (v, part) in parts.iter().enumerate() {
        voices[v] = voice_tokens(part, steps, step, shift, &mut onsets)?;
    }
    // The soprano's sounding pitch at each step (for the bar's register).
    let mut sounding: Vec<Option<u8>> = Vec::with_capacity(steps);
    let mut last = None;
    for &t in &voices[0] {
        last = match t {
            crate::music::events::HOLD => last,
            REST => None,
            t => crate::music::events::token_pitch(t),
        };
        sounding.push(last);
    }
    // Each step's bar density: onsets in its bar over the bar's voice-steps.
    let mut bar_density = vec![0.0; steps];
    let mut bar_register = vec![0.0; steps];
    let mut s = 0;
    while s < steps {
        let mut e = s + 1;
        while e < steps && position[e] != 0 {
            e += 1;
        }
        let n: u32 = onsets[s..e].iter().sum();
        let d = n as f32 / ((e - s) * VOICES) as f32;
        bar_density[s..e].iter_mut().for_each(|x| *x = d);
        let pitches: Vec<f32> = (s..e).filter_map(|i| sounding[i]).map(f32::from).collect();
        let mean = pitches.iter().sum::<f32>() / pitches.len().max(1) as f32;
        bar_register[s..e].iter_mut().for_each(|x| *x = mean);
        s = e;
    }
    Ok(Piece {
        name: name.to_string(),
        major,
        position,
        bar_density,
        bar_register,
        voices,
    })
}

/// How many eighths of a full bar come before a short first measure (an upbeat).
fn pickup_steps(measures: &[f64], bar_steps: usize, step: f64) -> usize {
    match measures {
        [first, second, ..] => {
            let len = ((second - first) / step).round() as usize;
            bar_steps.saturating_sub(len)
        }
        _ => 0,
    }
}

/// One voice's tokens: at each step the note that sounds then starts (a pitch token) or goes on
/// (hold); no note is a rest. A note that started between two steps counts as a new pitch at the
/// next step when its pitch differs from what was sounding.
fn voice_tokens(
    part: &XmlPart,
    steps: usize,
    step: f64,
    shift: i32,
    onsets: &mut [u32],
) -> Result<Vec<u16>, Unusable> {
    let eps = 1e-6;
    let mut out = Vec::with_capacity(steps);
    let mut i = 0;
    let mut sounding: Option<u8> = None;
    for (s, onset) in onsets.iter_mut().enumerate() {
        let t = s as f64 * step;
        while i < part.notes.len() && part.notes[i].start + part.notes[i].duration <= t + eps {
            i += 1;
        }
        let note = part.notes.get(i).filter(|n| n.start <= t + eps);
        let token = match note {
            None => {
                sounding = None;
                REST
            }
            Some(n) => {
                let pitch = u8::try_from(i32::from(n.pitch) + shift)
                    .map_err(|_| Unusable::Pitch(i32::from(n.pitch)))?;
                let starts_here = (n.start - t).abs() < eps && !n.tied_from;
                if starts_here || sounding != Some(pitch) {
                    sounding = Some(pitch);
                    *onset += 1;
                    pitch_token(pitch).ok_or(Unusable::Vocabulary(i32::from(pitch)))?
                } else {
                    crate::music::events::HOLD
                }
            }
        };
        out.push(token);
    }
    Ok(out)
}
