//! `eval memory`: memory questions. For each row a villager with an empty memory hears the
//! player's statements among [`FILLER`] lines (as memories, with the encoder's embeddings, a
//! minute apart), or hears a clue from another villager, or sees a wolf or someone hurt; an hour
//! later, in a new conversation, the player asks about one of them. Scored: whether retrieval
//! offered the right memory, whether the reply says the expected words, and how the reply was
//! made. Sets are TSV: `npc, told, question, expect` (told items separated by ` | `, see [`Told`];
//! expected words by commas).

use std::path::Path;
use std::sync::Arc;

use serde::Serialize;

use super::set::{SetError, data_lines, read_set, row_error, villager};
use crate::config::NpcConfig;
use crate::config::schema::Fact;
use crate::decide::keys;
use crate::decide::talk::ReplySource;
use crate::inference::WorldNames;
use crate::memory::seen::{Seen, witnessed};
use crate::memory::{self, MemoryStream, gossip};
use crate::ml::dialogue::Dialogue;
use crate::ml::dialogue::backend::Collect;
use crate::ml::dialogue::recall;
use crate::ml::dialogue::request::{self, Turn};
use crate::ml::dialogue::understand::line_intent;
use crate::ml::lm::llama::LmError;
use crate::world::places;

/// What the player also said around each row's lines, so that retrieval must pick the right
/// memory among others (statements about themselves among them), none about what the sets ask.
pub(crate) const FILLER: [&str; 10] = [
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

/// What a row's villager is told or lives through before the question.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Told {
    /// A line the player says (`My name is Ada.`).
    Line(String),
    /// `heard TELLER [ORIGIN] N`: another villager tells it the origin's knowledge entry N.
    Heard {
        teller: String,
        origin: String,
        fact: Box<Fact>,
    },
    /// `saw wolf PLACE`, `saw hurt PLACE` or `saw NAME hurt PLACE`: it witnessed that.
    Saw { seen: Seen, place: String },
}

/// One row of a memory set.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct MemoryRow {
    pub(crate) npc: String,
    pub(crate) told: Vec<Told>,
    pub(crate) question: String,
    pub(crate) expect: Vec<String>,
    pub(crate) at: usize,
}

/// Parses a memory set (see the module's note), each row checked against the cast.
pub(crate) fn parse_memory_set(
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
        let told = told
            .split(" | ")
            .map(|t| parse_told(t.trim(), cast))
            .collect::<Result<Vec<_>, _>>()
            .map_err(bad)?;
        rows.push(MemoryRow {
            npc: c.name.clone(),
            told,
            question: question.trim().to_string(),
            expect,
            at,
        });
    }
    Ok(rows)
}

/// One item of the `told` column (see [`Told`]).
fn parse_told(item: &str, cast: &[NpcConfig]) -> Result<Told, String> {
    let words: Vec<&str> = item.split_whitespace().collect();
    let name = |n: &str| {
        villager(cast, n)
            .map(|c| c.name.clone())
            .ok_or_else(|| format!("no villager named {n:?} in {item:?}"))
    };
    let place = |p: &str| match places::find(p) {
        Some(p) => Ok(p.name.to_string()),
        None => Err(format!("no place named {p:?} in {item:?}")),
    };
    match words[..] {
        ["heard", teller, .., k] if (3..=4).contains(&words.len()) => {
            let origin = words[words.len() - 2];
            let origin = villager(cast, origin)
                .ok_or_else(|| format!("no villager named {origin:?} in {item:?}"))?;
            let fact = k
                .parse::<usize>()
                .ok()
                .and_then(|k| origin.knowledge.get(k))
                .ok_or_else(|| format!("{} has no knowledge entry {k:?}", origin.name))?;
            Ok(Told::Heard {
                teller: name(teller)?,
                origin: origin.name.clone(),
                fact: Box::new(fact.clone()),
            })
        }
        ["saw", "wolf", p] => Ok(Told::Saw {
            seen: Seen::WolfNear,
            place: place(p)?,
        }),
        ["saw", "hurt", p] => Ok(Told::Saw {
            seen: Seen::Hurt,
            place: place(p)?,
        }),
        ["saw", who, "hurt", p] => Ok(Told::Saw {
            seen: Seen::SawHurt(name(who)?),
            place: place(p)?,
        }),
        ["heard", ..] | ["saw", ..] => Err(format!(
            "{item:?}: expected `heard TELLER [ORIGIN] N`, `saw wolf PLACE`, `saw hurt PLACE` \
             or `saw NAME hurt PLACE`"
        )),
        _ => Ok(Told::Line(item.to_string())),
    }
}

/// Reads a memory set from a file.
pub(crate) fn load_memory_set(path: &Path, cast: &[NpcConfig]) -> Result<Vec<MemoryRow>, SetError> {
    read_set(path, cast, parse_memory_set)
}

/// One row's outcome.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct MemoryScored {
    pub(crate) npc: String,
    pub(crate) question: String,
    pub(crate) reply: String,
    /// Retrieval offered a memory with every expected word.
    pub(crate) offered: bool,
    /// The reply says every expected word.
    pub(crate) recalled: bool,
    pub(crate) template: bool,
    pub(crate) rejections: Vec<String>,
}

/// Rates over a set.
#[derive(Clone, Debug, Default, Serialize)]
pub(crate) struct MemorySummary {
    pub(crate) rows: usize,
    pub(crate) offered: f64,
    pub(crate) recalled: f64,
    pub(crate) template: f64,
}

fn says_all(text: &str, expect: &[String]) -> bool {
    let words = keys::words(text);
    expect.iter().all(|e| keys::group_present(&words, e))
}

/// Runs one row (see the module's note).
pub(crate) fn run_row(
    d: &mut Dialogue,
    npc: &NpcConfig,
    world: &Arc<WorldNames>,
    row: &MemoryRow,
    seed: u64,
) -> Result<MemoryScored, LmError> {
    let mut stream = MemoryStream::new(memory::stream::CAPACITY, 3600.0);
    // The row's lines in the middle of the filler, a minute apart.
    let half = FILLER.len() / 2;
    let filler = |f: &[&str]| {
        f.iter()
            .map(|l| Told::Line(l.to_string()))
            .collect::<Vec<_>>()
    };
    let items = filler(&FILLER[..half])
        .into_iter()
        .chain(row.told.iter().cloned())
        .chain(filler(&FILLER[half..]));
    let mut said = 0;
    for (i, item) in items.enumerate() {
        let at = i as f64 * 60.0;
        let memories = match item {
            Told::Line(line) => memory::of_line(&line, line_intent(&line), at, None),
            Told::Heard {
                teller,
                origin,
                fact,
            } => vec![gossip::heard_clue(&teller, &origin, &fact, at)],
            Told::Saw { seen, place } => vec![witnessed(&seen, &place, at)],
        };
        for mut m in memories {
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
pub(crate) fn run_memory(
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
        assert_eq!(
            rows[0].told,
            [
                Told::Line("I'm Ada.".into()),
                Told::Line("I like figs.".into())
            ]
        );
        assert_eq!(rows[0].expect, ["ada"]);
        let text = "h\nPip\theard Tomas Greta 1 | saw Bram hurt mill\tq\tw\n";
        let rows = parse_memory_set("m.tsv", text, &cast).unwrap();
        match &rows[0].told[..] {
            [
                Told::Heard {
                    teller,
                    origin,
                    fact,
                },
                Told::Saw { seen, place },
            ] => {
                assert_eq!((teller.as_str(), origin.as_str()), ("Tomas", "Greta"));
                assert!(fact.text.contains("charcoal"), "{}", fact.text);
                assert_eq!(
                    (seen, place.as_str()),
                    (&Seen::SawHurt("Bram".into()), "mill")
                );
            }
            other => panic!("{other:?}"),
        }
        for bad in [
            "heard Greta 9",
            "heard Nobody 0",
            "saw wolf moon",
            "saw a cat",
        ] {
            let text = format!("h\nPip\t{bad}\tq\tw\n");
            let e = parse_memory_set("m.tsv", &text, &cast).unwrap_err();
            assert!(e.to_string().starts_with("m.tsv:2: "), "{bad}: {e}");
        }
        let e = parse_memory_set("m.tsv", "h\nNobody\ta\tb\tc\n", &cast).unwrap_err();
        assert!(e.to_string().starts_with("m.tsv:2: no villager"), "{e}");
        let e = parse_memory_set("m.tsv", "h\nGreta\ta\tb\n", &cast).unwrap_err();
        assert!(e.to_string().contains("expected 4"), "{e}");
    }
}
