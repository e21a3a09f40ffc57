//! The batcher with the real dialogue model (skipped without the fetched weights; a failure in CI
//! or with `NPC_MINDS_REQUIRE_MODELS=1`): greedy replies are the same whether their system turn is
//! read cold (in budgeted steps, then cached), served from the prefix cache, waited for while
//! another conversation reads it, or decoded beside another conversation; a prompt already in
//! tokens (a villager's) and a warm-up job work too.

use crate::common;

use std::time::Duration;

use crossbeam_channel::{Receiver, Sender, unbounded};
use npc_minds::ml::lm::DialogueModel;
use npc_minds::ml::lm::chat::{
    Batcher, ChatEvent, ChatJob, ChatParams, ChatPrompt, ChatSink, Finish, Message, Role,
};
use npc_minds::ml::model_files::models_dir;

struct ToTest(Sender<ChatEvent>);

impl ChatSink for ToTest {
    fn send(&mut self, event: ChatEvent) -> bool {
        self.0.send(event).is_ok()
    }

    fn closed(&self) -> bool {
        false
    }
}

fn batcher() -> Option<(Batcher, DialogueModel)> {
    let path = common::require_model(
        "dialogue",
        models_dir().join("SmolLM2-135M-Instruct.Q4_1.gguf"),
    )?;
    let load = || DialogueModel::load(&path, 2, &mut |l| eprintln!("{l}")).expect("loads");
    Some((Batcher::spawn(load(), 4, 8), load()))
}

fn params() -> ChatParams {
    ChatParams {
        temperature: 0.0,
        top_p: 1.0,
        max_tokens: 20,
        seed: 1,
        stop: Vec::new(),
        ignore_eos: true,
        repeat_penalty: 1.0,
    }
}

fn messages(system: &str, user: &str) -> Vec<Message> {
    vec![
        Message {
            role: Role::System,
            content: system.into(),
        },
        Message {
            role: Role::User,
            content: user.into(),
        },
    ]
}

fn submit(b: &Batcher, prompt: ChatPrompt) -> Receiver<ChatEvent> {
    let (tx, rx) = unbounded();
    let job = ChatJob {
        prompt,
        params: params(),
        deadline: None,
        sink: Box::new(ToTest(tx)),
    };
    assert!(b.try_submit(job).is_ok(), "the queue has room");
    rx
}

/// The reply's text and how it ended.
fn reply(rx: &Receiver<ChatEvent>) -> (String, Finish) {
    let mut text = String::new();
    loop {
        match rx
            .recv_timeout(Duration::from_secs(120))
            .expect("the batcher answers")
        {
            ChatEvent::Started { .. } => {}
            ChatEvent::Delta(t) => text.push_str(&t),
            ChatEvent::Done { finish, .. } => return (text, finish),
            other => panic!("the reply failed: {other:?}"),
        }
    }
}

#[test]
fn greedy_replies_agree_cold_cached_and_beside_another() {
    let Some((b, m)) = batcher() else { return };
    let ask = messages(
        "You are Greta, the village baker of Millbrook. You bake rye and wheat bread.",
        "What do you bake?",
    );
    let other = messages(
        "You are Odo, the nervous miller.",
        "Where were you last night?",
    );
    let cold = reply(&submit(&b, ChatPrompt::Messages(ask.clone())));
    let cached = reply(&submit(&b, ChatPrompt::Messages(ask.clone())));
    let (a, o) = (
        submit(&b, ChatPrompt::Messages(ask.clone())),
        submit(&b, ChatPrompt::Messages(other.clone())),
    );
    let beside = reply(&a);
    let other_reply = reply(&o);
    eprintln!("cold {cold:?}\ncached {cached:?}\nbeside {beside:?}\nother {other_reply:?}");
    assert_eq!(cold.1, Finish::Length);
    assert!(!cold.0.trim().is_empty());
    assert_eq!(cold, cached, "the cached system turn gives the same reply");
    assert_eq!(cold, beside, "decoding beside another gives the same reply");
    assert_ne!(cold.0, other_reply.0);

    // Two conversations with a system turn not seen before, together: one reads it while the
    // other waits for the cache; both say what it says alone afterwards.
    let fresh = messages(
        "You are Hilda, who keeps the tavern by the square.",
        "What do you serve?",
    );
    let (x, y) = (
        submit(&b, ChatPrompt::Messages(fresh.clone())),
        submit(&b, ChatPrompt::Messages(fresh.clone())),
    );
    let (x, y) = (reply(&x), reply(&y));
    let alone = reply(&submit(&b, ChatPrompt::Messages(fresh)));
    assert_eq!(x, alone, "the one that read the system turn");
    assert_eq!(y, alone, "the one that waited for the cache");

    // The same prompt in tokens, its system turn marked as the part to cache, and a warm-up.
    let (ids, system) = npc_minds::ml::lm::chat::prompt_tokens(&m, &ask).unwrap();
    let warm = submit(&b, ChatPrompt::Warm(ids[..system].to_vec()));
    assert!(matches!(
        warm.recv_timeout(Duration::from_secs(60)).unwrap(),
        ChatEvent::Done {
            completion_tokens: 0,
            ..
        }
    ));
    let tokens = reply(&submit(
        &b,
        ChatPrompt::Tokens {
            ids,
            cached: system,
        },
    ));
    assert_eq!(cold, tokens, "a prompt in tokens is the same prompt");
}
