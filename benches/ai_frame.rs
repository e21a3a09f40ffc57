//! Main-thread cost of the AI system sets (Perceive..Act) per frame at 100 / 1,000 / 10,000 NPCs,
//! with a scripted policy backend of fixed latency on its worker thread.

use std::time::Duration;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use npc_minds::config::files::load_cast;
use npc_minds::inference::backends::scripted::ScriptedBackend;
use npc_minds::inference::factory;
use npc_minds::sim::report::SimStats;
use npc_minds::sim::run::{build_app, sim_pool};

fn ai_frame(c: &mut Criterion) {
    let (cast, _) = load_cast("assets/npcs".as_ref(), "no-mods".as_ref());
    let mut group = c.benchmark_group("ai_ms_per_frame");
    group
        .sample_size(30)
        .measurement_time(Duration::from_secs(8));
    for npcs in [100usize, 1_000, 10_000] {
        let backend = ScriptedBackend {
            latency: Duration::from_millis(2),
            ..Default::default()
        };
        let mut app = build_app(
            &cast,
            npcs,
            1,
            0.05,
            sim_pool(factory(move || Ok(backend.clone()))),
        );
        for _ in 0..60 {
            app.update(); // warm up: every NPC has thought once
        }
        group.bench_function(BenchmarkId::from_parameter(npcs), |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    app.update();
                    let ms = *app
                        .world()
                        .resource::<SimStats>()
                        .ai_ms
                        .last()
                        .unwrap_or(&0.0);
                    total += Duration::from_secs_f64(ms / 1000.0);
                }
                total
            })
        });
    }
    group.finish();
}

criterion_group!(benches, ai_frame);
criterion_main!(benches);
