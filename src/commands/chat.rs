//! `npc-minds chat --npc NAME`: talk to one villager in the terminal with the real dialogue model.
//! Reads lines from stdin (so it also works piped from a script) and streams the reply to stdout.

use std::io::{BufRead, IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;

use crate::config::NpcConfig;
use crate::config::files::load_cast;
use crate::ml::dialogue::DialogueModel;
use crate::ml::prompt;
use crate::world::rng;

/// Options of one chat session.
pub struct ChatOptions<'a> {
    pub npc: &'a str,
    pub seed: u64,
    pub threads: usize,
    /// Trust towards the player in [-1, 1] (decides which facts the NPC tells).
    pub trust: f32,
    pub npc_dir: &'a Path,
    pub mods: &'a Path,
}

fn find_npc(opts: &ChatOptions) -> Result<NpcConfig, String> {
    let (cast, _) = load_cast(opts.npc_dir, opts.mods);
    let names: Vec<&str> = cast.iter().map(|c| c.name.as_str()).collect();
    cast.iter()
        .find(|c| c.name.eq_ignore_ascii_case(opts.npc.trim()))
        .cloned()
        .ok_or_else(|| {
            format!(
                "no NPC named {:?}; the villagers are: {}",
                opts.npc,
                names.join(", ")
            )
        })
}

pub fn run(opts: ChatOptions) -> ExitCode {
    if !(-1.0..=1.0).contains(&opts.trust) {
        eprintln!("error: --trust must be in [-1, 1]");
        return ExitCode::from(2);
    }
    let npc = match find_npc(&opts) {
        Ok(n) => n,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let mut model = match super::fetch::dialogue_model_path()
        .map_err(|e| e.to_string())
        .and_then(|p| {
            DialogueModel::load(&p, opts.threads, &mut |l| eprintln!("{l}"))
                .map_err(|e| e.to_string())
        }) {
        Ok(m) => Some(m),
        Err(e) => {
            eprintln!(
                "warning: the dialogue model is unavailable ({e}); {} answers from fallback lines",
                npc.name
            );
            None
        }
    };
    let interactive = std::io::stdin().is_terminal();
    if interactive {
        eprintln!(
            "Talking to {} the {}. Type a line and press Enter; Ctrl-D ends.",
            npc.name, npc.role
        );
    }
    let vad = [
        npc.temperament.valence,
        npc.temperament.arousal,
        npc.temperament.dominance,
    ];
    let mut history: Vec<(String, String)> = Vec::new();
    let stdin = std::io::stdin();
    let mut input = stdin.lock();
    let mut out = std::io::stdout();
    let mut buf = Vec::new();
    for turn in 1u64.. {
        if interactive {
            eprint!("> ");
        }
        buf.clear();
        match input.read_until(b'\n', &mut buf) {
            Ok(0) => break,
            Ok(_) => {}
            Err(e) => {
                eprintln!("error: cannot read stdin: {e}");
                return ExitCode::FAILURE;
            }
        }
        let Ok(line) = std::str::from_utf8(&buf) else {
            eprintln!("error: line {turn} is not valid UTF-8; skipped");
            continue;
        };
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let req = prompt::request(
            &npc,
            opts.trust,
            vad,
            &history,
            line,
            rng::mix(opts.seed.wrapping_add(turn)),
        );
        let _ = write!(out, "{}: ", npc.name);
        let _ = out.flush();
        let answer = match model.as_mut() {
            Some(m) => {
                let mut on_text = |piece: &str| {
                    let _ = write!(out, "{piece}");
                    let _ = out.flush();
                    true
                };
                match m.reply(&req, &mut on_text) {
                    Ok((text, _)) => text,
                    Err(e) => {
                        eprintln!(
                            "\nwarning: the model failed ({e}); answering from fallback lines"
                        );
                        npc.fallback_line(turn)
                    }
                }
            }
            None => {
                let text = npc.fallback_line(turn);
                let _ = write!(out, "{text}");
                text
            }
        };
        let _ = writeln!(out);
        history.push((line.to_string(), answer));
    }
    ExitCode::SUCCESS
}
