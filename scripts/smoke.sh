#!/usr/bin/env bash
# End-to-end smoke of the compiled binary, from a temporary directory outside the repo:
# demo data -> verify, replay --json, timeline --json, export -> import into a fresh
# database -> the same events and timelines; plus the documented exit codes.
#
#   bash scripts/smoke.sh dist/forge-eventlog
#
# Builds nothing: .ci/run compiles first (bun run compile). Needs bun only for the demo session.
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

# The demo session (the README's main job) through the plugin: JSONL, SQLite and fmail in
# ./session; the binary then runs from there, so ./.forge/events.db is its default --db.
step "demo data (bun run demo)"
"$BUN" "$REPO/scripts/demo.ts" "$WORK/session" >demo.txt
cd "$WORK/session"
[ -s .forge/events.db ] || fail "the demo wrote no database: $(cat ../demo.txt)"
fe replay --json >replay.jsonl || fail "replay --json failed"
EVENTS=$(wc -l <replay.jsonl)
[ "$EVENTS" -gt 50 ] || fail "the demo wrote only $EVENTS events"
echo "$EVENTS events in .forge/events.db"
expect 0 cursors set smoke $((EVENTS - 5))

step "verify (default --db ./.forge/events.db)"
expect 0 verify
grep -q "^ok: $EVENTS events" out.txt || fail "verify said: $(cat out.txt)"

step "replay --json"
expect 0 replay --issue 167 --json
# Issue 167 has 13 events; its PR merged once, so it has one pr.merged.
[ "$(wc -l <out.txt)" -eq 13 ] || fail "replay --issue 167 printed $(wc -l <out.txt) events, expected 13"
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

step "timeline --json"
expect 0 timeline --json
[ "$(wc -l <out.txt)" -eq 8 ] || fail "timeline --json printed $(wc -l <out.txt) lines, expected 7 tasks and the loop"
tail -1 out.txt | grep -q '^{"loop":{.*"halts":\[{' || fail "timeline --json ends without the loop's halts: $(tail -1 out.txt)"
grep -q '"issue":167,.*"status":"merged"' out.txt || fail "timeline of #167: $(head -1 out.txt)"
cp out.txt timeline.jsonl

step "report, metrics"
expect 0 report -o loop.html
grep -q 'id="issue-167"' loop.html || fail "report lacks issue 167"
if grep -qE '<(script|link|img)[^>]+(src|href)="https?:' loop.html; then fail "report loads something from the network"; fi
expect 0 metrics
grep -q "^forge_eventlog_ticks_total 4$" out.txt || fail "metrics: $(head -5 out.txt)"

step "mirror the demo's legacy JSONL into a fresh database: same timelines; again: nothing new"
expect 0 mirror docs/ops/loop-runner-events.jsonl --db mirrored.db --json
grep -q '"threads":2' out.txt || fail "mirror ran without its worker thread: $(cat out.txt)"
expect 0 timeline --json --db mirrored.db
cmp -s out.txt timeline.jsonl || fail "timelines mirrored from the JSONL differ from the plugin's"
expect 0 mirror docs/ops/loop-runner-events.jsonl --db mirrored.db --json
grep -q '"events_appended":0,' out.txt || fail "re-mirroring appended events: $(cat out.txt)"

step "export, import into a fresh database, compare"
expect 0 export -o export.jsonl
[ "$(wc -l <export.jsonl)" -eq "$EVENTS" ] || fail "export wrote $(wc -l <export.jsonl) lines"
expect 0 import export.jsonl --db restored/copy.db
expect 0 replay --json --db restored/copy.db
cmp -s out.txt replay.jsonl || fail "the imported database replays differently: $(diff out.txt replay.jsonl | head -5)"
expect 0 verify --db restored/copy.db
expect 0 timeline --json --db restored/copy.db
cmp -s out.txt timeline.jsonl || fail "the imported database has different timelines"
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

step "watch and gc on the demo's fmail topic"
expect 0 gc --days 1 --dry-run --topic forge-events
[ "$(wc -l <out.txt)" -ge 10 ] || fail "gc --dry-run listed $(wc -l <out.txt) old messages"
expect 0 watch --timeout 200ms

step "ok: the binary passed the smoke ($EVENTS events)"
