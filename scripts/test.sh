#!/usr/bin/env bash
# Runs the whole test suite: installs system packages if missing, builds once, runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
cargo test --locked --all-targets "$@"
