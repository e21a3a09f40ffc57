//! Frame-time log: every frame's time, split by whether a villager's reply was being generated, so
//! that "the game never stalls while the model talks" is a measured figure; and the replies as the
//! player sees them: seconds from Enter to the first words, and the model's decode rate in the
//! game. Both printed at exit. With `--frame-log FILE` each run's frames are appended to a file and
//! the summary of all its runs is printed too: one run's p99 rests on its few worst frames, and on a
//! shared machine a burst of someone else's load decides which kind of frame those are.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use bevy::prelude::*;

use super::chat::LineTyped;
use crate::brain::talk::Speech;

/// Frames before this many are start-up, not play, and are left out.
const WARM_UP_FRAMES: u64 = 20;

/// What the dialogue model was doing during a frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Phase {
    /// No reply in progress.
    Quiet,
    /// From Enter to the first words on screen: the line is read, the prompt run and the first
    /// sentence decoded (speech grows sentence by sentence, and most replies are one sentence).
    Waiting,
    /// From the first words to the last.
    Speaking,
}

impl Phase {
    fn name(self) -> &'static str {
        match self {
            Phase::Quiet => "quiet",
            Phase::Waiting => "waiting",
            Phase::Speaking => "speaking",
        }
    }

    fn parse(s: &str) -> Option<Phase> {
        [Phase::Quiet, Phase::Waiting, Phase::Speaking]
            .into_iter()
            .find(|p| p.name() == s)
    }
}

/// Frame times in milliseconds, each with what the model was doing.
#[derive(Resource, Default)]
pub(super) struct FrameLog {
    frames: u64,
    times: Vec<(f32, Phase)>,
    /// `--frame-log`: this run's frames are appended here at exit, and the summary of every run
    /// in the file is printed, so that runs can be pooled.
    file: Option<PathBuf>,
}

fn percentile(v: &[f32], q: f64) -> f32 {
    let mut s = v.to_vec();
    s.sort_by(f32::total_cmp);
    crate::inference::metrics::percentile(&s, q)
}

/// Header of a frame-log file.
const CSV_HEADER: &str = "run,frame,ms,phase";

impl FrameLog {
    /// A log that is also appended to `file` at exit.
    pub(crate) fn to_file(file: PathBuf) -> Self {
        FrameLog {
            file: Some(file),
            ..default()
        }
    }

    fn push(&mut self, ms: f32, phase: Phase) {
        self.times.push((ms, phase));
    }

    /// One line: p50/p99 of frames with no reply in progress and of frames while one is
    /// generated (before its first words or after), and the ratio of their p99s.
    pub(crate) fn summary(&self) -> String {
        let of = |keep: &dyn Fn(Phase) -> bool| -> Vec<f32> {
            self.times
                .iter()
                .filter(|(_, p)| keep(*p))
                .map(|(ms, _)| *ms)
                .collect()
        };
        let quiet = of(&|p| p == Phase::Quiet);
        let generating = of(&|p| p != Phase::Quiet);
        let waiting = of(&|p| p == Phase::Waiting).len();
        let (q50, q99) = (percentile(&quiet, 0.5), percentile(&quiet, 0.99));
        let (g50, g99) = (percentile(&generating, 0.5), percentile(&generating, 0.99));
        let ratio = if q99 > 0.0 { g99 / q99 } else { 0.0 };
        format!(
            "frame time: no reply in progress p50 {q50:.1} ms p99 {q99:.1} ms ({} frames); \
             while a reply is generated p50 {g50:.1} ms p99 {g99:.1} ms ({} frames: {waiting} \
             before the first words, {} after); p99 ratio {ratio:.2}",
            quiet.len(),
            generating.len(),
            generating.len() - waiting,
        )
    }

    /// This run's frames as lines of the frame-log file.
    fn csv_lines(&self, run: &str) -> String {
        let mut out = String::new();
        for (i, (ms, phase)) in self.times.iter().enumerate() {
            out.push_str(&format!("{run},{},{ms:.2},{}\n", i, phase.name()));
        }
        out
    }

    /// The frames of every run in a frame-log file's text, and how many runs; lines that are
    /// not frames (the header, a line cut short) are skipped.
    fn from_csv(text: &str) -> (FrameLog, usize) {
        let mut log = FrameLog::default();
        let mut runs = std::collections::HashSet::new();
        for line in text.lines() {
            let f: Vec<&str> = line.split(',').collect();
            if let [run, _, ms, phase] = f[..]
                && let (Ok(ms), Some(phase)) = (ms.parse::<f32>(), Phase::parse(phase))
            {
                runs.insert(run.to_string());
                log.push(ms, phase);
            }
        }
        (log, runs.len())
    }

    /// Appends this run to the frame-log file; returns the summary of all its runs.
    fn append_to_file(&self, path: &Path) -> std::io::Result<String> {
        use std::io::Write;
        let before = std::fs::read(path).unwrap_or_default();
        let run = format!(
            "{}-{}",
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_millis())
                .unwrap_or(0),
            std::process::id()
        );
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)?;
        if before.is_empty() {
            writeln!(f, "{CSV_HEADER}")?;
        } else if !before.ends_with(b"\n") {
            // The last run was cut off mid-line: its broken line stays apart from this run's.
            writeln!(f)?;
        }
        let lines = self.csv_lines(&run);
        f.write_all(lines.as_bytes())?;
        // The earlier runs as read before appending, then this one: the file is read once.
        let earlier = String::from_utf8_lossy(&before);
        let (all, runs) = FrameLog::from_csv(&format!("{earlier}\n{lines}"));
        Ok(format!(
            "{runs} run(s) in {}: {}",
            path.display(),
            all.summary()
        ))
    }
}

/// Replies as the player sees them.
#[derive(Resource, Default)]
pub(super) struct ReplyLog {
    /// Lines said and not yet answered: villager → real seconds when Enter was pressed.
    waiting: HashMap<Entity, f64>,
    /// Seconds from Enter to the first words on screen.
    pub(crate) first_words: Vec<f32>,
    /// Decode tokens per second of each finished reply.
    pub(crate) tokens_per_sec: Vec<f32>,
}

impl ReplyLog {
    /// One line: how many replies, first words p50/max, decode rate p50.
    pub(crate) fn summary(&self) -> String {
        if self.first_words.is_empty() {
            return "in-game replies: none".into();
        }
        let max = self.first_words.iter().copied().fold(0.0, f32::max);
        format!(
            "in-game replies: {}; first words after Enter p50 {:.2} s max {:.2} s; \
             decode p50 {:.1} tokens/s ({} replies)",
            self.first_words.len(),
            percentile(&self.first_words, 0.5),
            max,
            percentile(&self.tokens_per_sec, 0.5),
            self.tokens_per_sec.len()
        )
    }

    pub(crate) fn last(&self) -> Option<(f32, Option<f32>)> {
        self.first_words
            .last()
            .map(|f| (*f, self.tokens_per_sec.last().copied()))
    }
}

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<FrameLog>()
        .init_resource::<ReplyLog>()
        .add_systems(Update, time_replies.after(super::chat::type_line))
        .add_systems(Last, (record, report_on_exit).chain());
}

/// Starts the clock at Enter, stops it when the villager's first words show; keeps each finished
/// reply's decode rate.
fn time_replies(
    time: Res<Time<Real>>,
    mut typed: MessageReader<LineTyped>,
    mut log: ResMut<ReplyLog>,
    speech: Query<Ref<Speech>>,
) {
    let now = time.elapsed_secs_f64();
    for t in typed.read() {
        log.waiting.insert(t.npc, now);
    }
    let mut answered = Vec::new();
    for (&npc, &since) in &log.waiting {
        match speech.get(npc) {
            Ok(s) if !s.text.trim().is_empty() && !s.fallback && s.is_changed() => {
                answered.push((npc, (now - since) as f32))
            }
            Ok(s) if s.fallback => answered.push((npc, f32::NAN)),
            // No speech yet (it comes with the reply's first turn), or no words yet: wait.
            _ => {}
        }
    }
    for (npc, secs) in answered {
        log.waiting.remove(&npc);
        if secs.is_finite() {
            log.first_words.push(secs);
        }
    }
    for s in &speech {
        if s.is_changed()
            && s.done
            && let Some(tps) = s.record.as_ref().and_then(|r| r.speed.tokens_per_sec())
        {
            log.tokens_per_sec.push(tps);
        }
    }
}

fn record(
    time: Res<Time<Real>>,
    mut log: ResMut<FrameLog>,
    replies: Res<ReplyLog>,
    speech: Query<&Speech>,
) {
    log.frames += 1;
    if log.frames <= WARM_UP_FRAMES {
        return;
    }
    let ms = time.delta_secs() * 1000.0;
    // A reply is generated from Enter (reading the line, the prompt) to its last word.
    let phase = if !replies.waiting.is_empty() {
        Phase::Waiting
    } else if speech.iter().any(|s| !s.done) {
        Phase::Speaking
    } else {
        Phase::Quiet
    };
    log.push(ms, phase);
}

fn report_on_exit(mut exit: MessageReader<AppExit>, log: Res<FrameLog>, replies: Res<ReplyLog>) {
    if exit.read().next().is_some() {
        println!("{}", log.summary());
        println!("{}", replies.summary());
        if let Some(path) = &log.file {
            match log.append_to_file(path) {
                Ok(all) => println!("{all}"),
                Err(e) => eprintln!(
                    "warning: could not write the frame log {}: {e}",
                    path.display()
                ),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn log(frames: &[(f32, Phase)]) -> FrameLog {
        let mut l = FrameLog::default();
        for &(ms, p) in frames {
            l.push(ms, p);
        }
        l
    }

    #[test]
    fn the_summary_splits_frames_before_and_after_the_first_words_and_compares_p99s() {
        let l = log(&[
            (20.0, Phase::Quiet),
            (20.0, Phase::Quiet),
            (30.0, Phase::Waiting),
            (22.0, Phase::Speaking),
            (22.0, Phase::Speaking),
        ]);
        let s = l.summary();
        assert!(s.contains("(2 frames)"), "{s}");
        assert!(
            s.contains("(3 frames: 1 before the first words, 2 after)"),
            "{s}"
        );
        assert!(s.contains("p99 ratio 1.50"), "{s}");
    }

    #[test]
    fn runs_appended_to_one_file_are_pooled() {
        let dir = std::env::temp_dir().join(format!("npc-frames-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("frames.csv");
        let _ = std::fs::remove_file(&path);
        let first = log(&[(10.0, Phase::Quiet), (40.0, Phase::Waiting)]);
        let one = first.append_to_file(&path).unwrap();
        assert!(one.starts_with("1 run(s)"), "{one}");
        // A line cut short (a run killed while writing) is skipped, not an error.
        std::fs::write(&path, std::fs::read_to_string(&path).unwrap() + "9-9,0,12.").unwrap();
        let second = log(&[(30.0, Phase::Quiet), (20.0, Phase::Speaking)]);
        std::thread::sleep(std::time::Duration::from_millis(5));
        let both = second.append_to_file(&path).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text.lines().filter(|l| *l == CSV_HEADER).count(), 1);
        let (pooled, runs) = FrameLog::from_csv(&text);
        assert_eq!(pooled.times.len(), 4, "{text}");
        assert_eq!(runs, 2, "{both}");
        assert!(
            both.contains("(2 frames)") && both.contains("(2 frames: 1 before"),
            "{both}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
