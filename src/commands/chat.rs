//! `npc-minds chat --npc NAME`: talk to one villager in the terminal with the grounded dialogue.
//! Reads lines from stdin (so it also works piped from a script), prints `Name: reply` on stdout a
//! checked sentence at a time; `--explain` prints each reply's plan on stderr. With `--remote URL`
//! the villager answers from an OpenAI-compatible server instead of the model in this process.

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;

use super::chat_memory::MemorySession;
use crate::config::files::load_story;
use crate::config::{DEFAULT_CASE, NpcConfig};
use crate::decide::talk::DialogueRecord;
use crate::inference::{DialogueRequest, WorldNames};
use crate::ml::dialogue::Dialogue;
use crate::ml::dialogue::realise::Sink;
use crate::ml::dialogue::request::{self, Turn};
use crate::ml::model_files::{self, dialogue_model_path};
use crate::remote::RemoteDialogue;
use crate::world::rng;

/// Arguments of `npc-minds chat`.
#[derive(Debug, clap::Args)]
pub struct ChatArgs {
    /// The NPC's name (case-insensitive).
    #[arg(long)]
    pub(crate) npc: String,
    /// Seed of the sampling: the same seed and lines give the same replies.
    #[arg(long, default_value_t = 1)]
    pub(crate) seed: u64,
    /// Threads for the model.
    #[arg(long, default_value_t = 2)]
    pub threads: usize,
    /// Trust of the NPC towards you, in [-1, 1]: decides which facts it tells. Default 0, or
    /// with `--memory` the trust kept in the file.
    #[arg(long, allow_negative_numbers = true)]
    pub(crate) trust: Option<f32>,
    /// The villager's memory of you, kept in this file between chats (created when missing,
    /// saved after every line): what you told it, how you treated it, what it told you.
    #[arg(long)]
    pub(crate) memory: Option<PathBuf>,
    /// Print each reply's plan on stderr: intent, knowledge entries found (with scores), the
    /// plan, rejected attempts and where the words came from.
    #[arg(long)]
    pub(crate) explain: bool,
    /// Folder of the cast.
    #[arg(long, default_value = "assets/npcs")]
    pub(crate) npc_dir: PathBuf,
    /// Folder of modded NPCs.
    #[arg(long, default_value = "mods")]
    pub(crate) mods: PathBuf,
    #[command(flatten)]
    pub(crate) remote: super::RemoteArgs,
}

/// The villager called `name`, from the cast in `dir` and `mods`.
pub(crate) fn find_npc(cast: &[NpcConfig], name: &str) -> anyhow::Result<NpcConfig> {
    let names: Vec<&str> = cast.iter().map(|c| c.name.as_str()).collect();
    cast.iter()
        .find(|c| c.name.eq_ignore_ascii_case(name.trim()))
        .cloned()
        .with_context(|| {
            format!(
                "no NPC named {name:?}; the villagers are: {}",
                names.join(", ")
            )
        })
}

/// One line of `--explain`.
pub(crate) fn explain(record: &DialogueRecord, req: &DialogueRequest) -> String {
    let found: Vec<String> = record
        .plan
        .retrieved
        .iter()
        .take(3)
        .map(|(k, s)| format!("#{k} {s:.2}"))
        .collect();
    let conveyed: Vec<String> = record
        .conveyed
        .iter()
        .map(|k| format!("#{k} {:?}", req.knowledge.get(*k).map_or("", |f| &f.text)))
        .collect();
    format!(
        "[{}] intent {}, found [{}], plan {:?}, {:?}, rejected [{}], conveyed [{}]",
        req.speaker,
        record.plan.intent.name(),
        found.join(", "),
        record.plan.mv,
        record.source,
        record.rejections.join("; "),
        conveyed.join(", ")
    )
}

/// Prints accepted text as it comes.
struct Stdout;

impl Sink for Stdout {
    fn emit(&mut self, text: &str) {
        let mut out = std::io::stdout();
        let _ = write!(out, "{text}");
        let _ = out.flush();
    }

    fn cancelled(&self) -> bool {
        false
    }
}

/// The grounded dialogue on the models in this process (fetched on first use).
fn load_local(threads: usize) -> anyhow::Result<Dialogue> {
    let path = dialogue_model_path(&mut |l| eprintln!("{l}"))?;
    let models = model_files::models_dir();
    Ok(
        Dialogue::load(&path, &models, threads, &mut |l| eprintln!("{l}"))?
            .with_wait(std::time::Duration::from_millis(1500)),
    )
}

/// `npc-minds chat`.
/// One chat: the villager, its memory of the player (with `--memory`), the world's names, and what
/// writes its replies (a server, the model here, or neither: fallback lines).
struct Talk {
    npc: NpcConfig,
    memory: Option<MemorySession>,
    world: Arc<WorldNames>,
    remote: Option<RemoteDialogue>,
    dialogue: Option<Dialogue>,
}

pub fn run(a: ChatArgs) -> anyhow::Result<ExitCode> {
    let mut talk = match open(&a)? {
        Ok(t) => t,
        Err(code) => return Ok(code),
    };
    let interactive = std::io::stdin().is_terminal();
    if interactive {
        eprintln!(
            "Talking to {} the {}. Type a line and press Enter; Ctrl-D ends.",
            talk.npc.name, talk.npc.role
        );
    }
    let mut history: Vec<(String, String)> = Vec::new();
    let mut input = std::io::stdin().lock();
    let mut buf = Vec::new();
    for turn in 1u64.. {
        if interactive {
            eprint!("> ");
        }
        buf.clear();
        if input
            .read_until(b'\n', &mut buf)
            .context("cannot read stdin")?
            == 0
        {
            break;
        }
        let Ok(line) = std::str::from_utf8(&buf) else {
            eprintln!("error: line {turn} is not valid UTF-8; skipped");
            continue;
        };
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let answer = talk.turn(&a, line, turn, &history);
        history.push((line.to_string(), answer));
    }
    if let Some(m) = talk.memory.as_mut()
        && let Err(e) = m.end(talk.dialogue.as_mut())
    {
        eprintln!("warning: the memory was not saved: {e}");
    }
    Ok(ExitCode::SUCCESS)
}

/// The chat `a` asks for, or the exit code of a clear error (bad trust, unknown villager, an
/// unreadable memory file).
fn open(a: &ChatArgs) -> anyhow::Result<Result<Talk, ExitCode>> {
    if a.trust.is_some_and(|t| !(-1.0..=1.0).contains(&t)) {
        eprintln!("error: --trust must be in [-1, 1]");
        return Ok(Err(ExitCode::from(2)));
    }
    let story = load_story(&a.npc_dir, &a.mods, DEFAULT_CASE);
    let cast = story.cast;
    let npc = match find_npc(&cast, &a.npc) {
        Ok(n) => n,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(Err(ExitCode::from(2)));
        }
    };
    let mut memory = match &a.memory {
        Some(path) => match MemorySession::open(path, &npc, a.trust.unwrap_or(0.0)) {
            Ok(m) => Some(m),
            Err(e) => {
                eprintln!("error: {e}");
                return Ok(Err(ExitCode::from(2)));
            }
        },
        None => None,
    };
    if let (Some(m), Some(t)) = (memory.as_mut(), a.trust) {
        m.memory.trust = t;
    }
    let world = Arc::new(request::world_names(&cast, story.case.as_ref()));
    let remote = match a.remote.options()? {
        Some(o) => Some(
            RemoteDialogue::connect(&o)
                .with_context(|| format!("cannot use the server at {}", o.url))?,
        ),
        None => None,
    };
    let dialogue = match remote.is_none().then(|| load_local(a.threads)) {
        None => None,
        Some(Ok(d)) => Some(d),
        Some(Err(e)) => {
            eprintln!(
                "warning: the dialogue model is unavailable ({e:#}); {} answers from fallback lines",
                npc.name
            );
            None
        }
    };
    Ok(Ok(Talk {
        npc,
        memory,
        world,
        remote,
        dialogue,
    }))
}

impl Talk {
    /// The villager's answer to `line` (turn `turn`), streamed to stdout as it comes: from the
    /// server with `--remote`, else from the model here; a failure answers from the villager's
    /// fallback lines. The memory is updated and saved after it.
    fn turn(
        &mut self,
        a: &ChatArgs,
        line: &str,
        turn: u64,
        history: &[(String, String)],
    ) -> String {
        let npc = &self.npc;
        let vad = [
            npc.temperament.valence,
            npc.temperament.arousal,
            npc.temperament.dominance,
        ];
        let seed = rng::mix(a.seed.wrapping_add(turn));
        let trust = self
            .memory
            .as_ref()
            .map_or(a.trust.unwrap_or(0.0), |m| m.memory.trust);
        let mut req =
            request::request(npc, trust, vad, history, Turn::Say(line), &self.world, seed);
        if let Some(m) = self.memory.as_mut() {
            m.before(self.dialogue.as_mut(), line, &mut req);
        }
        let mut out = std::io::stdout();
        let _ = write!(out, "{}: ", npc.name);
        let _ = out.flush();
        let reply = match (&self.remote, self.dialogue.as_mut()) {
            (Some(r), _) => Some(
                r.respond(&req, &mut Stdout)
                    .map_err(|e| format!("the server failed ({e})")),
            ),
            (None, Some(d)) => Some(
                d.respond(&req, &mut Stdout)
                    .map(|r| (r.text, Some(r.record)))
                    .map_err(|e| format!("the model failed ({e})")),
            ),
            (None, None) => None,
        };
        let mut record = None;
        let answer = match reply {
            Some(Ok((text, rec))) => {
                if let (true, Some(rec)) = (a.explain, &rec) {
                    eprintln!("{}", explain(rec, &req));
                }
                record = rec;
                text
            }
            failed => {
                if let Some(Err(e)) = failed {
                    eprintln!("\nwarning: {e}; answering from fallback lines");
                }
                let text = npc.fallback_line(turn);
                let _ = write!(out, "{text}");
                text
            }
        };
        let _ = writeln!(out);
        if let Some(m) = self.memory.as_mut()
            && let Err(e) = m.after(npc, record.as_ref())
        {
            eprintln!("warning: the memory was not saved: {e}");
        }
        answer
    }
}
