# Sourced by scripts/run and scripts/test: installs what SafeCampus needs, from lock files.
#   $1 = "base" (run the product) or "dev" (also the test tools)
# Python packages come from requirements/*.lock (pinned, hashed); front-end packages from
# package-lock.json. Nothing is fetched at run time.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
lock="requirements/${1:-base}.lock"

need_apt=()
command -v msgfmt >/dev/null || need_apt+=(gettext)
command -v npm >/dev/null || need_apt+=(nodejs npm)
if [ "${#need_apt[@]}" -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "==> apt-get install ${need_apt[*]}"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
  else
    echo "Please install: ${need_apt[*]} (Debian packages)" >&2
    exit 1
  fi
fi

PY="${PYTHON:-}"
if [ -z "$PY" ]; then
  for candidate in python3.11 python3; do
    if command -v "$candidate" >/dev/null &&
      "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
      PY="$candidate"; break
    fi
  done
fi
[ -n "$PY" ] || { echo "SafeCampus needs Python 3.11 (set PYTHON=...)" >&2; exit 1; }

[ -x .venv/bin/python ] || { echo "==> creating .venv with $PY"; "$PY" -m venv .venv; }
stamp=".venv/.installed-$(basename "$lock")"
sum="$(sha256sum "$lock" | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$sum" ]; then
  echo "==> pip install -r $lock"
  .venv/bin/python -m pip install -q --disable-pip-version-check --require-hashes -r "$lock"
  echo "$sum" > "$stamp"
fi

npm_sum="$(sha256sum package-lock.json | cut -d' ' -f1)"
if [ "$(cat node_modules/.safecampus-installed 2>/dev/null)" != "$npm_sum" ]; then
  echo "==> npm ci"
  npm ci --no-audit --no-fund --loglevel=error >/dev/null
  echo "$npm_sum" > node_modules/.safecampus-installed
fi

.venv/bin/python manage.py compilemessages -v0 --ignore=.venv --ignore=node_modules
export PATH="$PWD/.venv/bin:$PATH"
