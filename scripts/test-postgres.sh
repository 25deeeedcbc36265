#!/usr/bin/env bash
# a throwaway PostgreSQL cluster for the tests: `start` prints its URL, `stop` removes it.
# usage: scripts/test-postgres.sh start|stop [dir] [port]
set -euo pipefail

cmd=${1:-}
dir=${2:-${TMPDIR:-/tmp}/omni-webhooks-pg}
port=${3:-54329}

if [ "$cmd" != start ] && [ "$cmd" != stop ]; then
  echo "usage: $0 start|stop [dir] [port]" >&2
  exit 2
fi

bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "$bindir" ]; then
  echo "PostgreSQL server binaries not found: apt-get install -y postgresql" >&2
  exit 1
fi

# postgres refuses to run as root
as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

if [ "$cmd" = stop ]; then
  if [ -f "$dir/data/postmaster.pid" ]; then as_owner "$bindir/pg_ctl" -D "$dir/data" -m fast stop >/dev/null; fi
  rm -rf "$dir"
  exit 0
fi

if [ -f "$dir/data/postmaster.pid" ]; then as_owner "$bindir/pg_ctl" -D "$dir/data" -m fast stop >/dev/null || true; fi
rm -rf "$dir"
mkdir -p "$dir"
if [ "$(id -u)" = 0 ]; then chown postgres "$dir"; fi
as_owner "$bindir/initdb" -D "$dir/data" -U postgres --auth=trust --no-sync -E UTF8 >"$dir/initdb.log"
# fsync stays on: the store tests are about durability; the cluster only listens on loopback
as_owner "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
  -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=200" start >/dev/null
echo "postgres://postgres@127.0.0.1:$port/postgres"
