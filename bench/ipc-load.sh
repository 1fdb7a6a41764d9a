#!/usr/bin/env bash
# Load on the control socket while a large campaign sends (issue 8): 25 mailctl processes each
# submitting a small campaign and watching it to the end, 25 more watching the large job, 50
# raw connections asking for status in a loop (reply latency measured), and one watcher that
# never reads. Checks every submit is acknowledged and completes, every watcher sees
# monotonic progress to the end, and prints IPC latency, the sending rate and maild's peak RSS.
# Usage: bench/ipc-load.sh [RECIPIENTS]   (default 100000)
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/bench-lib.sh
count=${1:-100000}
sink_port=${BENCH_SINK_PORT:-25271}
require_postfix_tools
build_release
work=$(mktemp -d /tmp/maild-load-XXXXXX)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
sink_user=$(id -un); [ "$(id -u)" = 0 ] && sink_user=nobody
/usr/sbin/smtp-sink -u "$sink_user" "127.0.0.1:$sink_port" 1024 &
pids+=($!)
wait_for_port "$sink_port"
echo "# $(date -u +%Y-%m-%dT%H:%MZ) $(nproc) cores; $count recipients sending while 50 mailctl and 50 raw clients load the socket"
mkdir -p "$work/big" "$work/small"
write_campaign "$work/big" "$count"
write_campaign "$work/small" 20
start_maild "$work" "$sink_port" 8
pids+=("$maild_pid")
start=$(now)
job=$("$bin/mailctl" submit "$work/big/campaign.json" 2>/dev/null)
client_pids=()
for i in $(seq 25); do
  "$bin/mailctl" submit "$work/small/campaign.json" --watch --json >"$work/submit-$i.jsonl" 2>"$work/submit-$i.err" &
  client_pids+=($!)
  "$bin/mailctl" watch "$job" --json >"$work/watch-$i.jsonl" 2>&1 &
  client_pids+=($!)
done
python3 bench/ipc_load.py "$MAILD_SOCKET" "$job" 50 "${LOAD_SECONDS:-15}"
failed=0
for pid in "${client_pids[@]}"; do wait "$pid" || failed=$((failed + 1)); done
done_at=$(now)
rss=$(peak_rss_mb "$maild_pid")
python3 - "$work" "$count" "$failed" "$start" "$done_at" "$rss" <<'PY'
import glob, json, sys
work, count, failed, start, done, rss = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5]), sys.argv[6]
problems = []
for path in sorted(glob.glob(f"{work}/watch-*.jsonl")) + sorted(glob.glob(f"{work}/submit-*.jsonl")):
    events = [json.loads(line) for line in open(path) if line.startswith("{")]
    sent = [e["counts"]["sent"] for e in events if "counts" in e]
    if not events or events[-1].get("state") != "completed":
        problems.append(f"{path}: did not end completed")
    if any(b < a for a, b in zip(sent, sent[1:])):
        problems.append(f"{path}: progress went backwards")
print(f"clients mailctl processes=50 failed_exits={failed} watchers_checked={len(glob.glob(work + '/watch-*.jsonl'))} problems={len(problems)}")
for problem in problems[:5]:
    print("  ", problem)
print(f"maild   {count} + 25x20 recipients completed in {done - start:.1f}s ({count / (done - start):.0f} msg/s) peak_rss={rss} MB")
sys.exit(1 if problems or failed else 0)
PY
