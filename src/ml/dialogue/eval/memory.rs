//! `eval memory`: memory questions. For each row a villager with an empty memory hears the
//! player's statements among [`FILLER`] lines (as memories, with the encoder's embeddings, a
//! minute apart); an hour
//! later, in a new conversation, the player asks about one of them. Scored: whether retrieval
//! offered the right memory, whether the reply says the expected words, and how the reply was
//! made. Sets are TSV: `npc, told, question, expect` (told lines separated by ` | `, expected words
//! by commas).

use std::path::Path;
use std::sync::Arc;

use serde::Serialize;

use super::set::{SetError, data_lines, read_set, row_error, villager};
use crate::config::NpcConfig;
use crate::decide::keys;
use crate::decide::talk::ReplySource;
use crate::inference::WorldNames;
use crate::memory::{self, MemoryStream};
use crate::ml::dialogue::Dialogue;
use crate::ml::dialogue::backend::Collect;
use crate::ml::dialogue::recall;
use crate::ml::dialogue::request::{self, Turn};
use crate::ml::dialogue::understand::line_intent;
use crate::ml::llama::LmError;

/// What the player also said around each row's lines, so that retrieval must pick the right
/// memory among others (statements about themselves among them), none about what the sets ask.
pub const FILLER: [&str; 10] = [
    "What lovely weather today.",
    "I walked here over the hills.",
    "Your village is very pretty.",
    "My boots are soaked through.",
    "The road was long and muddy.",
    "I have a cough from the cold road.",
    "Thank you for your time.",
    "My pack is heavy with books.",
    "I saw a fox on the way in.",
    "Is it always this quiet here?",
];

/// One row of a memory set.
#[derive(Clone, Debug, PartialEq)]
pub struct MemoryRow {
    pub npc: String,
    pub told: Vec<String>,
    pub question: String,
    pub expect: Vec<String>,
    pub at: usize,
}

/// Parses a memory set (see the module's note), each row checked against the cast.
pub fn parse_memory_set(
    file: &str,
    text: &str,
    cast: &[NpcConfig],
) -> Result<Vec<MemoryRow>, SetError> {
    let mut rows = Vec::new();
    for (at, raw) in data_lines(text) {
        let bad = |message: String| row_error(file, at, message);
        let cols: Vec<&str> = raw.split('\t').collect();
        let [npc, told, question, expect] = cols[..] else {
            return Err(bad(format!(
                "expected 4 tab-separated columns (npc, told, question, expect), found {}",
                cols.len()
            )));
        };
        let c = villager(cast, npc).ok_or_else(|| bad(format!("no villager named {npc:?}")))?;
        let expect: Vec<String> = expect
            .split(',')
            .map(|w| w.trim().to_lowercase())
            .filter(|w| !w.is_empty())
            .collect();
        if expect.is_empty() || question.trim().is_empty() {
            return Err(bad("a row needs a question and expected words".into()));
        }
        rows.push(MemoryRow {
            npc: c.name.clone(),
            told: told.split(" | ").map(|t| t.trim().to_string()).collect(),
            question: question.trim().to_string(),
            expect,
            at,
        });
    }
    Ok(rows)
}

/// Reads a memory set from a file.
pub fn load_memory_set(path: &Path, cast: &[NpcConfig]) -> Result<Vec<MemoryRow>, SetError> {
    read_set(path, cast, parse_memory_set)
}

/// One row's outcome.
#[derive(Clone, Debug, Serialize)]
pub struct MemoryScored {
    pub npc: String,
    pub question: String,
    pub reply: String,
    /// Retrieval offered a memory with every expected word.
    pub offered: bool,
    /// The reply says every expected word.
    pub recalled: bool,
    pub template: bool,
    pub rejections: Vec<String>,
}

/// Rates over a set.
#[derive(Clone, Debug, Default, Serialize)]
pub struct MemorySummary {
    pub rows: usize,
    pub offered: f64,
    pub recalled: f64,
    pub template: f64,
}

fn says_all(text: &str, expect: &[String]) -> bool {
    let words = keys::words(text);
    expect.iter().all(|e| keys::group_present(&words, e))
}

/// Runs one row (see the module's note).
pub fn run_row(
    d: &mut Dialogue,
    npc: &NpcConfig,
    world: &Arc<WorldNames>,
    row: &MemoryRow,
    seed: u64,
) -> Result<MemoryScored, LmError> {
    let mut stream = MemoryStream::new(memory::stream::CAPACITY, 3600.0);
    // The row's lines in the middle of the filler, a minute apart.
    let half = FILLER.len() / 2;
    let lines = FILLER[..half]
        .iter()
        .copied()
        .chain(row.told.iter().map(String::as_str))
        .chain(FILLER[half..].iter().copied());
    let mut said = 0;
    for (i, line) in lines.enumerate() {
        for mut m in memory::of_line(line, line_intent(line), i as f64 * 60.0, None) {
            recall::embed(&mut d.understander, &mut m)?;
            stream.add(m);
        }
        said = i + 1;
    }
    let now = 3600.0 + said as f64 * 60.0;
    let vad = [
        npc.temperament.valence,
        npc.temperament.arousal,
        npc.temperament.dominance,
    ];
    let mut req = request::request(npc, 0.5, vad, &[], Turn::Say(&row.question), world, seed);
    req.memory = Some(Arc::new(stream));
    req.now = now;
    // As the dialogue lane does it (here to see what was offered).
    let req = recall::prepare(&mut d.understander, &req)?.expect("a line with memories");
    let offered = req.knowledge[npc.knowledge.len()..]
        .iter()
        .any(|e| says_all(&e.text, &row.expect));
    let mut sink = Collect::default();
    let r = d.respond(&req, &mut sink)?;
    Ok(MemoryScored {
        npc: npc.name.clone(),
        question: row.question.clone(),
        recalled: says_all(&r.text, &row.expect),
        reply: r.text,
        offered,
        template: r.record.source == ReplySource::Template,
        rejections: r.record.rejections,
    })
}

/// Runs every row; `progress` sees each outcome.
pub fn run_memory(
    d: &mut Dialogue,
    cast: &[NpcConfig],
    world: &Arc<WorldNames>,
    rows: &[MemoryRow],
    seed: u64,
    progress: &mut dyn FnMut(&MemoryScored),
) -> Result<(Vec<MemoryScored>, MemorySummary), LmError> {
    let mut scored = Vec::new();
    for (i, row) in rows.iter().enumerate() {
        let npc = cast
            .iter()
            .find(|c| c.name == row.npc)
            .expect("rows are checked against the cast");
        let s = run_row(d, npc, world, row, seed.wrapping_add(i as u64))?;
        progress(&s);
        scored.push(s);
    }
    let n = scored.len().max(1) as f64;
    let rate = |f: fn(&MemoryScored) -> bool| scored.iter().filter(|s| f(s)).count() as f64 / n;
    let summary = MemorySummary {
        rows: scored.len(),
        offered: rate(|s| s.offered),
        recalled: rate(|s| s.recalled),
        template: rate(|s| s.template),
    };
    Ok((scored, summary))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_sets_parse_with_located_errors() {
        let cast = crate::config::files::load_cast(
            &Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/npcs"),
            Path::new("no-mods"),
        )
        .0;
        let text =
            "npc\ttold\tquestion\texpect\n# c\nGreta\tI'm Ada. | I like figs.\tWho am I?\tAda\n";
        let rows = parse_memory_set("m.tsv", text, &cast).unwrap();
        assert_eq!(rows[0].told, ["I'm Ada.", "I like figs."]);
        assert_eq!(rows[0].expect, ["ada"]);
        let e = parse_memory_set("m.tsv", "h\nNobody\ta\tb\tc\n", &cast).unwrap_err();
        assert!(e.to_string().starts_with("m.tsv:2: no villager"), "{e}");
        let e = parse_memory_set("m.tsv", "h\nGreta\ta\tb\n", &cast).unwrap_err();
        assert!(e.to_string().contains("expected 4"), "{e}");
    }
}
