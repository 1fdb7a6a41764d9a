#!/usr/bin/env bash
# SMTP client throughput: maild's client vs Python smtplib vs Postfix smtp-source, all sending
# the same number of ~2 KB messages to Postfix's smtp-sink on loopback, in one run.
# Usage: bench/smtp-throughput.sh [MESSAGES]   (default 20000)
# BENCH_ONE_CPU=1 runs the sink and every client on CPU 0: each reply then wakes its reader by a
# context switch instead of a cross-CPU wake-up (expensive in a VM), so the figures show CPU
# cost per message rather than wake-up latency.
set -euo pipefail
cd "$(dirname "$0")/.."
messages=${1:-20000}
size=2048
port=${BENCH_PORT:-25250}
pin=()
[ "${BENCH_ONE_CPU:-0}" = 1 ] && pin=(taskset -c 0)

if ! command -v smtp-sink >/dev/null && [ ! -x /usr/sbin/smtp-sink ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postfix >/dev/null
  else
    echo "bench: Postfix's smtp-sink is missing: sudo apt-get install postfix" >&2; exit 1
  fi
fi
PATH=$PATH:/usr/sbin

swift build -c release --product smtp-bench >/dev/null
bench_bin=$(swift build -c release --show-bin-path)/smtp-bench

sink_user=$(id -un)
[ "$(id -u)" = 0 ] && sink_user=nobody
"${pin[@]}" smtp-sink -u "$sink_user" "127.0.0.1:$port" 1024 &
sink_pid=$!
trap 'kill $sink_pid 2>/dev/null || true' EXIT
for _ in $(seq 50); do (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.1; done

# smtp-source -l counts the payload without headers; ~1950 payload bytes make ~2 KB messages.
source_rate() {
  local sessions=$1 start end
  start=$(date +%s.%N)
  "${pin[@]}" smtp-source -d -s "$sessions" -m "$messages" -l 1950 -f bench@example.com -t rcpt@example.net "127.0.0.1:$port"
  end=$(date +%s.%N)
  python3 -c "import sys; s=float(sys.argv[2])-float(sys.argv[1]); print(f'postfix-smtp-source connections=$sessions messages=$messages seconds={s:.3f} rate={$messages/s:.0f} msg/s')" "$start" "$end"
}

# The bound for one connection: a 90-line C client doing nothing but one round trip per message
# (bench/ceiling/pipeline_ceiling.c). Built with the C compiler at hand (the Swift toolchain's
# clang will do).
ceiling_bin=$(swift build -c release --show-bin-path)/pipeline-ceiling
"${CC:-$(command -v cc || command -v clang)}" -O2 -o "$ceiling_bin" bench/ceiling/pipeline_ceiling.c

echo "# $(date -u +%Y-%m-%dT%H:%MZ) $(nproc) cores${pin:+, all on CPU 0}, $messages messages of ~$size bytes to smtp-sink 127.0.0.1:$port"
for connections in 1 8; do
  "${pin[@]}" "$bench_bin" --port "$port" --connections "$connections" --messages "$messages" --size "$size"
  "${pin[@]}" python3 bench/python_smtplib.py --port "$port" --connections "$connections" --messages "$messages" --size "$size"
  source_rate "$connections"
  if [ "$connections" = 1 ]; then "${pin[@]}" "$ceiling_bin" "$port" "$messages" "$size"; fi
done
