# Shared pieces of the daemon benchmarks: release binaries, Postfix's tools, a campaign of N
# personalized ~2 KB messages, and a maild instance in a temporary folder. Sourced, not run.

require_postfix_tools() {
  if [ ! -x /usr/sbin/smtp-sink ] || [ ! -x /usr/sbin/postfix ]; then
    if [ "$(id -u)" = 0 ]; then
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postfix >/dev/null
    else
      echo "bench: Postfix is missing: sudo apt-get install postfix" >&2; exit 1
    fi
  fi
}

build_release() {
  swift build -c release --product maild >/dev/null
  swift build -c release --product mailctl >/dev/null
  bin=$(swift build -c release --show-bin-path)
}

wait_for_port() {
  for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done
  echo "bench: nothing listens on 127.0.0.1:$1" >&2; return 1
}

# write_campaign DIR COUNT [SEND_AT]: DIR/campaign.json and DIR/recipients.csv; the body is
# about 2 KB with the recipient's name in the subject and the text.
write_campaign() {
  local dir=$1 count=$2 send_at=${3:-}
  python3 - "$dir" "$count" "$send_at" <<'PY'
import json, os, random, sys
folder, count, send_at = sys.argv[1], int(sys.argv[2]), sys.argv[3]
# BENCH_ORDER=random: addresses in no particular order, as in a real list (the default lists
# them in a nearly sorted order, which flatters any index on the address).
order = list(range(count))
if os.environ.get("BENCH_ORDER") == "random":
    random.Random(7).shuffle(order)
with open(f"{folder}/recipients.csv", "w") as f:
    f.write("email,first_name\n")
    for i in order:
        f.write(f"user{i}@bench{i % 50}.example.net,User {i}\n")
filler = ("Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor. " * 24)
campaign = {"name": "bench", "account": "bench", "from": "Bench <bench@example.org>",
            "subject": "Hello {{first_name}}", "text": "Dear {{first_name}},\n\n" + filler + "\n",
            "recipients_file": "recipients.csv"}
if send_at:
    campaign["send_at"] = send_at
json.dump(campaign, open(f"{folder}/campaign.json", "w"))
PY
}

# start_maild DIR RELAY_PORT CONNECTIONS: maild on DIR/s with its database in DIR.
start_maild() {
  local dir=$1 port=$2 connections=$3
  cat >"$dir/maild.conf" <<CONF
[daemon]
socket = $dir/s
socket_mode = 0600
database = $dir/maild.db
hostname = bench.example.org

[account bench]
host = 127.0.0.1
port = $port
tls = none
concurrency = $connections
messages_per_connection = 100000
CONF
  "$bin/maild" --config "$dir/maild.conf" --log-level warning 2>"$dir/maild.log" &
  maild_pid=$!
  export MAILD_SOCKET=$dir/s
  for _ in $(seq 200); do "$bin/mailctl" list >/dev/null 2>&1 && return 0; sleep 0.05; done
  echo "bench: maild did not start:" >&2; cat "$dir/maild.log" >&2; return 1
}

# Peak resident set of a live process, in MB (the kernel's high-water mark).
peak_rss_mb() {
  awk '/VmHWM/ { printf "%.1f", $2 / 1024 }' "/proc/$1/status"
}

now() { date +%s.%N; }
