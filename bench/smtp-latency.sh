#!/usr/bin/env bash
# One connection to a relay that is far away, as real ones are: smtp-sink behind
# bench/latency_proxy.py, which delays each direction by DELAY_MS. Prints messages per second
# for maild's client sending one message at a time (`--senders 1`: two round trips per
# message, how maild's workers sent before they kept a second message on the session), with the
# next message queued behind the current one's data (`--senders 2`: one round trip, how they
# send now), Python smtplib (four round trips) and the C ceiling (one round trip, nothing else);
# then maild itself, one worker (`concurrency = 1`), sending a campaign of as many messages
# through the same link.
# Usage: bench/smtp-latency.sh [MESSAGES] [DELAY_MS]   (defaults 300 and 5: a 10 ms round trip)
set -euo pipefail
cd "$(dirname "$0")/.."
messages=${1:-300}
delay=${2:-5}
size=2048
sink_port=${BENCH_PORT:-25270}
proxy_port=$((sink_port + 1))

if [ ! -x /usr/sbin/smtp-sink ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postfix >/dev/null
  else
    echo "bench: Postfix's smtp-sink is missing: sudo apt-get install postfix" >&2; exit 1
  fi
fi
source bench/bench-lib.sh
build_release
swift build -c release --product smtp-bench >/dev/null
"${CC:-$(command -v cc || command -v clang)}" -O2 -o "$bin/pipeline-ceiling" bench/ceiling/pipeline_ceiling.c

sink_user=$(id -un); [ "$(id -u)" = 0 ] && sink_user=nobody
/usr/sbin/smtp-sink -u "$sink_user" "127.0.0.1:$sink_port" 1024 &
sink_pid=$!
python3 bench/latency_proxy.py "$proxy_port" "$sink_port" "$delay" &
proxy_pid=$!
work=$(mktemp -d /tmp/maild-latency-XXXXXX)
maild_pid=
trap 'kill $sink_pid $proxy_pid $maild_pid 2>/dev/null || true; rm -rf "$work"' EXIT
for port in "$sink_port" "$proxy_port"; do
  for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
done

echo "# $(date -u +%Y-%m-%dT%H:%MZ) $messages messages of ~$size bytes, 1 connection, ${delay} ms each way (a $((2 * delay)) ms round trip)"
printf 'maild-smtp senders=1  '; "$bin/smtp-bench" --port "$proxy_port" --connections 1 --senders 1 --messages "$messages" --size "$size"
printf 'maild-smtp senders=2  '; "$bin/smtp-bench" --port "$proxy_port" --connections 1 --senders 2 --messages "$messages" --size "$size"
python3 bench/python_smtplib.py --port "$proxy_port" --connections 1 --messages "$messages" --size "$size"
"$bin/pipeline-ceiling" "$proxy_port" "$messages" "$size"

write_campaign "$work" "$messages"
start_maild "$work" "$proxy_port" 1
start=$(now)
job=$("$bin/mailctl" submit "$work/campaign.json")
acknowledged=$(now)
"$bin/mailctl" watch "$job" --json >"$work/watch.jsonl" || { echo "bench: job $job did not complete cleanly" >&2; exit 1; }
done_at=$(now)
python3 -c "import sys; a, d, n = float(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]); print(f'maild (daemon, 1 worker) messages={n} seconds={d-a:.3f} rate={n/(d-a):.0f} msg/s')" "$acknowledged" "$done_at" "$messages"
