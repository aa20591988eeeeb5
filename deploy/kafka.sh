#!/usr/bin/env bash
# Start or stop a single-node Apache Kafka broker in KRaft mode, from the
# jars deploy/install-deps.sh resolved, with the machine's Java.
#   deploy/kafka.sh start DIR PORT   (controller on PORT+1)
#   deploy/kafka.sh stop DIR
# With KAFKA_SASL_SSL_PORT, KAFKA_TLS_PEM (the broker's key and certificate
# chain, PEM) and KAFKA_SCRAM ('SCRAM-SHA-512=[name=U,password=P]', given
# when DIR is formatted) it also listens for SASL_SSL clients on
# localhost:KAFKA_SASL_SSL_PORT (SCRAM-SHA-512); PORT stays plaintext for
# the broker's own use. ACLs: docs/operations.md, "Encrypted connections".
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cmd=${1:?usage: kafka.sh start|stop DIR [PORT]}
dir=${2:?usage: kafka.sh start|stop DIR [PORT]}
port=${3:-19092}
cp="${KAFKA_LIBS:-$here/kafka/libs}/*"

case "$cmd" in
start)
  mkdir -p "$dir"
  listeners="PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$((port + 1))"
  advertised="PLAINTEXT://127.0.0.1:$port"
  map="PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT"
  scram=()
  if [ -n "${KAFKA_SASL_SSL_PORT:-}" ]; then
    listeners="$listeners,SASL_SSL://127.0.0.1:$KAFKA_SASL_SSL_PORT"
    advertised="$advertised,SASL_SSL://localhost:$KAFKA_SASL_SSL_PORT"
    map="$map,SASL_SSL:SASL_SSL"
    scram=(--add-scram "${KAFKA_SCRAM:?KAFKA_SCRAM unset}")
  fi
  cat >"$dir/server.properties" <<CONF
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$((port + 1))
listeners=$listeners
advertised.listeners=$advertised
controller.listener.names=CONTROLLER
listener.security.protocol.map=$map
inter.broker.listener.name=PLAINTEXT
log.dirs=$dir/data
num.partitions=6
offsets.topic.replication.factor=1
offsets.topic.num.partitions=6
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=false
CONF
  if [ -n "${KAFKA_SASL_SSL_PORT:-}" ]; then
    cat >>"$dir/server.properties" <<CONF
sasl.enabled.mechanisms=SCRAM-SHA-512,SCRAM-SHA-256
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
ssl.keystore.type=PEM
ssl.keystore.location=${KAFKA_TLS_PEM:?KAFKA_TLS_PEM unset}
CONF
  fi
  cat >"$dir/log4j2.yaml" <<'CONF'
Configuration:
  Appenders:
    Console:
      name: STDOUT
      PatternLayout:
        pattern: "[%d] %p %m (%c)%n"
  Loggers:
    Root:
      level: WARN
      AppenderRef:
        - ref: STDOUT
CONF
  if [ ! -f "$dir/data/meta.properties" ]; then
    java -cp "$cp" kafka.tools.StorageTool format -c "$dir/server.properties" "${scram[@]}" \
      -t "$(java -cp "$cp" kafka.tools.StorageTool random-uuid)" >"$dir/format.log"
  fi
  nohup java -Xms256m -Xmx768m -Dlog4j2.configurationFile="$dir/log4j2.yaml" -cp "$cp" \
    kafka.Kafka "$dir/server.properties" >"$dir/broker.log" 2>&1 &
  echo $! >"$dir/broker.pid"
  for _ in $(seq 1 120); do
    if kcat -b "127.0.0.1:$port" -L -m 2 >/dev/null 2>&1; then echo "127.0.0.1:$port"; exit 0; fi
    kill -0 "$(cat "$dir/broker.pid")" 2>/dev/null || { cat "$dir/broker.log" >&2; exit 1; }
    sleep 0.5
  done
  echo "kafka.sh: broker did not come up; see $dir/broker.log" >&2
  exit 1
  ;;
stop)
  if [ -f "$dir/broker.pid" ]; then
    pid=$(cat "$dir/broker.pid")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -9 "$pid" 2>/dev/null || true
    rm -f "$dir/broker.pid"
  fi
  ;;
*) echo "kafka.sh: unknown command $cmd" >&2; exit 2 ;;
esac
