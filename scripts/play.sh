#!/usr/bin/env bash
# Plays the game: installs system packages if missing, builds, fetches the models on first use,
# opens the village window. Extra arguments go to `npc-minds play` (see `npc-minds play --help`).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
exec cargo run --locked --bin npc-minds -- play "$@"
