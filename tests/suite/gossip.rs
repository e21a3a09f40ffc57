//! Gossip in the headless village: within one game day a rumour reaches a third villager (told on
//! by someone who only heard it), the report counts it, and what a villager heard about the
//! player moves its trust before the player ever spoke to it, and stays as a memory with its
//! source; a clue heard stays as a memory it may tell, and wolves at night are remembered.

use npc_minds::brain::components::{Memories, Profile, Trust};
use npc_minds::brain::gossip::Gossiping;
use npc_minds::config::files::load_cast;
use npc_minds::inference::backends::utility::UtilityBackend;
use npc_minds::inference::factory;
use npc_minds::memory::MemoryKind;
use npc_minds::memory::gossip::Subject;
use npc_minds::sim::run::{build_app, sim_pool};
use npc_minds::sim::{SimOptions, run_sim};
use npc_minds::world::components::{PlayerWords, Villager};

#[test]
fn a_rumour_reaches_a_third_villager_within_a_game_day() {
    let report = run_sim(SimOptions {
        npcs: 40,
        seconds: 480.0,
        seed: 5,
        lockstep: true,
        ..SimOptions::default()
    })
    .unwrap();
    let g = &report.gossip;
    assert!(g.exchanges > 50, "{g:?}");
    assert!(g.max_reach >= 3 && g.reached_three >= 1, "{g:?}");
    assert!(g.about_player > 0, "{g:?}");
}

#[test]
fn what_a_villager_heard_about_the_player_moves_its_trust_before_they_speak() {
    let (cast, _) = load_cast("assets/npcs".as_ref(), "no-mods".as_ref());
    let pool = sim_pool(factory(|| Ok(UtilityBackend)));
    let mut app = build_app(&cast, 40, 5, 0.05, pool);
    app.insert_resource(npc_minds::brain::Lockstep::new(2));
    for _ in 0..(480.0 / 0.05) as usize {
        app.update();
    }
    let world = app.world_mut();
    let mut q = world.query::<(
        &Villager,
        &PlayerWords,
        &Trust,
        &Gossiping,
        Option<&Memories>,
    )>();
    let mut checked = 0;
    for (v, words, trust, g, memories) in q.iter(world) {
        let heard: Vec<_> =
            g.0.rumours
                .iter()
                .filter(|r| {
                    r.hops > 0 && matches!(r.subject, Subject::PlayerKind | Subject::PlayerRude)
                })
                .collect();
        if words.kind + words.rude > 0 || heard.is_empty() {
            continue;
        }
        // Never spoken to: only what it heard moved its trust.
        checked += 1;
        assert_ne!(trust.0, 0.0, "{} heard {heard:?}", v.name);
        if heard.iter().all(|r| r.subject == Subject::PlayerRude) {
            assert!(trust.0 < 0.0, "{} heard only of rudeness", v.name);
        }
        let m = memories.expect("what it heard is remembered");
        assert!(
            m.0.memories
                .iter()
                .any(|m| m.kind == MemoryKind::Heard && m.source.is_some()),
            "{}",
            v.name
        );
    }
    assert!(
        checked > 0,
        "some villager heard of the player without meeting them"
    );
    let stats = world.resource::<npc_minds::brain::gossip::GossipStats>();
    assert!(stats.reach.values().any(|&r| r >= 3));

    // A clue heard is a memory the villager may tell, with its source and its first teller's
    // secrecy; wolves at night are remembered by those they came near.
    type Known = (String, std::sync::Arc<npc_minds::config::NpcConfig>);
    let known: std::collections::HashMap<u64, Known> = world
        .query::<(&Villager, &Profile)>()
        .iter(world)
        .map(|(v, p)| (v.id, (v.name.clone(), p.0.clone())))
        .collect();
    let (mut clues, mut wolves, mut fled) = (0, 0, 0);
    for (v, _, _, g, memories) in q.iter(world) {
        let kept = memories
            .map(|m| m.0.memories.as_slice())
            .unwrap_or_default();
        for r in g.0.rumours.iter().filter(|r| r.hops > 0) {
            let Subject::Clue(k) = r.subject else {
                continue;
            };
            let fact = &known[&r.origin].1.knowledge[k as usize];
            let tail: Vec<&str> = fact.text.split_whitespace().rev().take(3).collect();
            let (teller, origin) = (&known[&r.source].0, &known[&r.origin].0);
            let m = kept.iter().find(|m| {
                m.kind == MemoryKind::Heard
                    && m.text.starts_with(&format!("{teller} told me"))
                    && (teller == origin || m.text.contains(origin.as_str()))
                    && tail.iter().all(|w| m.text.contains(w))
            });
            let m = m.unwrap_or_else(|| {
                panic!(
                    "{} heard {:?} from {teller} but keeps no memory of it",
                    v.name, fact.text
                )
            });
            assert_eq!(m.min_trust, fact.min_trust, "{}", m.text);
            clues += 1;
        }
        wolves += kept
            .iter()
            .filter(|m| m.kind == MemoryKind::Witnessed && m.text.contains("wolf"))
            .count();
        fled += kept
            .iter()
            .filter(|m| m.kind == MemoryKind::Witnessed && m.text.contains(" run from a wolf"))
            .count();
    }
    assert!(clues > 0, "no clue was heard in a day");
    assert!(wolves > 0, "nobody remembers a wolf after a night");
    assert!(fled > 0, "nobody saw anyone run from a wolf in a night");
}
