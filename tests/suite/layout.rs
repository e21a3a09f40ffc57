//! The game's busiest screens, drawn under Xvfb with software rendering: a chat with the journal
//! open, a new clue arriving and the villager's bubble where the player stands, the accusation
//! over a full journal, F3's metrics with the tutorial. In each, no panel may cover another or the player, and every panel fits in the
//! 1280×720 window (`play --autopilot layout` measures the boxes and saves a screenshot of each).

use std::process::Command;

#[test]
fn the_busiest_screens_keep_every_panel_apart_and_in_the_window() {
    let found = Command::new("sh")
        .args(["-c", "command -v xvfb-run"])
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        found,
        "xvfb-run is missing: scripts/test.sh installs it (scripts/deps.sh xvfb xauth mesa-vulkan-drivers)"
    );
    let dir = std::env::temp_dir().join(format!("npc-minds-layout-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let shot = dir.join("layout.png");
    let out = Command::new("xvfb-run")
        .args(["-a", "-s", "-screen 0 1280x720x24"])
        .arg(env!("CARGO_BIN_EXE_npc-minds"))
        .args([
            "play",
            "--autopilot",
            "layout",
            "--frames",
            "3000",
            "--screenshot",
        ])
        .arg(&shot)
        // The tutorial's "seen" marker goes here, not into the user's settings.
        .env("NPC_MINDS_CONFIG", &dir)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let report: Vec<&str> = stdout
        .lines()
        .filter(|l| l.starts_with("layout:"))
        .collect();
    assert!(
        out.status.success(),
        "{}\n{}",
        report.join("\n"),
        stderr.lines().rev().take(30).collect::<Vec<_>>().join("\n")
    );
    for state in ["chat-journal-clue", "accusation", "metrics-tutorial"] {
        let line = report
            .iter()
            .find(|l| l.starts_with(&format!("layout: {state}:")))
            .unwrap_or_else(|| panic!("no report for {state}: {report:#?}"));
        assert!(line.ends_with("none overlap"), "{line}");
        let png = dir.join(format!("layout-{state}.png"));
        let size = std::fs::metadata(&png).map(|m| m.len()).unwrap_or(0);
        assert!(size > 20_000, "{} is {size} bytes", png.display());
    }
    // The states really are busy. (With the journal open, the tutorial and the notice step aside:
    // the journal shows the new clue itself.)
    let has = |state: &str, panels: &[&str]| {
        let line = report.iter().find(|l| l.contains(state)).unwrap();
        for panel in panels {
            assert!(line.contains(panel), "{panel} missing from {line}");
        }
    };
    has(
        "chat-journal-clue",
        &["conversation", "journal", "HUD", "the player"],
    );
    has(
        "accusation",
        &["conversation", "journal", "HUD", "the player"],
    );
    has(
        "metrics-tutorial",
        &["tutorial", "new-clue notice", "HUD", "the player"],
    );
    let _ = std::fs::remove_dir_all(&dir);
}
