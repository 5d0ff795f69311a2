#!/usr/bin/env bash
# End-to-end smoke of the compiled binary, from a temporary directory outside the repo:
# demo data -> verify, replay --json, timeline --json, export -> import into a fresh
# database -> the same events and timelines; plus the documented exit codes.
#
#   bash scripts/smoke.sh dist/forge-eventlog
#
# Builds nothing: .ci/run compiles first (bun run compile). Needs bun only for the demo data.
set -euo pipefail

[ $# -eq 1 ] || { echo "usage: bash scripts/smoke.sh <path to forge-eventlog binary>" >&2; exit 2; }
[ -f "$1" ] && [ -x "$1" ] || { echo "smoke: $1 is not an executable file; build it with 'bun run compile'" >&2; exit 2; }
BIN=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUN=${BUN:-$REPO/node_modules/.bin/bun}

WORK=$(mktemp -d "${TMPDIR:-/tmp}/forge-eventlog-smoke.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"

step() { printf '== %s\n' "$*"; }
fail() { printf 'smoke: FAIL: %s\n' "$*" >&2; exit 1; }

# The binary as an operator runs it on another host: no bun on PATH, no repo, no colour.
fe() { env -i PATH=/usr/bin:/bin HOME="$WORK" NO_COLOR=1 "$BIN" "$@"; }

# expect <code> <args...>: runs the binary, output in out.txt / err.txt, checks the exit code.
expect() {
  local want=$1 got=0
  shift
  fe "$@" >out.txt 2>err.txt || got=$?
  [ "$got" = "$want" ] || fail "forge-eventlog $* exited $got, expected $want: $(cat err.txt)"
}

# Demo data through the store API into ./.forge/events.db (the default path), until
# 'bun run demo' exists to replace this function.
make_demo_data() {
  cat >demo.ts <<TS
import { EventStore } from "$REPO/src/store/index.ts";
const store = await EventStore.open(".forge/events.db");
let second = 0;
const at = () => new Date(Date.UTC(2026, 5, 2, 12, 0, second++)).toISOString();
for (let tick = 1; tick <= 3; tick++) {
  const saga = { sagaId: \`tick:\${tick}\` };
  store.append("tick.started", { tick }, { ...saga, occurredAt: at() });
  for (const issue of [10 * tick + 1, 10 * tick + 2]) {
    const ids = { ...saga, taskId: \`issue:\${issue}\` };
    const planned = store.append("task.planned", { issue, title: \`Issue \${issue}\` }, { ...ids, occurredAt: at() });
    const cause = { causalEventId: planned.event.event_id, causalSequence: planned.event.sequence };
    store.append("task.dispatched", { issue, worker: \`w\${tick}\` }, { ...ids, ...cause, occurredAt: at() });
    store.append("task.heartbeat", { issue, pct: 50 }, { ...ids, occurredAt: at() });
    if (issue % 2) {
      store.append("pr.opened", { issue, pr: issue * 10 }, { ...ids, occurredAt: at() });
      store.append("pr.merged", { issue, pr: issue * 10 }, { ...ids, occurredAt: at() });
      store.append("task.completed", { issue, pr: issue * 10 }, { ...ids, occurredAt: at(), idempotencyKey: \`done:\${issue}\` });
    } else {
      store.append("task.failed", { issue, reason: "tests failed: é ✓" }, { ...ids, ...cause, occurredAt: at() });
    }
  }
  store.append("tick.completed", { tick }, { ...saga, occurredAt: at() });
}
store.setCursor("smoke", store.latestSequence() - 5);
console.log(store.latestSequence());
store.close();
TS
  "$BUN" demo.ts >demo-count.txt
}

step "demo data"
make_demo_data
EVENTS=$(cat demo-count.txt)
[ "$EVENTS" -gt 0 ] || fail "the demo wrote no events"
echo "$EVENTS events in .forge/events.db"

step "verify (default --db ./.forge/events.db)"
expect 0 verify
grep -q "^ok: $EVENTS events" out.txt || fail "verify said: $(cat out.txt)"

step "replay --json"
expect 0 replay --json
cp out.txt replay.jsonl
[ "$(wc -l <replay.jsonl)" -eq "$EVENTS" ] || fail "replay --json printed $(wc -l <replay.jsonl) lines"
expect 0 replay --issue 11 --json
[ "$(wc -l <out.txt)" -eq 6 ] || fail "replay --issue 11 printed $(wc -l <out.txt) events, expected 6"
expect 0 replay --tick 2
grep -q "task.planned" out.txt || fail "replay table lacks events"

step "stats, cursors, tail"
expect 0 stats --json
grep -q "\"events\":$EVENTS," out.txt || fail "stats: $(cat out.txt)"
expect 0 cursors --json
grep -q '"name":"smoke"' out.txt || fail "cursors: $(cat out.txt)"
expect 0 tail --from 1 --count 3 --json
[ "$(wc -l <out.txt)" -eq 3 ] || fail "tail --count 3 printed $(wc -l <out.txt) lines"
expect 0 tail --timeout 300ms

HAS_TIMELINE=0
if fe timeline --help >/dev/null 2>&1; then HAS_TIMELINE=1; fi
if [ "$HAS_TIMELINE" = 1 ]; then
  step "timeline --json"
  expect 0 timeline --json
  [ -s out.txt ] || fail "timeline --json printed nothing"
  cp out.txt timeline.jsonl
else
  step "timeline: not in this binary yet, skipped"
fi

step "export, import into a fresh database, compare"
expect 0 export -o export.jsonl
[ "$(wc -l <export.jsonl)" -eq "$EVENTS" ] || fail "export wrote $(wc -l <export.jsonl) lines"
expect 0 import export.jsonl --db restored/copy.db
expect 0 replay --json --db restored/copy.db
cmp -s out.txt replay.jsonl || fail "the imported database replays differently: $(diff out.txt replay.jsonl | head -5)"
expect 0 verify --db restored/copy.db
if [ "$HAS_TIMELINE" = 1 ]; then
  expect 0 timeline --json --db restored/copy.db
  cmp -s out.txt timeline.jsonl || fail "the imported database has different timelines"
fi
expect 0 import export.jsonl --db restored/copy.db --json
grep -q '"imported":0,' out.txt || fail "re-import added events: $(cat out.txt)"

step "exit codes"
expect 1 replay --db missing.db
[ ! -e missing.db ] || fail "reading a missing database created it"
echo "this is not a database" >notes.txt
expect 2 verify --db notes.txt
expect 2 no-such-command
expect 2 replay --from not-a-number
expect 0 --help
grep -q "EXIT CODES" out.txt || fail "--help lacks the exit codes"

step "ok: the binary passed the smoke ($EVENTS events)"
