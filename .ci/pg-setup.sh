#!/usr/bin/env bash
# PostgreSQL for tests/pg: the server at FORGE_EVENTLOG_PG_URL (default
# postgres://root@127.0.0.1:5432/test) must answer; an installed but stopped cluster is started.
# The server trusts local logins, so one role, forge_eventlog_pw, is made to need its password
# (a scram-sha-256 line for it alone in pg_hba.conf): the wrong-password test logs in as it.
set -euo pipefail
PG_URL="${FORGE_EVENTLOG_PG_URL:-postgres://root@127.0.0.1:5432/test}"
if ! pg_isready -q -d "$PG_URL" 2>/dev/null; then
  if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
  fi
  if ! pg_isready -q -t 10 -d "$PG_URL" 2>/dev/null; then
    echo "no PostgreSQL answers at $PG_URL: install postgresql and start it (pg_ctlcluster <version> main start), or set FORGE_EVENTLOG_PG_URL" >&2
    exit 1
  fi
fi
psql -q -X -d "$PG_URL" -v ON_ERROR_STOP=1 <<'SQL'
DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'forge_eventlog_pw') THEN
    CREATE ROLE forge_eventlog_pw LOGIN PASSWORD 'forge-eventlog-right';
  END IF;
END $$;
SQL
HBA="$(psql -X -At -d "$PG_URL" -c 'SHOW hba_file')"
LINE="host all forge_eventlog_pw 127.0.0.1/32 scram-sha-256"
if [ -w "$HBA" ] && ! grep -qxF "$LINE" "$HBA"; then
  { echo "$LINE"; cat "$HBA"; } > "$HBA.new" && cat "$HBA.new" > "$HBA" && rm -f "$HBA.new"
  psql -q -X -d "$PG_URL" -c 'SELECT pg_reload_conf()' >/dev/null
fi
