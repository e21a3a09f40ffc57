#!/usr/bin/env bash
# Interop: `npc-minds chat --remote` against a third-party OpenAI-compatible server on loopback that
# knows nothing of villagers (so the client builds each villager's prompt itself), on the same GGUF.
# The server is llama-cpp-python's `llama_cpp.server` (pinned, built from source into a virtualenv
# under target/: 10-20 minutes the first time on 2 cores), or llama.cpp's own `llama-server` when
# LLAMA_SERVER_BIN names one (../shared/tools/llama-server-baseline builds it). Not run by CI: the
# one-time build would not fit its time limit (README, "The model service").
set -euo pipefail
cd "$(dirname "$0")/.."
cargo run --locked --quiet --bin npc-minds -- fetch-models --model dialogue
gguf=models/SmolLM2-135M-Instruct.Q4_1.gguf
port=$((20000 + RANDOM % 20000))
mkdir -p target
if [ -n "${LLAMA_SERVER_BIN:-}" ]; then
  "$LLAMA_SERVER_BIN" -m "$gguf" -t 2 --host 127.0.0.1 --port "$port" >target/interop-server.log 2>&1 &
else
  venv=target/llama-venv
  if ! "$venv/bin/python" -c 'import llama_cpp.server' 2>/dev/null; then
    scripts/deps.sh cmake g++ python3-venv
    python3 -m venv "$venv"
    echo "building llama-cpp-python from source (one time)..." >&2
    CMAKE_ARGS="-DGGML_NATIVE=ON" "$venv/bin/pip" install -q --no-binary llama-cpp-python \
      'llama-cpp-python[server]==0.3.36'
  fi
  "$venv/bin/python" -m llama_cpp.server --model "$gguf" --n_threads 2 --host 127.0.0.1 \
    --port "$port" >target/interop-server.log 2>&1 &
fi
pid=$!
trap 'kill $pid 2>/dev/null' EXIT
for _ in $(seq 120); do
  curl -sf "http://127.0.0.1:$port/v1/models" >/dev/null && break
  sleep 1
done
out=$(printf 'Good morning! What do you sell?\nWhat happened to the bell?\n' |
  cargo run --locked --quiet --bin npc-minds -- chat --npc Greta --trust 0.5 \
    --remote "http://127.0.0.1:$port")
echo "$out"
replies=$(grep -c '^Greta: .\+' <<<"$out" || true)
if [ "$replies" -ne 2 ]; then
  echo "interop: expected two replies from Greta, got $replies (server log: target/interop-server.log)" >&2
  exit 1
fi
echo "interop: ok"
