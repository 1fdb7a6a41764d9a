#!/usr/bin/env bash
# Submit of a large campaign: mailctl reads and validates N recipients from CSV and streams
# them to maild, which commits them to SQLite; timed until maild acknowledges the job.
# Peak memory of both processes is printed. The job is scheduled far in the future so that
# nothing is sent. Baseline in the same run: Python's sqlite3 inserting the same CSV rows into
# an indexed WAL table in one transaction (a floor for the storage work alone).
# Usage: bench/daemon-submit.sh [RECIPIENTS]   (default 1000000; issue 5 target: < 15 s, both < 150 MB)
#        BENCH_ORDER=random bench/daemon-submit.sh   (addresses shuffled, as in a real list)
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/bench-lib.sh
count=${1:-1000000}
build_release
work=$(mktemp -d /tmp/maild-submit-XXXXXX)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
echo "# $(date -u +%Y-%m-%dT%H:%MZ) $(nproc) cores; submit of $count recipients (order: ${BENCH_ORDER:-sequential})"
write_campaign "$work" "$count" "2099-01-01T00:00:00Z"
start_maild "$work" 9 1
pids+=("$maild_pid")
start=$(now)
/usr/bin/time -f "%M" -o "$work/mailctl.rss" "$bin/mailctl" submit "$work/campaign.json" >"$work/job"
done_at=$(now)
maild_rss=$(peak_rss_mb "$maild_pid")
python3 - "$start" "$done_at" "$count" "$(cat "$work/mailctl.rss")" "$maild_rss" "$(cat "$work/job")" <<'PY'
import sys
start, done, count, mailctl_kb, maild_mb, job = float(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5], sys.argv[6]
print(f"maild   job={job} recipients={count} acknowledged after {done-start:.2f}s ({count/(done-start):.0f} recipients/s) "
      f"peak_rss mailctl={mailctl_kb/1024:.1f} MB maild={maild_mb} MB")
PY
python3 - "$work/recipients.csv" "$work/baseline.db" <<'PY'
import csv, json, sqlite3, sys, time
start = time.monotonic()
db = sqlite3.connect(sys.argv[2])
db.execute("PRAGMA journal_mode=WAL")
db.execute("CREATE TABLE recipients (id INTEGER PRIMARY KEY, job_id INTEGER, address TEXT, variables TEXT, state TEXT)")
db.execute("CREATE UNIQUE INDEX recipients_address ON recipients(job_id, address)")
with open(sys.argv[1], newline="") as f:
    rows = ((1, r["email"], json.dumps({"first_name": r["first_name"]}), "pending") for r in csv.DictReader(f))
    with db:
        db.executemany("INSERT INTO recipients (job_id, address, variables, state) VALUES (?, ?, ?, ?)", rows)
count = db.execute("SELECT COUNT(*) FROM recipients").fetchone()[0]
elapsed = time.monotonic() - start
print(f"python  sqlite3 insert of the same rows: {count} in {elapsed:.2f}s ({count/elapsed:.0f} rows/s)")
PY
