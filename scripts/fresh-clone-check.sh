#!/usr/bin/env bash
# runs the README's quick start as a new user would: a clone of this repository's HEAD in a temporary
# folder, a new HOME (so an empty pnpm store and npm cache, and global npm installs in a folder of its
# own, not the machine's), no npm_config_* variables, and the README's two commands as written. prints
# how long each took. `pnpm start` never ends: it is stopped once it says every event was stored.
# usage: scripts/fresh-clone-check.sh [--keep]   (--keep leaves the temporary folder)
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
keep=false
[ "${1:-}" = --keep ] && keep=true
work=$(mktemp -d "${TMPDIR:-/tmp}/omni-fresh-clone.XXXXXX")
cleanup() {
  local status=$?
  if [ -n "${start_pid:-}" ]; then kill -INT -- "-$start_pid" 2>/dev/null || true; fi
  # a failed run keeps its logs
  if $keep || [ $status -ne 0 ]; then echo "left in $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

# the quick start's sh block: its first two lines
mapfile -t commands < <(awk '/^## Quick start/ { q = 1 } q && /^```sh/ { b = 1; next } b && /^```/ { exit } b' "$repo/README.md")
if [ ${#commands[@]} -ne 2 ]; then
  echo "expected two commands in the README's quick start, found ${#commands[@]}" >&2
  exit 1
fi

git clone --quiet "$repo" "$work/omni-webhooks"
mkdir -p "$work/home" "$work/npm-global"
# a fresh machine's global installs: a prefix of its own, first on PATH; the machine's own npm config
# (its certificate authorities, say) is found through the prefix, so it is named as it was
printf 'prefix=%s\nglobalconfig=%s\n' "$work/npm-global" "$(npm config get globalconfig)" >"$work/home/.npmrc"
# free ports if the defaults are taken on this machine
free_port() { node -e "const s = require('node:net').createServer().listen($1, '127.0.0.1', () => { console.log(s.address().port); s.close(); }).on('error', () => { const t = require('node:net').createServer().listen(0, '127.0.0.1', () => { console.log(t.address().port); t.close(); }); })"; }
receiver_port=$(free_port 3000)
sender_port=$(free_port 4000)

clean_env=(env -i "HOME=$work/home" "PATH=$work/npm-global/bin:$PATH" "LANG=${LANG:-C.UTF-8}" "TERM=dumb"
  "RECEIVER_PORT=$receiver_port" "SENDER_PORT=$sender_port")
# shellcheck disable=SC2206 # the README's commands split on ' && ', run in order like && would
IFS=$'\n' read -r -d '' -a first < <(printf '%s' "${commands[0]}" | sed 's/ && /\n/g'; printf '\0')

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f s", b - a }'; }
echo "clone of $(git -C "$repo" rev-parse --short HEAD) in $work/omni-webhooks; HOME=$work/home; node $(node --version)"
echo "ports: receiver $receiver_port, sender $sender_port"
cd "$work/omni-webhooks"

for command in "${first[@]}"; do
  if [ "$command" = "pnpm start" ]; then break; fi
  echo "\$ $command"
  t=$(now)
  "${clean_env[@]}" bash -c "$command" >"$work/step.log" 2>&1 || {
    tail -n 30 "$work/step.log"
    echo "FAILED: $command after $(elapsed "$t")"
    exit 1
  }
  tail -n 3 "$work/step.log"
  echo "ok: $command in $(elapsed "$t")"
done
echo "pnpm: $("${clean_env[@]}" bash -c 'command -v pnpm'); store: $("${clean_env[@]}" pnpm store path)"
echo "compiled addons: $(find node_modules/.pnpm -name '*.node' -path '*/build/*' | wc -l) (a native build leaves build/*.node)"

echo "\$ pnpm start"
t=$(now)
# its own process group, so stopping it stops the services it started too
set -m
"${clean_env[@]}" bash -c "pnpm start" >"$work/start.log" 2>&1 &
start_pid=$!
set +m
deadline=$((SECONDS + 300))
until grep -qE 'delivered and [0-9]+ stored\.|not every event was delivered' "$work/start.log"; do
  if ! kill -0 "$start_pid" 2>/dev/null || [ $SECONDS -ge $deadline ]; then
    tail -n 30 "$work/start.log"
    echo "FAILED: pnpm start ended or took over 300 s without storing the events"
    exit 1
  fi
  sleep 0.5
done
grep -E '\[receiver\].*event stored' "$work/start.log" | sed 's/^/  /' || true
summary=$(grep -E 'delivered and [0-9]+ stored\.|not every event was delivered' "$work/start.log")
kill -INT -- "-$start_pid" 2>/dev/null || true
wait "$start_pid" 2>/dev/null || true
start_pid=
echo "$summary"
case "$summary" in
  *"not every"*) echo "FAILED: pnpm start did not deliver and store every event"; exit 1 ;;
esac
echo "ok: pnpm start stored one event of every type in $(elapsed "$t")"

echo "\$ ${commands[1]}"
t=$(now)
set +e
"${clean_env[@]}" bash -c "${commands[1]}" >"$work/test.log" 2>&1
status=$?
set -e
plain() { sed 's/\x1b\[[0-9;]*m//g' "$work/test.log"; }
plain | grep -E ' (Tests|Test Files)  |Tasks:|engines:|pnpm test' | sed 's/^/  /' || true
if [ $status -ne 0 ]; then
  plain | grep -E 'FAIL|×|ERR_' | head -n 20 || true
  plain | tail -n 20
  echo "FAILED: ${commands[1]} (exit $status) after $(elapsed "$t")"
  exit 1
fi
echo "ok: ${commands[1]} in $(elapsed "$t")"
