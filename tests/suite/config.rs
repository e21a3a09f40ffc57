//! Config validation: every kind of invalid file gives a located message; hostile files never panic;
//! the shipped cast is valid; `check-config` prints one line per problem and exits 1.

use crate::common;

use std::process::Command;

use npc_minds::config::files::{load_all, load_cast};
use npc_minds::config::parse_npc;

use common::ADA as GOOD;

fn problems(text: &str) -> Vec<String> {
    match parse_npc("ada.npc.ron", text.as_bytes()) {
        Ok(_) => vec![],
        Err(e) => e.0.iter().map(|p| p.to_string()).collect(),
    }
}

#[test]
fn a_minimal_config_parses_with_defaults() {
    let c = parse_npc("ada.npc.ron", GOOD.as_bytes()).unwrap();
    assert_eq!(c.name, "Ada");
    assert_eq!(c.temperament.half_life_secs, 30.0);
    assert!(c.knowledge.is_empty());
}

#[test]
fn syntax_errors_give_file_line_and_column() {
    let broken = GOOD.replace("role: \"tester\",", "role: \"tester\"");
    assert_eq!(
        problems(&broken),
        vec!["ada.npc.ron:4:5: Expected comma".to_string()]
    );
}

#[test]
fn unknown_fields_are_refused_with_their_position() {
    let extra = GOOD.replace("role:", "mood: \"sunny\",\n    role:");
    let p = problems(&extra);
    assert_eq!(p.len(), 1);
    assert!(
        p[0].starts_with("ada.npc.ron:3:5: ") && p[0].contains("mood"),
        "{p:?}"
    );
}

#[test]
fn missing_fields_are_named() {
    let missing = GOOD.replace("    speech_style: \"plain\",\n", "");
    let p = problems(&missing);
    assert!(
        p[0].starts_with("ada.npc.ron:") && p[0].contains("speech_style"),
        "{p:?}"
    );
}

#[test]
fn out_of_range_traits_name_the_field_path() {
    let bad = GOOD.replace("bravery: 0.5", "bravery: 1.4");
    assert_eq!(
        problems(&bad),
        vec!["ada.npc.ron: field `persona.bravery`: 1.4 is out of range [0, 1]".to_string()]
    );
}

#[test]
fn unknown_places_list_the_known_ones() {
    let bad = GOOD.replace("\"fields\"", "\"moon\"");
    let p = problems(&bad);
    assert_eq!(p.len(), 1);
    assert!(
        p[0].starts_with(
            "ada.npc.ron: field `work`: unknown place \"moon\"; known places: square,"
        ),
        "{p:?}"
    );
}

#[test]
fn several_semantic_problems_are_all_reported() {
    let bad = GOOD
        .replace("temper: 0.5", "temper: -0.1")
        .replace("[\"Hello.\"]", "[]")
        .replace(
            "role:",
            "knowledge: [(text: \"x\", min_trust: 3.0)],\n    role:",
        );
    let p = problems(&bad);
    assert_eq!(p.len(), 3, "{p:?}");
    assert!(p.iter().any(|l| l.contains("`persona.temper`")));
    assert!(p.iter().any(|l| l.contains("`knowledge[0].min_trust`")));
    assert!(p.iter().any(|l| l.contains("`fallback_lines`")));
}

#[test]
fn empty_binary_huge_and_deeply_nested_files_give_clear_errors() {
    assert_eq!(
        problems("  \n"),
        vec!["ada.npc.ron: file is empty; expected an NPC like `(name: \"Ada\", ...)`".to_string()]
    );
    let binary = parse_npc("x.npc.ron", &[0x28, 0xff, 0xfe, 0x00])
        .unwrap_err()
        .to_string();
    assert_eq!(
        binary,
        "x.npc.ron: not UTF-8 text (a binary file?): invalid byte at offset 1"
    );
    let huge = "/".repeat(300 * 1024);
    assert!(problems(&huge)[0].contains("the limit is 262144"));
    let deep = format!("(name: {}1{})", "[".repeat(100_000), "]".repeat(100_000));
    let deep = parse_npc("deep.npc.ron", deep.as_bytes())
        .unwrap_err()
        .to_string();
    assert!(deep.starts_with("deep.npc.ron:1:"), "{deep}");
    let nested = format!("(name: {}1{})", "(".repeat(200), ")".repeat(200));
    assert!(parse_npc("n.npc.ron", nested.as_bytes()).is_err());
}

#[test]
fn duplicate_names_are_reported_and_the_first_file_wins() {
    let dir = tempdir("dupes");
    std::fs::write(dir.join("a.npc.ron"), GOOD).unwrap();
    std::fs::write(dir.join("b.npc.ron"), GOOD.replace("tester", "impostor")).unwrap();
    let files = npc_minds::config::files::npc_files(&dir);
    let (good, problems) = load_all(&files);
    assert_eq!(good.len(), 1);
    assert_eq!(good[0].1.role, "tester");
    assert_eq!(problems.len(), 1);
    let line = problems[0].to_string();
    let expected = format!(
        "{}: field `name`: duplicate name \"Ada\" (also in {})",
        dir.join("b.npc.ron").display(),
        dir.join("a.npc.ron").display()
    );
    assert_eq!(line, expected);
}

#[test]
fn mods_override_by_name_and_add_new_npcs() {
    let base = tempdir("base");
    let mods = tempdir("mods");
    std::fs::write(base.join("ada.npc.ron"), GOOD).unwrap();
    std::fs::write(mods.join("ada.npc.ron"), GOOD.replace("tester", "modded")).unwrap();
    std::fs::write(mods.join("bob.npc.ron"), GOOD.replace("Ada", "Bob")).unwrap();
    std::fs::write(mods.join("broken.npc.ron"), "(name: ").unwrap();
    let (cast, problems) = load_cast(&base, &mods);
    let roles: Vec<(&str, &str)> = cast
        .iter()
        .map(|c| (c.name.as_str(), c.role.as_str()))
        .collect();
    assert_eq!(roles, vec![("Ada", "modded"), ("Bob", "tester")]);
    assert_eq!(problems.len(), 1);
}

#[test]
fn the_shipped_cast_is_valid_and_distinct() {
    let files = npc_minds::config::files::npc_files(std::path::Path::new("assets/npcs"));
    let (good, problems) = load_all(&files);
    assert!(problems.is_empty(), "{problems:?}");
    assert!(good.len() >= 8);
    let mut personas: Vec<[u32; 5]> = good
        .iter()
        .map(|(_, c)| c.persona.as_array().map(|v| (v * 100.0) as u32))
        .collect();
    personas.dedup();
    assert_eq!(
        personas.len(),
        good.len(),
        "every villager has a persona of their own"
    );
}

#[test]
fn check_config_prints_one_line_per_problem_and_exits_1() {
    let dir = tempdir("cli");
    std::fs::write(dir.join("ok.npc.ron"), GOOD).unwrap();
    std::fs::write(
        dir.join("bad.npc.ron"),
        GOOD.replace("honesty: 0.5", "honesty: 2.0")
            .replace("\"fields\"", "\"sea\""),
    )
    .unwrap();
    std::fs::write(dir.join("bin.npc.ron"), [0u8, 159, 146, 150]).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_npc-minds"))
        .arg("check-config")
        .arg(&dir)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(stdout.lines().count(), 3, "{stdout}");
    assert!(stdout.contains("field `persona.honesty`: 2 is out of range"));
    assert!(stdout.contains("not UTF-8 text"));
    let ok = Command::new(env!("CARGO_BIN_EXE_npc-minds"))
        .args(["check-config", "assets/npcs"])
        .output()
        .unwrap();
    assert_eq!(
        ok.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&ok.stdout)
    );
}

fn tempdir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("npc-minds-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
