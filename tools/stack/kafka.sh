#!/usr/bin/env bash
# Local Kafka (KRaft) for dev/tests, built from Maven Central jars (see kafka/pom.xml): one node by
# default, or a replicated cluster of KAFKA_NODES (e.g. 3) combined broker+controller nodes on loopback.
# Default 4.3.1 = newest Kafka fully published on Maven Central (4.4.0 lacks kafka-tools-api there). Verified with
# kafkajs 2.2.4 on 4.3.1/4.4.0/3.9.2: admin, idempotent acks=-1 produce, groups + manual commits, transactions all pass.
# KIP-896 (4.0) only dropped pre-2.1 protocol versions; kafkajs always negotiates its max (Produce v7, Fetch v11,
# JoinGroup v5, OffsetCommit v5, ...), all above 4.x's new minimums.
#
# Usage: kafka.sh [ensure|start|stop|restart|status|kill [NODE]|bootstrap]   (default: ensure)
#   `kill NODE` SIGKILLs one node of a cluster (node 1 by default) and leaves it down.
# Env: KAFKA_BROKERS (use an external broker instead), KAFKA_NODES (1; 3 for a replicated cluster),
#      KAFKA_VERSION, KAFKA_PORT, KAFKA_CONTROLLER_PORT (the first node's; the others count up),
#      GEOBATCH_CACHE (default ~/.cache/geobatch), KAFKA_HEAP_OPTS.
set -euo pipefail

VERSION="${KAFKA_VERSION:-4.3.1}"
NODES="${KAFKA_NODES:-1}"
CACHE="${GEOBATCH_CACHE:-$HOME/.cache/geobatch}"
LIBS="$CACHE/kafka-$VERSION/libs"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
CLUSTER_ID="R2VvYmF0Y2hLYWZrYUNJRA" # fixed base64 UUID ("GeobatchKafkaCID"): format once, reuse forever

log() { echo "[kafka] $*" >&2; }
die() { log "ERROR: $*"; exit 1; }
[[ "$NODES" =~ ^[1-9]$ ]] || die "KAFKA_NODES must be 1 to 9 (got '$NODES')"

# One node keeps the paths and ports it always had; a cluster lives apart (own ports, own data), so both can be kept.
if ((NODES == 1)); then
  BASE_PORT="${KAFKA_PORT:-9092}" BASE_CPORT="${KAFKA_CONTROLLER_PORT:-9093}" HOME_DIR="$CACHE"
else
  BASE_PORT="${KAFKA_PORT:-19092}" BASE_CPORT="${KAFKA_CONTROLLER_PORT:-19192}" HOME_DIR="$CACHE/kafka-cluster-$NODES"
fi
RF=$((NODES < 3 ? NODES : 3))
MIN_ISR=$((RF >= 3 ? 2 : 1))
VOTERS="" BOOTSTRAP=""
for ((n = 1; n <= NODES; n++)); do
  VOTERS+="${VOTERS:+,}$n@127.0.0.1:$((BASE_CPORT + n - 1))"
  BOOTSTRAP+="${BOOTSTRAP:+,}127.0.0.1:$((BASE_PORT + n - 1))"
done

node_vars() { # node_vars N: this node's node id, ports and files
  NODE=$1 PORT=$((BASE_PORT + $1 - 1)) CPORT=$((BASE_CPORT + $1 - 1))
  if ((NODES == 1)); then
    DATA="$CACHE/kafka-data" PIDF="$CACHE/kafka.pid" LOG="$CACHE/kafka.log" PROPS="$CACHE/kafka-server.properties"
    FORMATTED="$CACHE/kafka-data.version"
  else
    local dir="$HOME_DIR/node-$1"
    mkdir -p "$dir"
    DATA="$dir/data" PIDF="$dir/kafka.pid" LOG="$dir/kafka.log" PROPS="$dir/server.properties"
    FORMATTED="$dir/kafka-data.version"
  fi
}
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
node.id=$NODE
controller.quorum.voters=$VOTERS
listeners=PLAINTEXT://127.0.0.1:$PORT,CONTROLLER://127.0.0.1:$CPORT
advertised.listeners=PLAINTEXT://127.0.0.1:$PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$DATA
# the project creates its own topics
auto.create.topics.enable=false
num.partitions=1
# replicated on a cluster: a broker may die and every partition keeps a leader and an in-sync copy
default.replication.factor=$RF
min.insync.replicas=$MIN_ISR
offsets.topic.replication.factor=$RF
transaction.state.log.replication.factor=$RF
transaction.state.log.min.isr=$MIN_ISR
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
  echo "$VERSION" >"$FORMATTED" # which version formatted the data dir
}

ready() { # this node answers metadata requests
  tcp_ok 127.0.0.1 "$PORT" || return 1
  grep -q 'Kafka Server started' "$LOG" 2>/dev/null || return 1
  # stronger check when the repo has kafkajs installed (exit 2 = kafkajs not resolvable -> trust the log line)
  command -v node >/dev/null || return 0
  local rc=0
  timeout 10 node -e '
    let k; try { k = require(require.resolve("kafkajs", { paths: [process.argv[1]] })); } catch { process.exit(2); }
    const a = new k.Kafka({ brokers: [process.argv[2]], logLevel: k.logLevel.NOTHING, connectionTimeout: 1000, retry: { retries: 0 } }).admin();
    a.connect().then(() => a.listTopics()).then(() => a.disconnect()).then(() => process.exit(0), () => process.exit(1));
  ' "$REPO" "127.0.0.1:$PORT" 2>/dev/null || rc=$?
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

spawn() { # starts this node's JVM without waiting for it
  [[ -f "$LOG" ]] && mv -f "$LOG" "$LOG.1"
  tcp_ok 127.0.0.1 "$PORT" && die "port $PORT already in use by another process (not our broker)"
  log "starting Kafka $VERSION node $NODE on 127.0.0.1:$PORT (log: $LOG)"
  java_args
  # setsid: survive the caller's process group (npm, CI); 9>&-: don't inherit the script lock
  setsid nohup java "${JARGS[@]}" kafka.Kafka "$PROPS" >"$LOG" 2>&1 </dev/null 9>&- &
  echo $! >"$PIDF"
}

healthy() { # this node runs our version and serves metadata
  local pid
  pid="$(pid_alive)" && cmdline "$pid" | grep -q "kafka-$VERSION/libs" && ready
}

prepare_node() { # stops a node that runs another version; writes its config and formats its data dir
  local pid
  if pid="$(pid_alive)" && ! cmdline "$pid" | grep -q "kafka-$VERSION/libs"; then
    log "node $NODE (pid $pid) is another version; restarting with $VERSION"
    do_stop
  fi
  write_config
  # data dir formatted by another Kafka version: wipe and reformat
  if [[ -f "$DATA/meta.properties" && "$(cat "$FORMATTED" 2>/dev/null)" != "$VERSION" ]]; then
    log "node $NODE's data dir was formatted by another version; wiping $DATA"
    rm -rf "$DATA"
  fi
  format
}

do_start() { # every node that is not up is started; then all must serve metadata (a quorum needs most of them)
  local n pid started=()
  assemble
  for ((n = 1; n <= NODES; n++)); do
    node_vars "$n"
    healthy && continue
    if pid="$(pid_alive)"; then log "node $n (pid $pid) is not healthy; restarting"; do_stop; fi
    rm -f "$PIDF"
    prepare_node
    spawn
    started+=("$n")
  done
  for n in "${started[@]}"; do
    node_vars "$n"
    wait_ready "$(cat "$PIDF")" || { do_stop; die "Kafka node $n failed to start (see $LOG)"; }
  done
}

all_healthy() {
  local n
  for ((n = 1; n <= NODES; n++)); do node_vars "$n"; healthy || return 1; done
}

stop_all() {
  local n
  for ((n = 1; n <= NODES; n++)); do node_vars "$n"; do_stop; done
}

do_stop() {
  local pid i
  pid="$(pid_alive)" || { rm -f "$PIDF"; return 0; }
  log "stopping node $NODE (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 60; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  if kill -0 "$pid" 2>/dev/null; then log "still alive after 30s; SIGKILL"; kill -KILL "$pid" 2>/dev/null || true; sleep 0.5; fi
  rm -f "$PIDF"
}

lock() { exec 9>"$CACHE/kafka.lock"; flock -w 180 9 || die "timed out waiting for $CACHE/kafka.lock"; }

case "$cmd" in
  ensure | start)
    lock
    all_healthy || do_start # fast path: every node already running and serving metadata
    echo "$BOOTSTRAP"
    ;;
  stop) lock; stop_all ;;
  restart) lock; stop_all; do_start; echo "$BOOTSTRAP" ;;
  kill)
    victim="${2:-1}"
    [[ "$victim" =~ ^[0-9]+$ ]] && ((victim >= 1 && victim <= NODES)) || die "kill: no node '$victim' (1 to $NODES)"
    node_vars "$victim"
    if pid="$(pid_alive)"; then
      log "SIGKILL node $victim (pid $pid)"; kill -KILL "$pid"
      for _ in $(seq 20); do pid_alive >/dev/null || break; sleep 0.25; done # gone (and port freed) on return
    fi
    ;;
  status)
    down=0
    for ((n = 1; n <= NODES; n++)); do
      node_vars "$n"
      if pid="$(pid_alive)"; then
        echo "node $n running pid=$pid $(cmdline "$pid" | grep -o 'kafka-[0-9][^/]*/libs' | head -n 1 | cut -d/ -f1) 127.0.0.1:$PORT"
      else
        echo "node $n stopped"; down=$((down + 1))
      fi
    done
    echo "bootstrap=$BOOTSTRAP"
    ((down == 0)) || exit 3
    ;;
  bootstrap) echo "$BOOTSTRAP" ;;
  *) die "unknown command '$cmd' (ensure|start|stop|restart|status|kill|bootstrap)" ;;
esac
