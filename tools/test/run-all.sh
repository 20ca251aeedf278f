#!/usr/bin/env bash
# `npm test`: the same set-up as `npm run stack` (against the test database), then lint,
# typecheck and every test tier: unit, integration (real broker and database) and end-to-end.
set -euo pipefail
cd "$(dirname "$0")/../.."
export TZ=UTC
export TEST_DATABASE_URL="${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/geobatch_test}"

bash tools/stack/prepare.sh "$TEST_DATABASE_URL"

echo "[test] lint" >&2
# The module-boundary rule reads Nx's project graph and silently skips itself when none is cached:
# compute it first so the tag constraints are really enforced.
NX_DAEMON=false npx nx reset >/dev/null
NX_DAEMON=false npx nx show projects >/dev/null
npx eslint .
echo "[test] typecheck" >&2
npx tsc -p tsconfig.json --noEmit
# The web page's browser code: its own project, with the DOM lib (the root one has Node's).
npx tsc -p apps/gateway/src/web/client/tsconfig.json

out=$(mktemp -d)
passed=0 failed=0 status=0
for tier in unit integration e2e; do
  echo "[test] $tier" >&2
  set +e
  node tools/test/run-node-tests.mjs "$tier" 2>&1 | tee "$out/$tier.log"
  rc=${PIPESTATUS[0]}
  set -e
  p=$(sed -n 's/^ℹ pass \([0-9]*\)$/\1/p' "$out/$tier.log" | tail -n1)
  f=$(sed -n 's/^ℹ fail \([0-9]*\)$/\1/p' "$out/$tier.log" | tail -n1)
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0}))
  if [ "$rc" -ne 0 ]; then status=1; [ "${f:-0}" -gt 0 ] || failed=$((failed + 1)); fi
done
echo
echo "tests: $passed passed, $failed failed"
exit "$status"
