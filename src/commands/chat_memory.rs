//! `chat --memory FILE`: the villager's memory of the player kept between terminal sessions. Each
//! line leaves memories (what the player told about themselves, kind or rude words); the best
//! recalled for the next line join the reply's knowledge; trust moves with what was said; a
//! conversation that told facts leaves a summary. The file is saved atomically after every turn,
//! so an interrupted chat loses nothing; a damaged file stops the chat and is never overwritten.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::config::NpcConfig;
use crate::decide::talk::{DialogueRecord, Intent};
use crate::inference::DialogueRequest;
use crate::memory::file::{self, SaveError};
use crate::memory::{self, Memory, VILLAGER_KIND, VILLAGER_VERSION, VillagerMemory};
use crate::ml::dialogue::Dialogue;
use crate::ml::dialogue::recall;
use crate::ml::dialogue::understand::line_intent;

/// Why a memory file cannot be used.
#[derive(Debug, thiserror::Error)]
pub(crate) enum MemoryFileError {
    #[error(transparent)]
    File(#[from] SaveError),
    #[error("{path} is {owner}'s memory, not {npc}'s; use another file for {npc}")]
    Owner {
        path: String,
        owner: String,
        npc: String,
    },
}

/// Seconds since 1970: memories made in the terminal are timed by the wall clock.
fn now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

/// One chat's use of a memory file.
pub(crate) struct MemorySession {
    path: PathBuf,
    pub(crate) memory: VillagerMemory,
    /// Facts of the villager's own the replies of this chat told.
    told_facts: Vec<String>,
    /// Memories this turn's line left, waiting for the reply.
    fresh: Vec<Memory>,
    intent: Intent,
}

impl MemorySession {
    /// Opens `path` for `npc` (a new memory at `trust` when there is no file yet).
    pub(crate) fn open(path: &Path, npc: &NpcConfig, trust: f32) -> Result<Self, MemoryFileError> {
        let memory = match file::load::<VillagerMemory>(path, VILLAGER_KIND, VILLAGER_VERSION) {
            Ok((_, m)) => m,
            Err(SaveError::Io { source, .. }) if source.kind() == std::io::ErrorKind::NotFound => {
                VillagerMemory::new(&npc.name, trust, 3600.0)
            }
            Err(e) => return Err(e.into()),
        };
        if !memory.npc.eq_ignore_ascii_case(&npc.name) {
            return Err(MemoryFileError::Owner {
                path: path.display().to_string(),
                owner: memory.npc,
                npc: npc.name.clone(),
            });
        }
        Ok(MemorySession {
            path: path.to_path_buf(),
            memory,
            told_facts: Vec::new(),
            fresh: Vec::new(),
            intent: Intent::SmallTalk,
        })
    }

    /// Before a reply: remembers `line` (kept back until the reply is made, so the line does not
    /// recall itself) and gives `req` the memories, which the dialogue recalls from.
    pub(crate) fn before(
        &mut self,
        dialogue: Option<&mut Dialogue>,
        line: &str,
        req: &mut DialogueRequest,
    ) {
        let at = now();
        self.intent = line_intent(line);
        self.fresh = memory::of_line(line, self.intent, at, None);
        if let Some(d) = dialogue {
            for m in &mut self.fresh {
                // Kept with the file, so a later chat need not embed it again; without an
                // embedding a memory is recalled by its words.
                let _ = recall::embed(&mut d.understander, m);
            }
        }
        req.memory = Some(Arc::new(self.memory.stream.clone()));
        req.now = at;
    }

    /// After a reply: keeps the line's memories and the facts told, moves trust and saves.
    pub(crate) fn after(
        &mut self,
        npc: &NpcConfig,
        record: Option<&DialogueRecord>,
    ) -> Result<(), SaveError> {
        for m in std::mem::take(&mut self.fresh) {
            self.memory.stream.add(m);
        }
        self.memory.feel(self.intent);
        if let Some(r) = record {
            for k in &r.conveyed {
                if let Some(f) = npc.knowledge.get(*k)
                    && !self.told_facts.contains(&f.text)
                {
                    self.told_facts.push(f.text.clone());
                }
            }
        }
        self.save()
    }

    /// At the end of the chat: the conversation's summary, then a last save.
    pub(crate) fn end(&mut self, dialogue: Option<&mut Dialogue>) -> Result<(), SaveError> {
        let facts: Vec<&str> = self.told_facts.iter().map(String::as_str).collect();
        if let Some(mut s) = memory::summary(&facts, now()) {
            if let Some(d) = dialogue {
                let _ = recall::embed(&mut d.understander, &mut s);
            }
            self.memory.stream.add(s);
        }
        self.memory.conversations += 1;
        self.save()
    }

    fn save(&self) -> Result<(), SaveError> {
        file::save(&self.path, VILLAGER_KIND, VILLAGER_VERSION, &self.memory)
    }
}
