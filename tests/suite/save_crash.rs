//! Crash safety of save files: a child process saves a villager's memory over and over and is
//! killed with SIGKILL at random moments, 60 times; every time, the file loads and holds at least
//! the last save the child reported complete. The child is this test binary run again (the
//! `child_saves_until_killed` test, which does nothing unless the parent starts it).

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use npc_minds::decide::talk::Intent;
use npc_minds::memory::file::{self, SaveError};
use npc_minds::memory::{VILLAGER_KIND, VILLAGER_VERSION, VillagerMemory, of_line};
use npc_minds::world::rng;

const CHILD: &str = "NPC_MINDS_SAVE_CHILD";

fn load(path: &Path) -> Result<VillagerMemory, SaveError> {
    file::load::<VillagerMemory>(path, VILLAGER_KIND, VILLAGER_VERSION).map(|(_, m)| m)
}

/// A memory as big as a full stream (200 memories with 384-float embeddings, ~1 MB on disk),
/// numbered by `conversations`.
fn memory(n: u32) -> VillagerMemory {
    let mut m = VillagerMemory::new("Greta", 0.0, 3600.0);
    m.conversations = n;
    for i in 0..200 {
        let mut said = of_line(
            &format!("My name is Tom the {i}th"),
            Intent::SmallTalk,
            i as f64,
            None,
        );
        said[0].embedding = (0..384).map(|j| rng::unit(n as u64, i, j, 7)).collect();
        m.stream.add(said.remove(0));
    }
    m
}

#[test]
fn child_saves_until_killed() {
    let Some(path) = std::env::var_os(CHILD).map(PathBuf::from) else {
        return;
    };
    let mut n = match load(&path) {
        Ok(m) => m.conversations,
        Err(_) => 0,
    };
    loop {
        n += 1;
        file::save(&path, VILLAGER_KIND, VILLAGER_VERSION, &memory(n)).unwrap();
        println!("saved {n}");
    }
}

#[test]
fn a_save_killed_at_any_moment_leaves_the_last_complete_one() {
    let dir = std::env::temp_dir().join(format!("npc-minds-crash-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("greta.memory");
    let mut reported = 0u64;
    let mut mid_write = 0;
    for round in 0..60u64 {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "save_crash::child_saves_until_killed",
                "--nocapture",
            ])
            .env(CHILD, &path)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let last = Arc::new(AtomicU64::new(0));
        let reader = {
            let last = last.clone();
            let out = child.stdout.take().unwrap();
            std::thread::spawn(move || {
                for line in BufReader::new(out).lines().map_while(Result::ok) {
                    if let Some(n) = line.strip_prefix("saved ") {
                        last.store(n.parse().unwrap(), Ordering::SeqCst);
                    }
                }
            })
        };
        // Some rounds are killed before the first save, most during one of the next few.
        let wait = 5 + (rng::unit(42, round, 0, 1) * 400.0) as u64;
        std::thread::sleep(Duration::from_millis(wait));
        child.kill().unwrap(); // SIGKILL on Unix
        child.wait().unwrap();
        reader.join().unwrap();
        reported = reported.max(last.load(Ordering::SeqCst));
        let tmp = dir.join(".greta.memory.tmp");
        if tmp.exists() {
            mid_write += 1;
        }
        if reported == 0 && !path.exists() {
            continue;
        }
        let m = load(&path).unwrap_or_else(|e| panic!("round {round}: {e}"));
        let n = m.conversations as u64;
        // The child may have finished one more save than it managed to report.
        assert!(
            n == reported || n == reported + 1,
            "round {round}: loaded save {n}, last reported {reported}"
        );
        assert_eq!(
            m,
            memory(m.conversations),
            "round {round}: the save is whole"
        );
        reported = n;
    }
    eprintln!("60 kills, {mid_write} of them with a save half-written; last save {reported}");
    assert!(
        reported >= 30,
        "the child saved too rarely to test anything ({reported})"
    );
    assert!(mid_write > 0, "no kill landed during a write");
    let _ = std::fs::remove_dir_all(&dir);
}
