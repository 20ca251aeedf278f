#!/usr/bin/env bash
# `npm run stack [-- --brokers 3]`: installs what is missing, starts PostGIS, Kafka (one node, or a
# replicated KRaft cluster of --brokers / KAFKA_NODES nodes) and the three services as separate
# processes, and stays in the foreground until Ctrl-C stops everything it started.
set -euo pipefail
cd "$(dirname "$0")/../.."
while [ $# -gt 0 ]; do
  case "$1" in
    --brokers) export KAFKA_NODES="${2:?--brokers needs a number}"; shift 2 ;;
    --brokers=*) export KAFKA_NODES="${1#--brokers=}"; shift ;;
    *) echo "[stack] unknown option $1 (usage: npm run stack [-- --brokers N])" >&2; exit 2 ;;
  esac
done
root=$(pwd)
port="${PORT:-3000}"
logs="$root/.geobatch/logs"
mkdir -p "$logs"

# Kafka is ours to stop only when we started it here (not given in KAFKA_BROKERS, not already running).
stop_kafka=no
if [ -z "${KAFKA_BROKERS:-}" ] && ! bash tools/stack/kafka.sh status >/dev/null 2>&1; then stop_kafka=yes; fi

bash tools/stack/prepare.sh
KAFKA_BROKERS="${KAFKA_BROKERS:-$(bash tools/stack/kafka.sh bootstrap)}"
export KAFKA_BROKERS
# The gateway wants an API key on every request: keep a development admin key in .geobatch/.
dev_key_file="$root/.geobatch/dev-api-key"
node -r reflect-metadata -r @swc-node/register tools/stack/ensure-dev-api-key.ts "${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/geobatch}" "$dev_key_file"

pids=()
stop_all() {
  trap - INT TERM EXIT
  echo "[stack] stopping services" >&2
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [ "$stop_kafka" = yes ]; then env -u KAFKA_BROKERS bash tools/stack/kafka.sh stop || true; fi
  echo "[stack] stopped" >&2
}
trap stop_all INT TERM EXIT

# The merger sets a job's total (one writer per workbook); on one host the others yield the CPU to it.
declare -A niceness=([geocoder]=10 [report-merger]=0 [gateway]=10)
for app in geocoder report-merger gateway; do
  nice -n "${niceness[$app]}" node -r reflect-metadata -r @swc-node/register "apps/$app/src/main.ts" >>"$logs/$app.log" 2>&1 &
  pids+=($!)
  echo "[stack] $app started (pid $!, log $logs/$app.log)" >&2
done

for _ in $(seq 1 60); do
  if curl -fsS "http://127.0.0.1:$port/health" >/dev/null 2>&1; then break; fi
  for pid in "${pids[@]}"; do
    kill -0 "$pid" 2>/dev/null || { echo "[stack] a service exited during start-up; see $logs" >&2; exit 1; }
  done
  sleep 1
done
curl -fsS "http://127.0.0.1:$port/health" >/dev/null || { echo "[stack] gateway not healthy after 60 s; see $logs" >&2; exit 1; }

cat <<TXT

  Geobatch is running.
    Swagger UI:  http://127.0.0.1:$port/docs
    Logs:        $logs/{gateway,geocoder,report-merger}.log
    API key:     $dev_key_file (an admin key; the CLI uses it when no --key is given,
                 paste it into the page's API key field or Swagger UI's Authorize)

  Try it:
    key=\$(cat .geobatch/dev-api-key)
    curl -s -H "Authorization: Bearer \$key" -F file=@your-points.csv -F x=경도 -F y=위도 http://127.0.0.1:$port/jobs
    curl -s -H "Authorization: Bearer \$key" http://127.0.0.1:$port/jobs/<id>
    curl -s -H "Authorization: Bearer \$key" -o result.xlsx http://127.0.0.1:$port/jobs/<id>/result

  Ctrl-C stops everything.
TXT

# Stay up until Ctrl-C, or until any service dies (then stop the rest).
wait -n "${pids[@]}" || true
echo "[stack] a service exited; see $logs" >&2
exit 1
