#!/usr/bin/env bash
# Opt-in soak of `mirror --follow` (not in CI): N times, start it and kill -9 it at a random
# moment while scripts/soak-writer.ts appends records and applies truncation, rename rotation
# and copytruncate rotation. Then one last run catches up, and scripts/soak-report.ts prints
# real losses (records still on disk that never reached the database) apart from the records
# retention removed before anyone could read them.
#   scripts/soak.sh [N=100] [work-dir]      (a run of N=100 takes about 2-3 minutes)
set -euo pipefail
N=${1:-100}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUN=${BUN:-$(command -v bun || echo "$ROOT/node_modules/.bin/bun")}
DIR=${2:-$(mktemp -d /tmp/forge-soak.XXXXXX)}
mkdir -p "$DIR"
FILE=$DIR/events.jsonl
DB=$DIR/events.db
LOG=$DIR/writer.log
STOP=$DIR/stop
rm -f "$STOP" "$DB" "$DB-wal" "$DB-shm" "$FILE".*
echo "soak: $N kill -9 cycles in $DIR" >&2

"$BUN" "$ROOT/scripts/soak-writer.ts" "$FILE" "$LOG" "$STOP" >"$DIR/writer.json" &
WRITER=$!
# Wait for the writer's first record.
while [ ! -s "$FILE" ]; do sleep 0.05; done

for i in $(seq 1 "$N"); do
  "$BUN" "$ROOT/src/cli/mirror.ts" "$FILE" --db "$DB" --follow --quiet 2>>"$DIR/mirror.err" &
  MIRROR=$!
  # A random moment: during start-up, a backfill, a commit or a wait.
  sleep "0.$(( RANDOM % 9 + 1 ))$(( RANDOM % 10 ))"
  kill -9 "$MIRROR" 2>/dev/null || true
  wait "$MIRROR" 2>/dev/null || true
  if [ $(( i % 10 )) -eq 0 ]; then echo "soak: $i/$N" >&2; fi
done

touch "$STOP"
wait "$WRITER"
echo "writer: $(cat "$DIR/writer.json")"
"$BUN" "$ROOT/src/cli/mirror.ts" "$FILE" --db "$DB" --json --quiet >"$DIR/last-run.json"
echo "last run: $(cat "$DIR/last-run.json")"
if [ -s "$DIR/mirror.err" ]; then
  echo "mirror stderr (non-empty!):"
  head -20 "$DIR/mirror.err"
fi
"$BUN" "$ROOT/scripts/soak-report.ts" "$DB" "$LOG" "$FILE"
