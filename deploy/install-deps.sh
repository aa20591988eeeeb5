#!/usr/bin/env bash
# Installs what rumbook needs to build, run and test, if missing: Debian's
# packages, and the Kafka broker's jars from Maven Central (deploy/kafka/pom.xml).
#   deploy/install-deps.sh [--tests]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)

pkgs=(build-essential cmake pkg-config librdkafka-dev libpq-dev libical-dev tzdata
      libprotobuf-c-dev protobuf-c-compiler postgresql-15 postgresql-client-15
      openjdk-17-jre-headless maven kcat python3 python3-icalendar valgrind
      libmicrohttpd-dev libsystemd-dev systemd libcurl4-openssl-dev python3-aiosmtpd
      prometheus curl bc libsodium-dev python3-nacl openssl)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  sudo=""; [ "$(id -u)" = 0 ] || sudo=sudo
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# deploy/kafka: the broker rumbook runs on. With --tests also deploy/kafka-scram:
# a 3.9 broker for the SCRAM test, as Debian 12's librdkafka 2.0.2 cannot log in
# with SCRAM to a 4.x broker (docs/kafka.md); the demo does not need it.
brokers=(kafka)
[ "${1:-}" = --tests ] && brokers+=(kafka-scram)
for b in "${brokers[@]}"; do
  if [ ! -f "$here/$b/libs/.complete" ]; then
    echo "resolving the Kafka broker ($b) from Maven Central"
    (cd "$here/$b" && mvn -q -B dependency:copy-dependencies -DoutputDirectory=libs \
        -DincludeScope=runtime)
    touch "$here/$b/libs/.complete"
  fi
done
