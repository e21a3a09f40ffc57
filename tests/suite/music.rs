//! Smart music, measured from what comes out: the `music` command's WAV and MIDI files (read
//! back), the trained model's held-out perplexity against the n-gram baseline, and the
//! synthesiser's joins. The model is the trained one in models/ (it ships with the repository).

use crate::common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use npc_minds::music::analysis::{self, AudioAnalysis, ScoreAnalysis};
use npc_minds::music::bars::BarRenderer;
use npc_minds::music::corpus::{self, Split};
use npc_minds::music::files::midi;
use npc_minds::music::model::MusicNet;
use npc_minds::music::model::ngram::NGram;
use npc_minds::music::model::train::{TrainMusicOptions, perplexity, train};
use npc_minds::music::mood::Mood;
use npc_minds::music::piece::{self, MoodTimeline};
use npc_minds::music::synth::Synth;
use npc_minds::music::taste::Style;

fn model_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("models/music.safetensors")
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("npc-minds-music-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

/// Runs `npc-minds music` with these arguments; returns the exit status and stderr.
fn music(args: &[&str]) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_npc-minds"))
        .arg("music")
        .args(args)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Renders a piece with the command and measures its files: the MIDI read back, the WAV's
/// samples.
fn render(valence: f32, arousal: f32, seconds: u32, seed: u64) -> (ScoreAnalysis, AudioAnalysis) {
    let tag = format!("{valence}_{arousal}_{seconds}_{seed}");
    let (wav, mid) = (
        scratch(&format!("{tag}.wav")),
        scratch(&format!("{tag}.mid")),
    );
    let (ok, err) = music(&[
        "--valence",
        &valence.to_string(),
        "--arousal",
        &arousal.to_string(),
        "--seconds",
        &seconds.to_string(),
        "--seed",
        &seed.to_string(),
        "--out",
        wav.to_str().unwrap(),
        "--midi",
        mid.to_str().unwrap(),
    ]);
    assert!(ok, "music failed: {err}");
    let score = midi::read_midi(&std::fs::read(&mid).unwrap()).unwrap();
    (
        analysis::analyse_score(&score),
        analysis::analyse_audio(&read_wav(&wav)),
    )
}

/// The samples of a 16-bit stereo WAV file as we write it (44-byte header).
fn read_wav(path: &Path) -> Vec<f32> {
    let bytes = std::fs::read(path).unwrap();
    assert_eq!(&bytes[..4], b"RIFF");
    assert_eq!(&bytes[8..16], b"WAVEfmt ");
    assert_eq!(u16::from_le_bytes([bytes[22], bytes[23]]), 2, "stereo");
    assert_eq!(u16::from_le_bytes([bytes[34], bytes[35]]), 16, "16-bit");
    bytes[44..]
        .chunks_exact(2)
        .map(|b| f32::from(i16::from_le_bytes([b[0], b[1]])) / 32767.0)
        .collect()
}

fn mean(v: &[f64]) -> f64 {
    v.iter().sum::<f64>() / v.len() as f64
}

#[test]
fn arousal_raises_onset_density_and_tempo_across_seeds() {
    let mut density = Vec::new();
    let mut tempo = Vec::new();
    for arousal in [-0.8, 0.0, 0.8] {
        let runs: Vec<ScoreAnalysis> = (1..=4)
            .map(|seed| render(0.3, arousal, 20, seed).0)
            .collect();
        density.push(mean(
            &runs.iter().map(|r| r.onsets_per_second).collect::<Vec<_>>(),
        ));
        tempo.push(mean(&runs.iter().map(|r| r.mean_bpm).collect::<Vec<_>>()));
    }
    eprintln!("onsets/s by arousal -0.8, 0, 0.8: {density:?}; bpm: {tempo:?}");
    assert!(
        density[0] < density[1] && density[1] < density[2],
        "{density:?}"
    );
    assert!(tempo[0] < tempo[1] && tempo[1] < tempo[2], "{tempo:?}");
    // Not by a hair: the busiest is at least twice the calmest.
    assert!(density[2] > 2.0 * density[0], "{density:?}");
}

#[test]
fn positive_valence_is_more_major_than_negative() {
    let (mut pos, mut neg) = (Vec::new(), Vec::new());
    for seed in 1..=6 {
        pos.push(render(0.6, 0.0, 20, seed).0.major_correlation);
        neg.push(render(-0.6, 0.0, 20, seed).0.major_correlation);
    }
    eprintln!("major-profile correlation: positive {pos:?}, negative {neg:?}");
    assert!(mean(&pos) > mean(&neg) + 0.1, "{pos:?} vs {neg:?}");
    // The median too, so one piece cannot carry it. (A single minor piece may move to its
    // relative major for a while, as chorales do, and read major.)
    let median = |v: &[f64]| {
        let mut v = v.to_vec();
        v.sort_by(f64::total_cmp);
        (v[2] + v[3]) / 2.0
    };
    assert!(median(&pos) > median(&neg) + 0.1, "{pos:?} vs {neg:?}");
}

#[test]
fn a_bright_mood_sounds_major_and_a_dark_one_minor() {
    // The best major key-profile correlation minus the best minor one (Krumhansl–Kessler), over
    // seeds 1–3 at arousal 0.8: at least +0.2 at valence 0.8, at most -0.2 at -0.8.
    let lean = |valence: f32| -> Vec<f64> {
        (1..=3)
            .map(|seed| {
                let (score, _) = render(valence, 0.8, 30, seed);
                score.major_correlation - score.minor_correlation
            })
            .collect()
    };
    let (bright, dark) = (lean(0.8), lean(-0.8));
    eprintln!("major minus minor: valence 0.8 {bright:?}, valence -0.8 {dark:?}");
    assert!(mean(&bright) >= 0.2, "{bright:?}");
    assert!(mean(&dark) <= -0.2, "{dark:?}");
    // Every piece leans its own way, not only the mean.
    assert!(bright.iter().all(|d| *d > 0.0) && dark.iter().all(|d| *d < 0.0));
}

#[test]
fn a_minute_has_no_clipping_no_long_silence_and_no_clicks() {
    for (valence, arousal) in [(0.7, 0.9), (-0.7, -0.9)] {
        let (score, audio) = render(valence, arousal, 60, 11);
        eprintln!("{valence}/{arousal}: {audio:?}");
        assert!(audio.seconds >= 60.0, "{audio:?}");
        assert_eq!(audio.clipped_samples, 0, "{audio:?}");
        assert!(
            audio.peak_dbfs <= 0.0 && audio.peak_dbfs > -30.0,
            "{audio:?}"
        );
        assert!(audio.longest_silence_s <= 2.0, "{audio:?}");
        // The loudest jump between samples stays in the range of the music itself (a click at
        // a join would jump by a large share of full scale).
        assert!(audio.max_step < 0.25, "{audio:?}");
        assert!(score.pitched_notes > 60, "{score:?}");
    }
}

#[test]
fn the_same_seed_gives_the_same_midi_and_another_seed_does_not() {
    let files: Vec<Vec<u8>> = [5, 5, 6]
        .iter()
        .enumerate()
        .map(|(i, seed)| {
            let (wav, mid) = (
                scratch(&format!("seed{i}.wav")),
                scratch(&format!("seed{i}.mid")),
            );
            let (ok, err) = music(&[
                "--valence=-0.2",
                "--arousal=0.4",
                "--seconds=10",
                &format!("--seed={seed}"),
                &format!("--out={}", wav.display()),
                &format!("--midi={}", mid.display()),
            ]);
            assert!(ok, "{err}");
            std::fs::read(mid).unwrap()
        })
        .collect();
    assert_eq!(files[0], files[1]);
    assert_ne!(files[0], files[2]);
}

#[test]
fn rendering_in_chunks_gives_the_samples_of_rendering_whole() {
    let net = Arc::new(MusicNet::load(&model_path()).unwrap());
    let mood = Mood::new(0.2, 0.7, 0.3).unwrap();
    let (score, _) = piece::compose(net, &MoodTimeline::constant(mood), 12.0, 3).unwrap();
    let (whole, _) = Synth::render_score(&score, 1.0);
    // Notes handed over a little ahead of playback, as the game does, and rendered in uneven
    // chunks.
    let mut notes = score.notes.clone();
    notes.sort_by(|a, b| a.start.total_cmp(&b.start));
    let mut partial = score.clone();
    partial.notes.clear();
    let mut synth = Synth::default();
    let mut chunks = Vec::new();
    let sizes = [1usize, 4410, 777, 30_000, 12_345];
    let (mut i, mut next) = (0, 0);
    while chunks.len() < whole.len() {
        let n = sizes[i % sizes.len()].min((whole.len() - chunks.len()) / 2);
        let horizon = (synth.position() + n as u64) as f64 / 44_100.0 + 0.5;
        while next < notes.len() && score.seconds_at(notes[next].start) < horizon {
            partial.notes.push(notes[next]);
            next += 1;
        }
        synth.schedule(&partial);
        synth.render(n, &mut chunks);
        i += 1;
    }
    assert_eq!(chunks.len(), whole.len());
    assert!(
        chunks == whole,
        "chunked rendering differs from whole rendering"
    );
    assert_eq!(synth.stats.late_notes, 0);
}

#[test]
fn bar_by_bar_rendering_gives_the_samples_of_the_whole_piece() {
    // The music lane makes the game's soundtrack one bar per job, its score forgetting each bar
    // once the synthesiser has it (an hour-long game keeps a bar or two). Joined, the bars must be
    // the samples of the same piece composed and rendered whole.
    let net = Arc::new(MusicNet::load(&model_path()).unwrap());
    let timeline = MoodTimeline(vec![
        (0.0, Mood::new(-0.6, 0.2, 0.0).unwrap()),
        (10.0, Mood::new(0.7, 0.9, 0.4).unwrap()),
    ]);
    let (whole_score, bars) = piece::compose(net.clone(), &timeline, 24.0, 11).unwrap();
    let (whole, _) = Synth::render_score(&whole_score, 1.0);
    let mut renderer = BarRenderer::new(net, 11).unwrap();
    let mut joined = Vec::new();
    for (i, mark) in whole_score.tempo.iter().enumerate() {
        let bar = renderer
            .next(timeline.at(mark.second), Style::NEUTRAL)
            .unwrap();
        assert_eq!(bar.controls, bars[i], "bar {i}");
        joined.extend(bar.samples);
    }
    assert!(bars.len() >= 10, "only {} bars", bars.len());
    assert!(joined.len() > 44_100 * 2 * 15, "{} samples", joined.len());
    assert!(
        joined[..] == whole[..joined.len()],
        "the bars' samples differ from the whole piece's"
    );
}

#[test]
fn bad_input_gets_a_clear_error_and_writes_nothing() {
    let wav = scratch("never.wav");
    let (ok, err) = music(&["--valence", "1.5", "--out", wav.to_str().unwrap()]);
    assert!(!ok);
    assert!(err.contains("valence 1.5 is outside [-1, 1]"), "{err}");
    let (ok, err) = music(&["--out", "/nonexistent-dir/x.wav", "--seconds", "2"]);
    assert!(!ok);
    assert!(err.contains("/nonexistent-dir/x.wav"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    let (ok, err) = music(&[
        "--out",
        wav.to_str().unwrap(),
        "--model",
        "/nonexistent.safetensors",
    ]);
    assert!(!ok);
    assert!(err.contains("train-music"), "{err}");
    let (ok, err) = music(&["--out", wav.to_str().unwrap(), "--seconds", "0"]);
    assert!(!ok);
    assert!(err.contains("--seconds"), "{err}");
    assert!(!wav.exists());
}

#[test]
fn a_sim_reports_its_mood_and_music_follows_it() {
    let report = scratch("sim.json");
    let out = Command::new(env!("CARGO_BIN_EXE_npc-minds"))
        .args(["sim", "--npcs", "12", "--seconds", "20", "--report", "json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::write(&report, &out.stdout).unwrap();
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let points = json["mood_timeline"].as_array().unwrap();
    assert_eq!(
        points.len(),
        21,
        "one point per simulated second and the end"
    );
    let wav = scratch("sim.wav");
    let (ok, err) = music(&[
        "--from-sim",
        report.to_str().unwrap(),
        "--seconds",
        "8",
        "--out",
        wav.to_str().unwrap(),
    ]);
    assert!(ok, "{err}");
    assert!(read_wav(&wav).len() > 8 * 44_100 * 2);
    let (ok, err) = music(&[
        "--from-sim",
        wav.to_str().unwrap(),
        "--out",
        wav.to_str().unwrap(),
    ]);
    assert!(!ok);
    assert!(err.contains("not a JSON sim report"), "{err}");
}

/// The chorales, when the corpus is fetched (CI fetches it).
fn corpus() -> Option<corpus::Corpus> {
    let wheel =
        npc_minds::ml::model_files::models_dir().join("corpora/music21-10.5.1-py3-none-any.whl");
    let path = common::require_model("music-corpus", wheel)?;
    Some(corpus::read_chorales(&path).unwrap())
}

#[test]
fn the_model_beats_the_ngram_baseline_on_held_out_chorales() {
    let Some(corpus) = corpus() else { return };
    assert!(
        corpus.pieces.len() > 380,
        "{} chorales read",
        corpus.pieces.len()
    );
    let net = MusicNet::load(&model_path()).unwrap();
    let (train_set, test) = (corpus.split(Split::Train), corpus.split(Split::Test));
    let streams = |ps: &[npc_minds::music::events::Piece]| -> Vec<Vec<u16>> {
        ps.iter().map(|p| p.flatten(net.classes).0).collect()
    };
    let ngram = NGram::fit(6, &streams(&train_set)).perplexity(&streams(&test));
    let ours = perplexity(&net, &test).unwrap();
    eprintln!("test perplexity: model {ours:.3}, 6-gram {ngram:.3}");
    assert!(ours < ngram * 0.9, "model {ours} against n-gram {ngram}");
}

#[test]
fn training_lowers_the_loss_and_writes_a_loadable_model() {
    let Some(_) = corpus() else { return };
    let out = scratch("tiny.safetensors");
    let opts = TrainMusicOptions {
        corpus: npc_minds::ml::model_files::models_dir()
            .join("corpora/music21-10.5.1-py3-none-any.whl"),
        out: out.clone(),
        epochs: 2,
        window: 128,
        batch: 8,
        lr: 3e-3,
        seed: 1,
        hidden: 32,
        limit: Some(12),
    };
    let report = train(&opts, &mut |_| {}).unwrap();
    assert!(
        report.epochs[1].0 < report.epochs[0].0,
        "{:?}",
        report.epochs
    );
    let net = MusicNet::load(&out).unwrap();
    assert_eq!(net.shape.hidden, 32);
}

#[test]
fn the_stream_renders_ahead_and_follows_a_new_mood_at_bar_lines() {
    // As in the game: the stream asks for bars, the worker pool's music lane makes them.
    use npc_minds::inference::{
        InferencePool, Job, JobInput, JobOutput, Lane, PoolEvent, Priority, RequestId,
    };
    use npc_minds::music::stream::MusicStream;
    let pool = InferencePool::builder()
        .lane(
            Lane::Music,
            npc_minds::music::backend::factory(model_path(), 9),
        )
        .build();
    let calm = Mood::new(0.3, -0.7, 0.0).unwrap();
    let stream = MusicStream::new(calm, 2.0);
    let mut asked = 0;
    let mut feed = || {
        if let Some((mood, style)) = stream.request() {
            asked += 1;
            let job = Job {
                id: RequestId {
                    npc: 1,
                    generation: asked,
                },
                priority: Priority::Normal,
                deadline: None,
                input: JobInput::Music { mood, style },
            };
            pool.try_submit(Lane::Music, job).unwrap();
        }
        for ev in pool.try_iter() {
            if let PoolEvent::Completed(c) = ev {
                match c.result {
                    Ok(JobOutput::Music(bar)) => stream.push(&bar),
                    other => panic!("the music lane failed: {other:?}"),
                }
            }
        }
    };
    let mut reader = stream.reader();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while stream.stats().buffered_s < 1.9 {
        assert!(
            std::time::Instant::now() < deadline,
            "timed out waiting for two seconds rendered ahead"
        );
        feed();
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    let calm_tempo = stream.stats().controls.unwrap().tempo_bpm;
    // It stops asking once two seconds are ready.
    let before = stream.stats().bars;
    for _ in 0..20 {
        feed();
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    assert_eq!(
        stream.stats().bars,
        before,
        "it asked for more than it needs"
    );
    // A second and a half was ready: reading it finds no gap.
    let samples: Vec<f32> = (0..2 * 44_100 * 3 / 2)
        .map(|_| reader.next_sample())
        .collect();
    let st = stream.stats();
    assert_eq!(st.underruns, 0, "{st:?}");
    assert!(samples.iter().all(|s| s.is_finite() && s.abs() < 1.0));
    assert!(
        samples.iter().any(|s| s.abs() > 1e-3),
        "the stream played silence"
    );
    // A wild mood reaches the music at a following bar line.
    stream.set_mood(Mood::new(0.3, 0.9, 0.0).unwrap());
    let mut drained = 0usize;
    while stream.stats().controls.unwrap().tempo_bpm <= calm_tempo + 30.0 {
        assert!(
            std::time::Instant::now() < deadline,
            "the new mood never arrived"
        );
        feed();
        // Playback goes on while we wait (as fast as the stream has samples).
        if stream.stats().buffered_s > 0.1 {
            reader.next_sample();
            drained += 1;
        } else {
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
    }
    assert!(stream.stats().failed.is_none());
    assert_eq!(pool.metrics().lane(Lane::Music).unwrap().failed, 0);
    eprintln!("new mood after {drained} samples: {:?}", stream.stats());
}

#[test]
fn the_music_lane_without_a_model_says_so_and_the_stream_stops_asking() {
    use npc_minds::inference::{
        InferenceError, InferencePool, Job, JobInput, Lane, PoolEvent, Priority, RequestId,
    };
    use npc_minds::music::stream::MusicStream;
    let missing = scratch("no-such-music.safetensors");
    let pool = InferencePool::builder()
        .lane(Lane::Music, npc_minds::music::backend::factory(missing, 1))
        .build();
    let stream = MusicStream::new(Mood::default(), 2.0);
    let (mood, style) = stream.request().unwrap();
    assert_eq!(stream.request(), None, "one bar at a time");
    let job = Job {
        id: RequestId {
            npc: 1,
            generation: 1,
        },
        priority: Priority::Normal,
        deadline: None,
        input: JobInput::Music { mood, style },
    };
    pool.try_submit(Lane::Music, job).unwrap();
    let Some(PoolEvent::Completed(c)) = pool.recv_timeout(std::time::Duration::from_secs(30))
    else {
        panic!("no answer from the music lane")
    };
    let Err(InferenceError::Unavailable(why)) = c.result else {
        panic!("expected the model to be missing: {:?}", c.result)
    };
    assert!(why.contains("no music model there"), "{why}");
    stream.fail(why);
    assert_eq!(
        stream.request(),
        None,
        "a failed stream asks for nothing more"
    );
    assert!(stream.stats().failed.is_some());
}

#[test]
fn the_taste_command_shows_what_a_settings_file_learnt() {
    use npc_minds::music::taste::{MusicSettings, Style};
    let mut settings = MusicSettings::default();
    let fast = Style {
        tempo: 2,
        density: 1,
        instrumentation: 0,
    };
    settings.taste.feedback(fast, true);
    settings.taste.feedback(fast, true);
    settings.taste.feedback(Style::NEUTRAL, false);
    let path = scratch("settings.ron");
    settings.save(&path).unwrap();
    assert_eq!(MusicSettings::load(&path).unwrap(), settings);
    let out = Command::new(env!("CARGO_BIN_EXE_npc-minds"))
        .args(["music", "--taste", path.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.starts_with("2 likes, 1 skips; favourite: tempo faster"),
        "{text}"
    );
    std::fs::write(&path, "not ron").unwrap();
    let (ok, err) = music(&["--taste", path.to_str().unwrap()]);
    assert!(!ok);
    assert!(err.contains("not music settings"), "{err}");
}

#[test]
fn the_model_writes_higher_melodies_for_a_higher_register_class() {
    use npc_minds::music::compose::Composer;
    use npc_minds::music::events::token_pitch;
    let net = Arc::new(MusicNet::load(&model_path()).unwrap());
    let mut means = Vec::new();
    for register in [0u8, 1, 2] {
        let mut pitches = Vec::new();
        for seed in 1..=4 {
            let mut composer = Composer::new(net.clone(), seed).unwrap();
            for _ in 0..8 {
                let bar = composer.next_bar(true, 1, register).unwrap();
                pitches.extend(
                    bar.voices[0]
                        .iter()
                        .filter_map(|t| token_pitch(*t))
                        .map(f64::from),
                );
            }
        }
        means.push(mean(&pitches));
    }
    eprintln!("mean soprano pitch by register class 0, 1, 2 (no transposition): {means:?}");
    assert!(means[0] < means[1] && means[1] < means[2], "{means:?}");
    assert!(means[2] > means[0] + 2.0, "{means:?}");
}
