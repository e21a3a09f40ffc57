"""The real Python `openai` client against a running `npc-minds serve` (run by tests/suite/serve.rs).

Usage: python openai_client_check.py BASE_URL API_KEY
Checks chat, streamed chat, a villager, embeddings, and that a bad key, a malformed body, an
oversized body and a full queue come back as the client's own error types (401, 400, 413, 429).
Prints one line per check; exits non-zero on the first failure.
"""

import base64
import concurrent.futures as cf
import struct
import sys

import json
import urllib.request

import openai

base, key = sys.argv[1], sys.argv[2]
client = openai.OpenAI(base_url=base + "/v1", api_key=key, max_retries=0, timeout=300)


def check(name, ok, detail=""):
    print(("ok   " if ok else "FAIL ") + name + (f": {detail}" if detail else ""), flush=True)
    if not ok:
        sys.exit(1)


models = [m.id for m in client.models.list()]
check("models list the chat model and villagers", "smollm2-135m-instruct" in models and "npc:Greta" in models, str(models[:6]))

r = client.chat.completions.create(
    model="smollm2-135m-instruct",
    messages=[{"role": "user", "content": "Name one thing a baker makes."}],
    max_tokens=24, temperature=0, seed=3)
text = r.choices[0].message.content
check("chat answers with text and usage", bool(text and text.strip()) and r.usage.completion_tokens > 0
      and r.usage.total_tokens == r.usage.prompt_tokens + r.usage.completion_tokens, repr(text))

pieces, finish, saw_role = [], None, False
for chunk in client.chat.completions.create(
        model="smollm2-135m-instruct", stream=True, max_tokens=24, temperature=0, seed=3,
        messages=[{"role": "user", "content": "Name one thing a baker makes."}]):
    for c in chunk.choices:
        saw_role |= c.delta.role == "assistant"
        pieces.append(c.delta.content or "")
        finish = c.finish_reason or finish
streamed = "".join(pieces)
check("streamed chat gives the same text as the whole answer", streamed == text and saw_role and finish in ("stop", "length"),
      repr(streamed))

r = client.chat.completions.create(
    model="npc:Greta", messages=[{"role": "user", "content": "Good morning! What do you sell?"}],
    extra_body={"npc_minds": {"trust": 0.5}})
record = (r.model_extra or {}).get("npc_minds", {}).get("record")
check("a villager answers in character with its plan", bool(r.choices[0].message.content.strip()) and record is not None,
      repr(r.choices[0].message.content))

e = client.embeddings.create(model="all-minilm-l6-v2", input=["fresh bread", "a warm loaf", "a wolf in the forest"])
v = [d.embedding for d in e.data]
dot = lambda a, b: sum(x * y for x, y in zip(a, b))
check("embeddings: unit vectors, similar texts closer", len(v) == 3 and len(v[0]) == 384 and abs(dot(v[0], v[0]) - 1) < 1e-3
      and dot(v[0], v[1]) > dot(v[0], v[2]), f"{dot(v[0], v[1]):.3f} vs {dot(v[0], v[2]):.3f}")
req = urllib.request.Request(
    base + "/v1/embeddings", headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
    data=json.dumps({"model": "all-minilm-l6-v2", "input": "fresh bread", "encoding_format": "base64"}).encode())
raw = json.load(urllib.request.urlopen(req, timeout=60))
floats = struct.unpack("<384f", base64.b64decode(raw["data"][0]["embedding"]))
check("embeddings as base64 hold the same floats", max(abs(a - b) for a, b in zip(floats, v[0])) < 1e-6)

bad = openai.OpenAI(base_url=base + "/v1", api_key="wrong-key", max_retries=0)
try:
    bad.models.list()
    check("a bad key is refused", False)
except openai.AuthenticationError as err:
    check("a bad key is refused (401)", err.status_code == 401 and err.body.get("code") == "invalid_api_key")

try:
    client.chat.completions.create(model="smollm2-135m-instruct", messages="not a list")
    check("a malformed body is refused", False)
except openai.BadRequestError as err:
    check("a malformed body is refused (400)", err.status_code == 400, err.body.get("message", "")[:80])

try:
    client.chat.completions.create(model="smollm2-135m-instruct",
                                   messages=[{"role": "user", "content": "x" * (1_200_000)}])
    check("an oversized body is refused", False)
except openai.APIStatusError as err:
    check("an oversized body is refused (413)", err.status_code == 413)


def long_reply(i):
    try:
        client.chat.completions.create(
            model="smollm2-135m-instruct", max_tokens=160, temperature=0.7, seed=i,
            messages=[{"role": "user", "content": f"Tell a long story about a mill, part {i}."}],
            extra_body={"ignore_eos": True})
        return 200
    except openai.RateLimitError as err:
        return err.status_code if err.response.headers.get("retry-after") else -1


with cf.ThreadPoolExecutor(8) as ex:
    codes = list(ex.map(long_reply, range(8)))
check("a full queue answers 429 with Retry-After", 429 in codes and 200 in codes and -1 not in codes, str(codes))
print("all openai client checks passed")
