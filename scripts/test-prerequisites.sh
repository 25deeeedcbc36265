#!/usr/bin/env bash
# the system packages `pnpm test` needs: installed here when missing and this is root with apt, else the
# run stops now with one message naming them and the command that installs them (a test must never
# pass, or be skipped, because what it tests against is missing)
set -euo pipefail

missing=()
# the fleet tests start a throwaway cluster (scripts/test-postgres.sh) unless given a server
if [ -z "${OMNI_TEST_POSTGRES_URL:-}" ] && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  missing+=("postgresql:PostgreSQL's server binaries (initdb, pg_ctl)")
fi
# the web console's tests drive a real browser
if [ ! -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ]; then
  missing+=("chromium:Chromium (${CHROMIUM_PATH:-/usr/bin/chromium})")
fi
# the sender's private-CA test makes its certificates with openssl
if ! command -v openssl >/dev/null 2>&1; then
  missing+=("openssl:OpenSSL (the openssl command)")
fi
# the JSON Schema files are checked with another language's validator too
# the interpreter the python check runs: debian's packages install for the system one, and a python3
# earlier on PATH (pyenv) may lack them
python=python3
[ -x /usr/bin/python3 ] && python=/usr/bin/python3
if ! "$python" -c 'import jsonschema' >/dev/null 2>&1; then
  missing+=("python3-jsonschema:Python 3 with jsonschema")
fi
# jsonschema checks the uri format only with rfc3987 (a recommends that a minimal install leaves out)
if ! "$python" -c 'import rfc3987' >/dev/null 2>&1; then
  missing+=("python3-rfc3987:Python 3 with rfc3987")
fi
# the schema package's Go kit is tested with go test
if ! command -v go >/dev/null 2>&1; then
  missing+=("golang-go:Go (go)")
fi
# its Python kit with the python3 on PATH, which needs pydantic 2: apt cannot provide it (Debian's
# python3-pydantic is version 1), so a missing one stops the run with what to do
if ! python3 -c 'import sys, pydantic; sys.exit(0 if pydantic.VERSION.split(".")[0] == "2" else 1)' >/dev/null 2>&1; then
  found=$(python3 -c 'import pydantic; print("pydantic " + pydantic.VERSION)' 2>/dev/null || echo "no pydantic")
  echo "pnpm test needs a python3 on PATH with pydantic 2 for the Python kit ($(command -v python3 || echo 'no python3'): $found)." >&2
  echo "Debian's python3-pydantic is version 1; put first on PATH a python3 that has pydantic 2, e.g. python3 -m venv ~/.venvs/omni && ~/.venvs/omni/bin/pip install 'pydantic>=2.6,<3', then run pnpm test again." >&2
  exit 1
fi
[ ${#missing[@]} -eq 0 ] && exit 0

packages=()
names=()
for entry in "${missing[@]}"; do
  packages+=("${entry%%:*}")
  names+=("${entry#*:}")
done
what=$(IFS=','; echo "${names[*]}" | sed 's/,/, /g')

if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "pnpm test: installing what the tests need: $what (apt-get install ${packages[*]})" >&2
  if apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${packages[@]}" >/dev/null; then
    exit 0
  fi
  echo "pnpm test: apt-get could not install ${packages[*]}; install them and run pnpm test again" >&2
  exit 1
fi

echo "pnpm test needs $what, missing here. Install with: sudo apt-get install -y ${packages[*]}" >&2
exit 1
