//! `npc-minds serve` end to end, as a separate process on a real loopback socket, called by real
//! clients: our own HTTP client (the one `bench serve` and the game use) and the Python `openai`
//! package (pinned, installed into a virtualenv by `scripts/test.sh`, found through
//! `NPC_MINDS_OPENAI_PYTHON`). Needs the models (CI fetches them); skipped without them, a failure
//! in CI or with `NPC_MINDS_REQUIRE_MODELS=1`.

use crate::common;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use npc_minds::inference::JobOutput;
use npc_minds::ml::dialogue::backend::Collect;
use npc_minds::remote::{Client, RemoteDialogue, RemoteOptions};
use serde_json::{Value, json};

const KEY: &str = "test-key-0123456789";

/// A running server process; killed when dropped.
struct Served {
    child: Child,
    base: String,
    dir: std::path::PathBuf,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn have_models() -> bool {
    let dir = npc_minds::ml::model_files::models_dir();
    common::require_model("dialogue", dir.join("SmolLM2-135M-Instruct.Q4_1.gguf")).is_some()
        && common::require_model("encoder", dir.join("all-minilm-l6-v2/model.safetensors"))
            .is_some()
}

/// Starts `serve` on a port the system picks, with an API key and these extra arguments, and
/// waits until `/health` says the models are ready.
fn serve(extra: &[&str]) -> Served {
    static SERVERS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = SERVERS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("npc-serve-test-{}-{n}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let key_file = dir.join("key");
    std::fs::write(&key_file, format!("{KEY}\n")).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_npc-minds"))
        .args(["serve", "--addr", "127.0.0.1:0", "--api-key-file"])
        .arg(&key_file)
        .args(extra)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let base = loop {
        let line = lines
            .next()
            .expect("serve ended before it said where it listens")
            .unwrap();
        assert!(!line.contains(KEY), "the key was logged: {line}");
        if let Some(rest) = line.strip_prefix("serving on ") {
            break rest.split_whitespace().next().unwrap().to_string();
        }
    };
    // Keep draining stderr (and check that the key never shows up in it).
    std::thread::spawn(move || {
        for line in lines.map_while(Result::ok) {
            assert!(!line.contains(KEY), "the key was logged: {line}");
            eprintln!("[serve] {line}");
        }
    });
    let served = Served { child, base, dir };
    let anon = Client::new(&served.base, None, Duration::from_secs(10));
    let start = Instant::now();
    loop {
        let (status, body) = anon.get("/health").unwrap();
        if status == 200 {
            break;
        }
        assert_eq!(status, 503, "health while loading: {body}");
        assert!(body.contains("loading"), "{body}");
        assert!(
            start.elapsed() < Duration::from_secs(300),
            "models never got ready"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    served
}

fn error_code(v: &Value) -> &str {
    v["error"]["code"].as_str().unwrap_or("")
}

/// Our client against the server: routes, errors, streaming, cancellation, metrics.
#[test]
fn serve_answers_our_client_over_a_real_socket() {
    if !have_models() {
        return;
    }
    let s = serve(&[
        "--max-batch",
        "4",
        "--max-queue",
        "8",
        "--max-tokens",
        "200",
    ]);
    let c = Client::new(&s.base, Some(KEY.into()), Duration::from_secs(300));
    let anon = Client::new(&s.base, None, Duration::from_secs(30));

    // Keys: everything but /health needs one.
    assert_eq!(anon.get("/health").unwrap().0, 200);
    let (st, body) = anon.get("/v1/models").unwrap();
    assert_eq!(st, 401, "{body}");
    let wrong = Client::new(
        &s.base,
        Some("test-key-0123456788".into()),
        Duration::from_secs(30),
    );
    assert_eq!(wrong.get("/v1/models").unwrap().0, 401);

    let (st, body) = c.get("/v1/models").unwrap();
    assert_eq!(st, 200);
    let models: Value = serde_json::from_str(&body).unwrap();
    let ids: Vec<&str> = models["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|m| m["id"].as_str())
        .collect();
    assert!(
        ids.contains(&"smollm2-135m-instruct") && ids.contains(&"npc:Greta"),
        "{ids:?}"
    );

    // Open chat, whole and streamed, give the same greedy text.
    let ask = json!({"model": "smollm2-135m-instruct", "temperature": 0, "max_tokens": 20,
                     "messages": [{"role": "user", "content": "What colour is the sky?"}]});
    let (st, whole) = c.post("/v1/chat/completions", &ask).unwrap();
    assert_eq!(st, 200, "{whole}");
    let text = whole["choices"][0]["message"]["content"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(!text.trim().is_empty());
    let u = &whole["usage"];
    assert!(u["completion_tokens"].as_u64().unwrap() > 0);
    assert_eq!(
        u["total_tokens"].as_u64().unwrap(),
        u["prompt_tokens"].as_u64().unwrap() + u["completion_tokens"].as_u64().unwrap()
    );
    let mut streamed = String::new();
    let mut finish = None;
    let end = c
        .chat_stream(&ask, &mut |v| {
            streamed.push_str(v["choices"][0]["delta"]["content"].as_str().unwrap_or(""));
            if let Some(f) = v["choices"][0]["finish_reason"].as_str() {
                finish = Some(f.to_string());
            }
            true
        })
        .unwrap();
    assert!(end.done && end.error.is_none(), "{end:?}");
    assert_eq!(streamed, text);
    assert!(
        matches!(finish.as_deref(), Some("stop" | "length")),
        "{finish:?}"
    );

    // A stop string ends the reply before it; max_tokens is honoured.
    let (_, long) = c
        .post(
            "/v1/chat/completions",
            &json!({"model": "smollm2-135m-instruct", "temperature": 0, "max_tokens": 7,
                    "ignore_eos": true, "messages": [{"role": "user", "content": "Count to ten."}]}),
        )
        .unwrap();
    assert_eq!(long["usage"]["completion_tokens"], 7, "{long}");
    assert_eq!(long["choices"][0]["finish_reason"], "length");

    // A villager answers with the grounded dialogue and says what it planned.
    let (st, greta) = c
        .post(
            "/v1/chat/completions",
            &json!({"model": "npc:Greta", "npc_minds": {"trust": 0.3},
                    "messages": [{"role": "user", "content": "Hello! What do you sell?"}]}),
        )
        .unwrap();
    assert_eq!(st, 200, "{greta}");
    assert!(
        !greta["choices"][0]["message"]["content"]
            .as_str()
            .unwrap()
            .trim()
            .is_empty()
    );
    assert!(greta["npc_minds"]["record"]["plan"].is_object(), "{greta}");
    let (st, nobody) = c
        .post(
            "/v1/chat/completions",
            &json!({"model": "npc:Nobody", "messages": [{"role": "user", "content": "hi"}]}),
        )
        .unwrap();
    assert_eq!(
        (st, error_code(&nobody)),
        (404, "model_not_found"),
        "{nobody}"
    );

    // Bad requests: malformed JSON, wrong types, unsupported n, oversized bodies.
    let (st, text) = c.post_raw("/v1/chat/completions", b"{\"model\": ").unwrap();
    assert_eq!(st, 400, "{text}");
    let v: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["error"]["type"], "invalid_request_error");
    let (st, v) = c
        .post(
            "/v1/chat/completions",
            &json!({"model": "smollm2-135m-instruct", "messages": "hi"}),
        )
        .unwrap();
    assert_eq!(st, 400, "{v}");
    let (st, v) = c
        .post(
            "/v1/chat/completions",
            &json!({"model": "smollm2-135m-instruct", "n": 2,
                    "messages": [{"role": "user", "content": "hi"}]}),
        )
        .unwrap();
    assert_eq!((st, error_code(&v)), (400, "unsupported_value"), "{v}");
    let big = vec![b' '; (1 << 20) + 10];
    let (st, text) = c.post_raw("/v1/embeddings", &big).unwrap();
    assert_eq!(st, 413, "{text}");

    // Embeddings, emotions, decisions.
    let (st, e) = c
        .post(
            "/v1/embeddings",
            &json!({"model": "all-minilm-l6-v2", "input": ["bread", "loaf"]}),
        )
        .unwrap();
    assert_eq!(st, 200, "{e}");
    assert_eq!(e["data"].as_array().unwrap().len(), 2);
    assert_eq!(e["data"][1]["embedding"].as_array().unwrap().len(), 384);
    let (st, em) = c
        .post(
            "/v1/emotions",
            &json!({"input": ["I am so happy to see you, thank you!"]}),
        )
        .unwrap();
    assert_eq!(st, 200, "{em}");
    let scores = em["data"][0]["scores"].as_object().unwrap();
    let sum: f64 = scores.values().map(|p| p.as_f64().unwrap()).sum();
    assert!((sum - 1.0).abs() < 0.01, "{em}");
    assert_eq!(em["data"][0]["label"], "joy", "{em}");
    let obs = json!({"needs": [0.9, 0.8, 0.5], "emotion": [0.0, 0.0, 0.0],
        "persona": [0.5, 0.5, 0.5, 0.5, 0.5], "hour": 12.0, "player": [[1.0, 0.0], 500.0],
        "threat": [[0.0, 1.0], 10000.0], "home": [[1.0, 0.0], 300.0], "work": [[0.0, 1.0], 200.0],
        "trust": 0.0, "current": "Idle", "health": 1.0, "scheduled": null});
    let (st, d) = c
        .post(
            "/v1/decisions",
            &json!({"schema": "npc-minds.observation.v1", "observations": [obs, obs]}),
        )
        .unwrap();
    assert_eq!(st, 200, "{d}");
    assert_eq!(d["data"].as_array().unwrap().len(), 2);
    assert!(d["data"][0]["action"].is_string());
    let (st, _) = c
        .post(
            "/v1/decisions",
            &json!({"schema": "npc-minds.observation.v9", "observations": [obs]}),
        )
        .unwrap();
    assert_eq!(st, 400);

    // A client that goes away cancels its reply: the batcher is idle again right after.
    let long = json!({"model": "smollm2-135m-instruct", "max_tokens": 200, "ignore_eos": true,
                      "messages": [{"role": "user", "content": "Tell a long story."}]});
    let mut seen = 0;
    c.chat_stream(&long, &mut |_| {
        seen += 1;
        seen < 3
    })
    .unwrap();
    let gone = Instant::now();
    let running = |c: &Client| {
        let (_, m) = c.get("/metrics").unwrap();
        m.lines()
            .find(|l| l.starts_with("npc_minds_queue_depth{queue=\"chat_running\"}"))
            .and_then(|l| l.split_whitespace().last()?.parse::<f64>().ok())
            .unwrap()
    };
    while running(&c) > 0.0 {
        assert!(
            gone.elapsed() < Duration::from_secs(2),
            "a reply kept decoding after its client left"
        );
        std::thread::sleep(Duration::from_millis(20));
    }

    // The game's remote lanes: a villager the server knows answers with its record; one it does
    // not know gets a prompt built by the client; emotions come from /v1/emotions.
    let remote = RemoteDialogue::connect(&RemoteOptions {
        url: s.base.clone(),
        model: None,
        key: Some(KEY.into()),
        timeout: Duration::from_secs(120),
    })
    .unwrap();
    assert!(remote.emotions);
    let cast = common::dialogue::cast();
    let greta = cast.iter().find(|c| c.name == "Greta").unwrap();
    let mut req = common::dialogue::request(greta, 0.2, "Good morning, what do you bake?", 5);
    let mut sink = Collect::default();
    let (text, record) = remote.respond(&req, &mut sink).unwrap();
    assert!(
        !text.is_empty() && sink.text.trim() == text,
        "{text:?} / {:?}",
        sink.text
    );
    assert!(record.is_some(), "our server sends the villager's record");
    req.speaker = "Zed the stranger".into();
    let mut sink = Collect::default();
    let (text, record) = remote.respond(&req, &mut sink).unwrap();
    assert!(!text.is_empty() && record.is_none(), "{text:?}");
    let felt = remote
        .emotions(&["Thank you so much, this is wonderful!"])
        .unwrap();
    assert!(matches!(felt[0], JobOutput::Emotion { .. }), "{felt:?}");

    // Metrics count requests by route and status.
    let (_, m) = c.get("/metrics").unwrap();
    assert!(
        m.contains("npc_minds_requests_total{route=\"/v1/chat/completions\",status=\"200\"}"),
        "{m}"
    );
    assert!(m.contains("status=\"401\""), "{m}");
    assert!(m.contains("npc_minds_request_seconds_bucket"), "{m}");
}

/// The gauge `name` in a `/metrics` text.
fn gauge(metrics: &str, name: &str) -> f64 {
    metrics
        .lines()
        .find_map(|l| l.strip_prefix(name)?.trim().parse().ok())
        .unwrap_or_else(|| panic!("no {name} in {metrics}"))
}

/// Villagers are understood and planned by the dialogue lane's workers, and their replies decoded
/// by the batcher in the same steps as other conversations (the service holds one copy of the
/// language model): villagers asked while a long open chat streams join its steps (the batcher's
/// peak in `/metrics`); three asked at once all answer, grounded (a plan in each record); a streamed
/// villager's reply comes in pieces.
#[test]
fn villagers_reply_on_the_batcher_beside_other_conversations() {
    if !have_models() {
        return;
    }
    let served = serve(&[]);
    let c = Client::new(&served.base, Some(KEY.into()), Duration::from_secs(120));
    let (_, m) = c.get("/metrics").unwrap();
    assert_eq!(gauge(&m, "npc_minds_batch_peak_conversations"), 0.0);
    let asks = [
        ("Greta", "Good morning! What do you bake?"),
        ("Bram", "Hello there. How is the smithy today?"),
        ("Hilda", "What happened to the bell?"),
    ];
    let (started_tx, started_rx) = std::sync::mpsc::channel();
    let replies: Vec<(u16, Value)> = std::thread::scope(|s| {
        // A long open chat, so that the villagers surely arrive while it decodes.
        let chat = s.spawn(|| {
            let mut first = Some(started_tx);
            c.chat_stream(
                &json!({"model": "smollm2-135m-instruct", "temperature": 0, "max_tokens": 400,
                        "ignore_eos": true,
                        "messages": [{"role": "user", "content": "Tell me a long story."}]}),
                &mut |_| {
                    if let Some(tx) = first.take() {
                        let _ = tx.send(());
                    }
                    true
                },
            )
            .unwrap()
        });
        started_rx
            .recv_timeout(Duration::from_secs(120))
            .expect("the open chat streams");
        let handles: Vec<_> = asks
            .iter()
            .map(|(npc, line)| {
                let c = &c;
                s.spawn(move || {
                    c.post(
                        "/v1/chat/completions",
                        &json!({"model": format!("npc:{npc}"), "npc_minds": {"trust": 0.5},
                                "messages": [{"role": "user", "content": line}]}),
                    )
                    .unwrap()
                })
            })
            .collect();
        let replies = handles.into_iter().map(|h| h.join().unwrap()).collect();
        assert!(chat.join().unwrap().done, "the open chat ended well");
        replies
    });
    for ((npc, _), (st, r)) in asks.iter().zip(&replies) {
        assert_eq!(*st, 200, "{npc}: {r}");
        let text = r["choices"][0]["message"]["content"].as_str().unwrap();
        assert!(!text.trim().is_empty(), "{npc} said nothing: {r}");
        assert!(r["npc_minds"]["record"]["plan"].is_object(), "{npc}: {r}");
        assert!(
            r["usage"]["completion_tokens"].as_u64().unwrap() > 0,
            "{npc}: {r}"
        );
    }
    let (_, m) = c.get("/metrics").unwrap();
    let peak = gauge(&m, "npc_minds_batch_peak_conversations");
    assert!(
        peak >= 2.0,
        "no villager was decoded beside the open chat (peak {peak})"
    );
    // A streamed villager's reply arrives in pieces and ends with [DONE].
    let mut pieces = 0;
    let end = c
        .chat_stream(
            &json!({"model": "npc:Greta",
                    "messages": [{"role": "user", "content": "Do you have rye bread?"}]}),
            &mut |v| {
                if v["choices"][0]["delta"]["content"].is_string() {
                    pieces += 1;
                }
                true
            },
        )
        .unwrap();
    assert!(
        pieces >= 1 && end.done && end.error.is_none(),
        "{pieces} pieces, {end:?}"
    );
}

/// `sim --remote`: the sim's visitor talks to villagers through the server, over a real socket, at
/// the clock's pace; a wrong key turns every reply into a fallback line, counted.
#[test]
fn the_sim_talks_to_villagers_through_serve() {
    if !have_models() {
        return;
    }
    let s = serve(&[]);
    let sim = |key: &str, seconds: &str| -> Value {
        let out = Command::new(env!("CARGO_BIN_EXE_npc-minds"))
            .args([
                "sim",
                "--npcs",
                "8",
                "--seconds",
                seconds,
                "--report",
                "json",
            ])
            .args(["--remote", &s.base, "--api-key-env", "NPC_SIM_TEST_KEY"])
            .args(["--remote-timeout-secs", "30"])
            .env("NPC_SIM_TEST_KEY", key)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{stderr}");
        assert!(!stderr.contains(KEY), "the key was logged");
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let started = Instant::now();
    let r = sim(KEY, "15");
    assert!(
        started.elapsed() >= Duration::from_secs(14),
        "the sim keeps the clock's pace with --remote"
    );
    let t = &r["talk"];
    let n = |k: &str| t[k].as_u64().unwrap();
    assert_eq!(t["models"], s.base.as_str());
    assert!(n("lines") >= 3, "{t}");
    assert!(n("replies") >= 2, "{t}");
    assert_eq!(n("fallbacks"), 0, "{t}");
    assert_eq!(
        n("replies") + n("superseded") + n("in_flight"),
        n("lines") + n("gifts"),
        "{t}"
    );
    // What the villagers felt came from the server's emotion model.
    assert!(r["lanes"]["emotion"]["done"].as_u64().unwrap() >= 2, "{r}");
    assert_eq!(r["lanes"]["emotion"]["failed"], 0, "{r}");

    let r = sim("not-the-key", "8");
    let t = &r["talk"];
    assert!(t["lines"].as_u64().unwrap() >= 1, "{t}");
    assert_eq!(t["replies"], 0, "{t}");
    assert_eq!(
        t["fallbacks"],
        t["lines"].as_u64().unwrap() + t["gifts"].as_u64().unwrap()
            - t["in_flight"].as_u64().unwrap(),
        "{t}"
    );
}

/// The real Python `openai` client (see `scripts/openai_client_check.py`).
#[test]
fn the_python_openai_client_works_against_serve() {
    if !have_models() {
        return;
    }
    let Some(python) = std::env::var_os("NPC_MINDS_OPENAI_PYTHON") else {
        let fix = "run scripts/test.sh, which installs it into target/openai-venv";
        if let Some(why) = common::models_required() {
            panic!("NPC_MINDS_OPENAI_PYTHON is not set; it is required here ({why}): {fix}");
        }
        eprintln!("SKIPPED: NPC_MINDS_OPENAI_PYTHON is not set; {fix}");
        return;
    };
    let s = serve(&[
        "--max-batch",
        "2",
        "--max-queue",
        "2",
        "--max-tokens",
        "200",
    ]);
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/scripts/openai_client_check.py"
    );
    let out = Command::new(python)
        .args([script, &s.base, KEY])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    eprintln!("{stdout}{}", String::from_utf8_lossy(&out.stderr));
    assert!(
        out.status.success(),
        "the openai client checks failed:\n{stdout}"
    );
    assert!(stdout.contains("all openai client checks passed"));
}
