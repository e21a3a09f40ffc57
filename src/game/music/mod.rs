//! The soundtrack in the game: the village's mood around the player (`mood`) goes with each
//! request for the next bar to the worker pool's music lane, which composes and renders it off the
//! frame, ahead of playback; Bevy's audio output pulls the samples (`output`). Each piece (12 bars)
//! is played in a style drawn from the player's taste; `L` likes it, `K` skips it. `M` mutes,
//! `+`/`-` set the volume; volume, mute and taste are kept in saves/settings.ron. F3 shows the
//! stream's figures. Without a sound card the game stays silent (Bevy warns once).

mod mood;
mod output;

use mood::feel_the_village;
use output::{MusicTrack, without_sound_card};

use std::path::PathBuf;
use std::time::Instant;

use bevy::audio::AddAudioSource;
use bevy::prelude::*;

use super::chat::ChatBox;
use crate::brain::{Inference, InferenceCompleted};
use crate::inference::{BackendFactory, Job, JobInput, JobOutput, Lane, Priority, RequestId};
use crate::ml::seeded::Rng;
use crate::music::mood::Mood;
use crate::music::stream::{MusicStream, StreamStats};
use crate::music::taste::{MusicSettings, Style};

/// Seconds rendered ahead of playback.
const AHEAD_S: f64 = 2.0;
fn settings_path() -> PathBuf {
    PathBuf::from("saves/settings.ron")
}

/// Bars per piece: after this many the next piece starts in a newly drawn style.
const PIECE_BARS: u64 = 12;

/// The soundtrack's stream and what the game measured of it.
#[derive(Resource)]
pub(super) struct Soundtrack {
    stream: MusicStream,
    pub(crate) settings: MusicSettings,
    pub(crate) mood: Mood,
    /// The current piece's style, the bar it started at, whether the player rated it.
    style: Style,
    piece_from: u64,
    rated: bool,
    rng: Rng,
    /// Main-thread milliseconds spent on music per frame.
    pub(crate) main_ms: Vec<f32>,
    track: Handle<MusicTrack>,
    /// When the stream was handed to Bevy's audio output (real seconds since start-up), and
    /// whether it was checked that the output took it.
    since: Option<f64>,
    output_checked: bool,
    /// Bars asked of the music lane.
    asked: u32,
}

impl Soundtrack {
    pub(crate) fn stats(&self) -> StreamStats {
        self.stream.stats()
    }

    /// Adds the time since `started` to this frame's main-thread music time.
    fn add_main_time(&mut self, started: Instant) {
        if let Some(ms) = self.main_ms.last_mut() {
            *ms += started.elapsed().as_secs_f32() * 1e3;
        }
    }
}

pub(super) fn plugin(app: &mut App) {
    app.add_audio_source::<MusicTrack>()
        .add_systems(Startup, start_music)
        .add_systems(
            Update,
            (
                (feel_the_village, ask_for_bars, take_bars).chain(),
                keys,
                next_piece,
                without_sound_card,
            ),
        )
        .add_systems(Last, report_on_exit);
}

/// The music lane's backend: the trained model in models/, a new piece each run.
pub(super) fn lane() -> BackendFactory {
    crate::music::backend::factory(crate::music::model::default_path(), run_seed())
}

fn run_seed() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(1, |d| d.as_secs())
}

/// The soundtrack's jobs carry this id (no villager has it); each bar is a new generation.
const MUSIC_JOB: u64 = u64::MAX - 1;

fn start_music(mut commands: Commands, mut tracks: ResMut<Assets<MusicTrack>>) {
    let seed = run_seed();
    let stream = MusicStream::new(Mood::default(), AHEAD_S);
    let settings = match MusicSettings::load(&settings_path()) {
        Ok(s) => s,
        Err(e) => {
            if settings_path().exists() {
                warn!("{e}; using default music settings");
            }
            MusicSettings::default()
        }
    };
    let mut rng = Rng(seed);
    let style = settings.taste.choose(&mut rng);
    stream.set_style(style);
    stream.set_volume(settings.volume);
    stream.set_muted(settings.muted);
    let handle = tracks.add(MusicTrack {
        reader: std::sync::Mutex::new(Some(stream.reader())),
    });
    commands.spawn(AudioPlayer(handle.clone()));
    commands.insert_resource(Soundtrack {
        stream,
        settings,
        mood: Mood::default(),
        style,
        piece_from: 0,
        rated: false,
        rng,
        main_ms: Vec::new(),
        track: handle,
        since: None,
        output_checked: false,
        asked: 0,
    });
}

/// Asks the music lane for the next bar whenever the stream wants one (never waits for it).
fn ask_for_bars(music: Option<ResMut<Soundtrack>>, pool: Option<Res<Inference>>) {
    let (Some(mut music), Some(pool)) = (music, pool) else {
        return;
    };
    let started = Instant::now();
    let Some((mood, style)) = music.stream.request() else {
        return;
    };
    music.asked += 1;
    let job = Job {
        id: RequestId {
            npc: MUSIC_JOB,
            generation: music.asked,
        },
        priority: Priority::Normal,
        deadline: None,
        input: JobInput::Music { mood, style },
    };
    if let Err(e) = pool.0.try_submit(Lane::Music, job) {
        debug!("the next bar waits: {e}");
        music.stream.withdraw();
    }
    music.add_main_time(started);
}

/// Hands the bars the music lane made to the stream; a lane that cannot make them stops the music
/// with one warning.
fn take_bars(music: Option<ResMut<Soundtrack>>, mut done: MessageReader<InferenceCompleted>) {
    let Some(mut music) = music else { return };
    let started = Instant::now();
    for InferenceCompleted(c) in done.read() {
        if c.lane != Lane::Music {
            continue;
        }
        match &c.result {
            Ok(JobOutput::Music(bar)) => music.stream.push(bar),
            Ok(_) => music
                .stream
                .fail("the music lane answered something else".into()),
            Err(e) => {
                warn!("no music: {e}");
                music.stream.fail(e.to_string());
            }
        }
    }
    music.add_main_time(started);
}

/// `M` mutes and unmutes; `+` and `-` change the volume by a tenth; `L` likes the piece, `K`
/// skips it (a new piece starts at the next bar line). Not while typing.
fn keys(keys: Res<ButtonInput<KeyCode>>, chat: Res<ChatBox>, music: Option<ResMut<Soundtrack>>) {
    let Some(mut music) = music else { return };
    if chat.with.is_some() {
        return;
    }
    let before = music.settings;
    let m = &mut *music;
    let s = &mut m.settings;
    if keys.just_pressed(KeyCode::KeyM) {
        s.muted = !s.muted;
    }
    if keys.any_just_pressed([KeyCode::Equal, KeyCode::NumpadAdd]) {
        s.volume = (s.volume + 0.1).min(1.0);
        s.muted = false;
    }
    if keys.any_just_pressed([KeyCode::Minus, KeyCode::NumpadSubtract]) {
        s.volume = (s.volume - 0.1).max(0.0);
    }
    if keys.just_pressed(KeyCode::KeyL) && !m.rated {
        s.taste.feedback(m.style, true);
        m.rated = true;
    }
    if keys.just_pressed(KeyCode::KeyK) {
        if !m.rated {
            s.taste.feedback(m.style, false);
        }
        m.start_piece();
    }
    if m.settings != before {
        m.stream.set_volume(m.settings.volume);
        m.stream.set_muted(m.settings.muted);
        if let Err(e) = m.settings.save(&settings_path()) {
            warn!("cannot keep the music settings: {e}");
        }
    }
}

impl Soundtrack {
    /// A new piece in a style drawn from the player's taste, from the next bar line.
    fn start_piece(&mut self) {
        self.style = self.settings.taste.choose(&mut self.rng);
        self.stream.set_style(self.style);
        self.piece_from = self.stream.bars();
        self.rated = false;
    }
}

/// After [`PIECE_BARS`] bars the next piece starts.
fn next_piece(music: Option<ResMut<Soundtrack>>) {
    let Some(mut music) = music else { return };
    if music.stream.bars() >= music.piece_from + PIECE_BARS {
        music.start_piece();
    }
}

/// One line for F3.
pub(super) fn hud_line(music: &Soundtrack) -> String {
    let st = music.stats();
    let m = music.mood;
    let c = st.controls.map_or(String::new(), |c| {
        format!(
            "{} {:.0} bpm, ",
            if c.major { "major" } else { "minor" },
            c.tempo_bpm
        )
    });
    format!(
        "music: {c}{} bars, {:.1} s ahead, underruns {}, mood v{:+.2} a{:+.2} d{:+.2}{}{}\n\
         style: {} (L like, K skip{})",
        st.bars,
        st.buffered_s,
        st.underruns,
        m.valence,
        m.arousal,
        m.dominance,
        if music.settings.muted {
            ", muted (M)"
        } else {
            ""
        },
        st.failed
            .map_or(String::new(), |f| format!(", failed: {f}")),
        music.style.describe(),
        if music.rated { ", liked" } else { "" }
    )
}

fn report_on_exit(mut exit: MessageReader<AppExit>, music: Option<Res<Soundtrack>>) {
    if exit.read().next().is_none() {
        return;
    }
    let Some(music) = music else {
        println!("music: off (--no-music)");
        return;
    };
    let st = music.stats();
    let mut ms = music.main_ms.clone();
    ms.sort_by(f32::total_cmp);
    let q = |f: f64| crate::inference::metrics::percentile(&ms, f);
    println!(
        "music: {} bars ({} major), played {:.1} s, underruns {}, music lane {:.1} ms per second of \
         music; main thread p50 {:.3} ms p99 {:.3} ms per frame{}",
        st.bars,
        st.major_bars,
        st.played_s,
        st.underruns,
        st.work_ms_per_s,
        q(0.5),
        q(0.99),
        st.failed
            .map_or(String::new(), |f| format!("; failed: {f}"))
    );
}
