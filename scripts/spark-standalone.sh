#!/usr/bin/env bash
# A Spark standalone cluster from this build's own jars (no Spark download): a master and one worker on this machine,
# for `./adept sweep|probe|tune --spark spark://127.0.0.1:7077`. The same commands start workers on other machines that
# see this install at the same path (see the README's "Scaling out").
#   scripts/spark-standalone.sh start [--cores N] [--memory MB] [--master-port P] [--ui-port P]
#                                    (defaults: all cores, 4096 MB, 7077, 8080: the master's web UI, http://127.0.0.1:P)
#   scripts/spark-standalone.sh worker spark://HOST:PORT [--cores N] [--memory MB]    (a worker for another master)
#   scripts/spark-standalone.sh stop                                                   (only what this script started)
#   scripts/spark-standalone.sh status
# State, logs and the workers' scratch folders: .cache/spark-standalone/. Exit 2 for bad usage or a port in use.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
state="$root/.cache/spark-standalone"
jar="$root/samples/target/adept-cli.jar"

usage() { sed -n '2,10p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit 2; }
cmd="${1:-}"; [ -n "$cmd" ] || usage; shift

cores="$(nproc)"; memory=4096; port=7077; ui=8080; master=""
[ "$cmd" = worker ] && { master="${1:-}"; [[ "$master" == spark://* ]] || usage; shift; }
while [ $# -gt 0 ]; do
  case "$1" in
    --cores) cores="${2:?}"; shift 2 ;;
    --memory) memory="${2:?}"; shift 2 ;;
    --master-port) port="${2:?}"; shift 2 ;;
    --ui-port) ui="${2:?}"; shift 2 ;;
    *) echo "spark-standalone: unknown option '$1'" >&2; usage ;;
  esac
done
for n in "$cores" "$memory" "$port" "$ui"; do
  [[ "$n" =~ ^[1-9][0-9]*$ ]] || { echo "spark-standalone: '$n' is not a positive whole number" >&2; exit 2; }
done

spark_home="${SPARK_HOME:-$state/spark-home}"

running() { [ -f "$state/$1.pid" ] && kill -0 "$(cat "$state/$1.pid")" 2>/dev/null; }

launch() { # $1: name, then the main class and its arguments
  local name="$1"; shift
  if running "$name"; then
    echo "spark-standalone: the $name is already running (pid $(cat "$state/$name.pid"))" >&2; exit 2
  fi
  # the same JVM flags as ./adept (Spark on Java 17 needs the --add-opens); a worker gives its executors SPARK_HOME's
  # jars folder (here empty) plus the class path the driver names (io.adept4j.spark.SparkContexts)
  SPARK_HOME="$spark_home" SPARK_SCALA_VERSION="${SPARK_SCALA_VERSION:-2.12}" \
  nohup java -Xmx512m --add-opens=java.base/java.nio=ALL-UNNAMED --add-opens=java.base/sun.nio.ch=ALL-UNNAMED \
    --add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.util=ALL-UNNAMED \
    --add-opens=java.base/java.lang.invoke=ALL-UNNAMED --add-opens=java.base/sun.util.calendar=ALL-UNNAMED \
    -Dorg.slf4j.simpleLogger.log.org.apache.spark.deploy=info -cp "$jar" "$@" >"$state/$name.log" 2>&1 &
  echo $! >"$state/$name.pid.tmp" && mv "$state/$name.pid.tmp" "$state/$name.pid"
}

wait_for() { # $1: name, $2: a command that succeeds once it is up
  for _ in $(seq 1 60); do
    eval "$2" && return 0
    running "$1" || { echo "spark-standalone: the $1 stopped; its log: $state/$1.log" >&2; tail -5 "$state/$1.log" >&2; exit 2; }
    sleep 1
  done
  echo "spark-standalone: the $1 did not come up in 60 s; its log: $state/$1.log" >&2; exit 2
}

case "$cmd" in
  start|worker)
    mkdir -p "$state/work"
    [ -n "${SPARK_HOME:-}" ] || mkdir -p "$spark_home/jars"
    [ -f "$jar" ] || "$root/adept" --version >/dev/null   # builds the CLI jar (and its lib/) on first use
    if [ "$cmd" = start ]; then
      for p in "$port" "$ui"; do
        if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
          echo "spark-standalone: port $p is in use; give --master-port or --ui-port" >&2; exit 2
        fi
      done
      launch master org.apache.spark.deploy.master.Master --host 127.0.0.1 --port "$port" --webui-port "$ui"
      wait_for master '(exec 3<>"/dev/tcp/127.0.0.1/$ui") 2>/dev/null'
      master="spark://127.0.0.1:$port"
    fi
    launch worker org.apache.spark.deploy.worker.Worker --cores "$cores" --memory "${memory}M" \
      --work-dir "$state/work" --webui-port 0 "$master"
    if [ "$cmd" = start ]; then   # the master's JSON view counts the workers that registered
      wait_for worker 'curl -sf "http://127.0.0.1:$ui/json/" | grep -q "\"aliveworkers\" *: *[1-9]"'
    else
      wait_for worker 'sleep 5 && running worker'   # no view of a remote master here: alive after 5 s
    fi
    echo "spark-standalone: a worker with $cores cores and $memory MB runs for $master (logs: $state)"
    echo "  ./adept sweep --config FILE --spark $master" ;;
  stop)
    for name in worker master; do
      if running "$name"; then
        kill "$(cat "$state/$name.pid")"
        for _ in $(seq 1 30); do running "$name" || break; sleep 1; done   # its ports are free once it is gone
        echo "spark-standalone: stopped the $name"
      fi
      rm -f "$state/$name.pid"
    done ;;
  status)
    for name in master worker; do
      if running "$name"; then echo "$name: running (pid $(cat "$state/$name.pid"))"; else echo "$name: not running"; fi
    done ;;
  *) usage ;;
esac
