#!/usr/bin/env bash
# Local single-node Kafka (KRaft) for dev/tests, built from Maven Central jars (see kafka/pom.xml).
# Default 4.3.1 = newest Kafka fully published on Maven Central (4.4.0 lacks kafka-tools-api there). Verified with
# kafkajs 2.2.4 on 4.3.1/4.4.0/3.9.2: admin, idempotent acks=-1 produce, groups + manual commits, transactions all pass.
# KIP-896 (4.0) only dropped pre-2.1 protocol versions; kafkajs always negotiates its max (Produce v7, Fetch v11,
# JoinGroup v5, OffsetCommit v5, ...), all above 4.x's new minimums.
#
# Usage: kafka.sh [ensure|start|stop|restart|status|kill|bootstrap]   (default: ensure)
# Env: KAFKA_BROKERS (use an external broker instead), KAFKA_VERSION, KAFKA_PORT, KAFKA_CONTROLLER_PORT,
#      GEOBATCH_CACHE (default ~/.cache/geobatch), KAFKA_HEAP_OPTS.
set -euo pipefail

VERSION="${KAFKA_VERSION:-4.3.1}"
PORT="${KAFKA_PORT:-9092}"
CPORT="${KAFKA_CONTROLLER_PORT:-9093}"
BOOTSTRAP="127.0.0.1:$PORT"
CACHE="${GEOBATCH_CACHE:-$HOME/.cache/geobatch}"
LIBS="$CACHE/kafka-$VERSION/libs"
DATA="$CACHE/kafka-data"
PIDF="$CACHE/kafka.pid"
LOG="$CACHE/kafka.log"
PROPS="$CACHE/kafka-server.properties"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
CLUSTER_ID="R2VvYmF0Y2hLYWZrYUNJRA" # fixed base64 UUID ("GeobatchKafkaCID"): format once, reuse forever

log() { echo "[kafka] $*" >&2; }
die() { log "ERROR: $*"; exit 1; }
tcp_ok() { timeout 2 bash -c "exec 3<>/dev/tcp/$1/$2" 2>/dev/null; }

cmd="${1:-ensure}"

# External broker: never manage a local one.
if [[ -n "${KAFKA_BROKERS:-}" ]]; then
  case "$cmd" in stop | kill) log "KAFKA_BROKERS set; nothing to $cmd"; exit 0 ;; esac
  first="${KAFKA_BROKERS%%,*}"
  tcp_ok "${first%:*}" "${first##*:}" || die "KAFKA_BROKERS=$KAFKA_BROKERS not reachable"
  echo "$KAFKA_BROKERS"
  exit 0
fi

mkdir -p "$CACHE"

cmdline() { tr '\0' ' ' 2>/dev/null <"/proc/$1/cmdline" || true; }
pid_alive() { # prints the pid of our broker if it is running (cmdline check guards against pid reuse)
  local pid
  pid="$(cat "$PIDF" 2>/dev/null)" || return 1
  [[ -n "$pid" ]] && cmdline "$pid" | grep -q 'kafka\.Kafka' && echo "$pid"
}

assemble() {
  [[ -d "$LIBS" ]] && return 0
  command -v mvn >/dev/null || die "mvn not found (apt-get install -y maven)"
  log "assembling Kafka $VERSION classpath from Maven Central -> $LIBS"
  local tmp="$LIBS.tmp.$$" extra=()
  [[ "$VERSION" == 3.* ]] && extra=(-Dkafka3)
  rm -rf "$tmp"
  mvn -q -B -f "$HERE/kafka/pom.xml" dependency:copy-dependencies "-Dkafka.version=$VERSION" \
    "-DoutputDirectory=$tmp" "${extra[@]}" >"$CACHE/kafka-mvn.log" 2>&1 ||
    { tail -n 20 "$CACHE/kafka-mvn.log" >&2; rm -rf "$tmp"; die "mvn failed for Kafka $VERSION"; }
  mv "$tmp" "$LIBS" # atomic: a half-copied libs dir is never used
}

write_config() {
  cat >"$PROPS" <<EOF
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$CPORT
listeners=PLAINTEXT://127.0.0.1:$PORT,CONTROLLER://127.0.0.1:$CPORT
advertised.listeners=PLAINTEXT://127.0.0.1:$PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$DATA
# the project creates its own topics
auto.create.topics.enable=false
num.partitions=1
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
# fewer internal partitions: first group join / first transaction is much faster on 2 cores
offsets.topic.num.partitions=10
transaction.state.log.num.partitions=10
group.initial.rebalance.delay.ms=0
# a SIGKILLed broker's old registration must expire before it can re-register: keep restarts after 'kill' quick
broker.heartbeat.interval.ms=1000
broker.session.timeout.ms=4000
message.max.bytes=16777216
replica.fetch.max.bytes=16777216
EOF
  # 4.x logs via log4j2, 3.x via reload4j: write both, each reads its own
  cat >"$CACHE/kafka-log4j2.properties" <<'EOF'
rootLogger.level=INFO
rootLogger.appenderRef.out.ref=OUT
appender.out.type=Console
appender.out.name=OUT
appender.out.layout.type=PatternLayout
appender.out.layout.pattern=[%d] %p %m (%c)%n
EOF
  cat >"$CACHE/kafka-log4j.properties" <<'EOF'
log4j.rootLogger=INFO, OUT
log4j.appender.OUT=org.apache.log4j.ConsoleAppender
log4j.appender.OUT.layout=org.apache.log4j.PatternLayout
log4j.appender.OUT.layout.ConversionPattern=[%d] %p %m (%c)%n
EOF
}

java_args() { # JVM options shared by format and broker
  # shellcheck disable=SC2206
  JARGS=(${KAFKA_HEAP_OPTS:--Xmx512m -Xms256m} -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -Djava.awt.headless=true
    "-Dlog4j2.configurationFile=$CACHE/kafka-log4j2.properties" "-Dlog4j.configuration=file:$CACHE/kafka-log4j.properties"
    -cp "$LIBS/*")
}

format() {
  [[ -f "$DATA/meta.properties" ]] && return 0
  log "formatting $DATA (cluster id $CLUSTER_ID)"
  mkdir -p "$DATA"
  java_args
  java "${JARGS[@]}" kafka.tools.StorageTool format -t "$CLUSTER_ID" -c "$PROPS" --ignore-formatted >"$CACHE/kafka-format.log" 2>&1 ||
    { cat "$CACHE/kafka-format.log" >&2; die "storage format failed"; }
  echo "$VERSION" >"$CACHE/kafka-data.version" # which version formatted the data dir
}

ready() { # broker answers metadata requests
  tcp_ok 127.0.0.1 "$PORT" || return 1
  grep -q 'Kafka Server started' "$LOG" 2>/dev/null || return 1
  # stronger check when the repo has kafkajs installed (exit 2 = kafkajs not resolvable -> trust the log line)
  command -v node >/dev/null || return 0
  local rc=0
  timeout 10 node -e '
    let k; try { k = require(require.resolve("kafkajs", { paths: [process.argv[1]] })); } catch { process.exit(2); }
    const a = new k.Kafka({ brokers: [process.argv[2]], logLevel: k.logLevel.NOTHING, connectionTimeout: 1000, retry: { retries: 0 } }).admin();
    a.connect().then(() => a.listTopics()).then(() => a.disconnect()).then(() => process.exit(0), () => process.exit(1));
  ' "$REPO" "$BOOTSTRAP" 2>/dev/null || rc=$?
  [[ $rc -eq 0 || $rc -eq 2 ]]
}

wait_ready() { # wait_ready PID: 0 once it serves metadata, 1 if it died or was not ready within 60s
  local pid=$1 t0=$SECONDS
  while ((SECONDS - t0 < 60)); do
    kill -0 "$pid" 2>/dev/null || { log "broker exited during startup"; tail -n 15 "$LOG" >&2; return 1; }
    ready && { log "ready after $((SECONDS - t0))s"; return 0; }
    sleep 0.5
  done
  log "not ready after 60s"; tail -n 15 "$LOG" >&2; return 1
}

launch() {
  [[ -f "$LOG" ]] && mv -f "$LOG" "$LOG.1"
  tcp_ok 127.0.0.1 "$PORT" && die "port $PORT already in use by another process (not our broker)"
  log "starting Kafka $VERSION on $BOOTSTRAP (log: $LOG)"
  java_args
  # setsid: survive the caller's process group (npm, CI); 9>&-: don't inherit the script lock
  setsid nohup java "${JARGS[@]}" kafka.Kafka "$PROPS" >"$LOG" 2>&1 </dev/null 9>&- &
  echo $! >"$PIDF"
  wait_ready $! || { do_stop; return 1; }
}

do_start() {
  local pid
  if pid="$(pid_alive)"; then
    if cmdline "$pid" | grep -q "kafka-$VERSION/libs"; then
      wait_ready "$pid" && return 0
      log "running broker (pid $pid) is not healthy; restarting"
    else
      log "running broker (pid $pid) is another version; restarting with $VERSION"
    fi
    do_stop
  fi
  rm -f "$PIDF"
  assemble
  write_config
  format
  launch && return 0
  # data dir formatted by another Kafka version: wipe, reformat, retry once
  if [[ "$(cat "$CACHE/kafka-data.version" 2>/dev/null)" != "$VERSION" ]]; then
    log "data dir was formatted by another version; wiping $DATA"
    do_stop; rm -rf "$DATA"; format; launch && return 0
  fi
  die "Kafka failed to start (see $LOG)"
}

do_stop() {
  local pid i
  pid="$(pid_alive)" || { rm -f "$PIDF"; return 0; }
  log "stopping pid $pid"
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 60; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  if kill -0 "$pid" 2>/dev/null; then log "still alive after 30s; SIGKILL"; kill -KILL "$pid" 2>/dev/null || true; sleep 0.5; fi
  rm -f "$PIDF"
}

lock() { exec 9>"$CACHE/kafka.lock"; flock -w 180 9 || die "timed out waiting for $CACHE/kafka.lock"; }

case "$cmd" in
  ensure | start)
    lock
    if pid="$(pid_alive)" && cmdline "$pid" | grep -q "kafka-$VERSION/libs" && ready; then
      : # fast path: already running and serving metadata
    else
      do_start
    fi
    echo "$BOOTSTRAP"
    ;;
  stop) lock; do_stop ;;
  restart) lock; do_stop; do_start; echo "$BOOTSTRAP" ;;
  kill)
    if pid="$(pid_alive)"; then
      log "SIGKILL pid $pid"; kill -KILL "$pid"
      for _ in $(seq 20); do pid_alive >/dev/null || break; sleep 0.25; done # gone (and port freed) on return
    fi
    ;;
  status)
    if pid="$(pid_alive)"; then
      echo "running pid=$pid $(cmdline "$pid" | grep -o 'kafka-[0-9][^/]*/libs' | head -n 1 | cut -d/ -f1) bootstrap=$BOOTSTRAP"
    else
      echo "stopped"; exit 3
    fi
    ;;
  bootstrap) echo "$BOOTSTRAP" ;;
  *) die "unknown command '$cmd' (ensure|start|stop|restart|status|kill|bootstrap)" ;;
esac
