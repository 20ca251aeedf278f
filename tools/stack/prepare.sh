#!/usr/bin/env bash
# Brings a machine from a fresh clone to "services can start": npm packages, PostGIS, a Kafka
# broker, the project's topics, schema migrations and a default dataset. Idempotent and fast
# when everything is already in place; shared by `npm run stack` and `npm test`.
#   usage: prepare.sh [DATABASE_URL]
set -euo pipefail
cd "$(dirname "$0")/../.."
database_url="${1:-${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/geobatch}}"
say() { echo "[prepare] $*" >&2; }

# npm ci only when the lockfile changed since the last install.
stamp=node_modules/.geobatch-lock.sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  say "installing npm packages"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$want" > "$stamp"
fi

# Debian's Chromium for the web page's end-to-end test (playwright-core drives it and never
# downloads a browser), and a Korean font so the page's screenshots show Hangul, not boxes.
browser_pkgs=()
[ -x /usr/bin/chromium ] || browser_pkgs+=(chromium)
[ -n "$(fc-list :lang=ko family 2>/dev/null || true)" ] || browser_pkgs+=(fonts-nanum)
if [ "${#browser_pkgs[@]}" -gt 0 ]; then
  say "installing ${browser_pkgs[*]}"
  apt-get -qq -o DPkg::Lock::Timeout=600 update
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -o DPkg::Lock::Timeout=600 "${browser_pkgs[@]}" >/dev/null
fi

bash tools/stack/postgis.sh
# The broker list kafka.sh started (KAFKA_NODES of them) or was given: the topics are created there.
KAFKA_BROKERS="$(bash tools/stack/kafka.sh ensure)"
export KAFKA_BROKERS

node -r reflect-metadata -r @swc-node/register tools/db/migrate.ts "$database_url"
node -r reflect-metadata -r @swc-node/register tools/stack/ensure-topics.ts
DATABASE_URL="$database_url" node -r reflect-metadata -r @swc-node/register apps/cli/src/main.ts datasets:seed-default
