#!/usr/bin/env bash
# End to end: a campaign of N personalized ~2 KB messages submitted to maild and sent through
# 8 connections to Postfix's smtp-sink, beside Postfix itself relaying N messages of the same
# size to the same sink through 8 connections in the same run (a private Postfix instance in
# a temporary folder, fed by smtp-source; needs root for Postfix's own users).
# Prints messages per second for both and maild's peak RSS.
# Usage: bench/daemon-e2e.sh [RECIPIENTS]   (default 100000; issue 5 targets: >= 3x Postfix, RSS < 100 MB)
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/bench-lib.sh
count=${1:-100000}
sink_port=${BENCH_SINK_PORT:-25261}
postfix_port=${BENCH_POSTFIX_PORT:-25262}
require_postfix_tools
build_release
work=$(mktemp -d /tmp/maild-e2e-XXXXXX)
chmod 755 "$work"   # Postfix's own users must reach their folders
pids=()
cleanup() {
  [ -n "${postfix_dir:-}" ] && /usr/sbin/postfix -c "$postfix_dir/etc" stop >/dev/null 2>&1 || true
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

sink_user=$(id -un); [ "$(id -u)" = 0 ] && sink_user=nobody
/usr/sbin/smtp-sink -u "$sink_user" "127.0.0.1:$sink_port" 1024 &
pids+=($!)
wait_for_port "$sink_port"
echo "# $(date -u +%Y-%m-%dT%H:%MZ) $(nproc) cores; $count messages of ~2 KB to smtp-sink 127.0.0.1:$sink_port over 8 connections"

# maild: submit, send, complete.
mkdir -p "$work/maild"
write_campaign "$work/maild" "$count"
start_maild "$work/maild" "$sink_port" 8
pids+=("$maild_pid")
start=$(now)
job=$("$bin/mailctl" submit "$work/maild/campaign.json")
acknowledged=$(now)
"$bin/mailctl" watch "$job" --json >"$work/watch.jsonl" || { echo "bench: job $job did not complete cleanly" >&2; tail -3 "$work/watch.jsonl" >&2; exit 1; }
done_at=$(now)
rss=$(peak_rss_mb "$maild_pid")
sent=$("$bin/mailctl" status "$job" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["counts"]["sent"])')
python3 - "$start" "$acknowledged" "$done_at" "$count" "$sent" "$rss" <<'PY'
import sys
start, ack, done, count, sent, rss = float(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), sys.argv[6]
print(f"maild   messages={count} sent={sent} submit={ack-start:.2f}s send={done-ack:.2f}s total={done-start:.2f}s "
      f"rate={count/(done-start):.0f} msg/s (sending alone {count/(done-ack):.0f} msg/s) peak_rss={rss} MB")
PY
maild_rate=$(python3 -c "print($count/($done_at-$start))")

# Postfix: smtp-source injects into a private Postfix, which relays to the same sink.
if [ "$(id -u)" != 0 ]; then
  echo "postfix baseline skipped: a private Postfix instance needs root"
  exit 0
fi
postfix_dir=$work/postfix
mkdir -p "$postfix_dir/etc" "$postfix_dir/spool" "$postfix_dir/data"
cp /etc/postfix/master.cf /etc/postfix/dynamicmaps.cf "$postfix_dir/etc/"
chown postfix "$postfix_dir/data"
cat >"$postfix_dir/etc/main.cf" <<CONF
compatibility_level = 3.6
queue_directory = $postfix_dir/spool
data_directory = $postfix_dir/data
mail_owner = postfix
setgid_group = postdrop
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
myhostname = bench.example.org
mydestination =
relayhost = [127.0.0.1]:$sink_port
mynetworks = 127.0.0.0/8
smtpd_recipient_restrictions = permit_mynetworks, reject
default_destination_concurrency_limit = 8
smtp_destination_concurrency_limit = 8
initial_destination_concurrency = 8
maillog_file_prefixes = /tmp
maillog_file = $postfix_dir/maillog
CONF
# smtpd on our port, and no chroot (the spool is a private temporary folder).
sed -i "s/^smtp      inet  n       -       y/127.0.0.1:$postfix_port inet n - n/" "$postfix_dir/etc/master.cf"
sed -i -E 's/^([a-z]+ +(unix|fifo|inet|pass|unix-dgram) +[-n] +[-n] +)y/\1n/' "$postfix_dir/etc/master.cf"
/usr/sbin/postfix -c "$postfix_dir/etc" check >/dev/null 2>&1 || true
/usr/sbin/postfix -c "$postfix_dir/etc" start >/dev/null 2>&1 || { echo "bench: Postfix did not start; see $postfix_dir/maillog" >&2; cat "$postfix_dir/maillog" >&2 || true; exit 1; }
wait_for_port "$postfix_port"
start=$(now)
/usr/sbin/smtp-source -s 8 -m "$count" -l 1950 -f bench@example.org -t rcpt@example.net "127.0.0.1:$postfix_port"
injected=$(now)
while [ "$(find "$postfix_dir/spool/incoming" "$postfix_dir/spool/active" "$postfix_dir/spool/deferred" "$postfix_dir/spool/maildrop" -type f 2>/dev/null | head -1)" != "" ]; do sleep 0.05; done
done_at=$(now)
relayed=$(grep -c "status=sent" "$postfix_dir/maillog" || true)
python3 - "$start" "$injected" "$done_at" "$count" "$relayed" "$maild_rate" <<'PY'
import sys
start, injected, done, count, relayed, maild = float(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), float(sys.argv[6])
rate = count / (done - start)
print(f"postfix messages={count} relayed={relayed} inject={injected-start:.2f}s total={done-start:.2f}s rate={rate:.0f} msg/s")
print(f"maild/postfix = {maild/rate:.2f}x (target 3x); maild peak RSS target < 100 MB")
PY
