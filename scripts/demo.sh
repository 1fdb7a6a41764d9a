#!/usr/bin/env bash
# The demo: start maild with the development configuration (everything under ./run) and the
# capture sink `mailctl sink` as its relay, submit examples/campaign.json (1,000 personalized
# recipients), follow it with the progress bar to the end, and show where the messages are.
# Nothing leaves this machine.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build --product mailctl >/dev/null
swift build --product maild >/dev/null
bin=$(swift build --show-bin-path)
run=$PWD/run
maildir=$run/demo-mail
mkdir -p "$run"
rm -rf "$maildir" "$run"/maild.db* "$run"/maild.sock

"$bin/mailctl" sink --listen 127.0.0.1:2525 --maildir "$maildir" >"$run/sink.log" 2>&1 &
sink=$!
"$bin/maild" --config etc/maild.dev.conf 2>"$run/maild.log" &
maild=$!
trap 'kill $maild $sink 2>/dev/null || true; wait 2>/dev/null || true' EXIT
export MAILD_SOCKET=$run/maild.sock
for _ in $(seq 100); do "$bin/mailctl" list >/dev/null 2>&1 && break; sleep 0.1; done

echo "maild is running (log: run/maild.log); submitting examples/campaign.json"
status=0
"$bin/mailctl" submit examples/campaign.json --watch || status=$?
count=$(find "$maildir" -name '*.eml' | wc -l)
# Newest by modification time; `tail` reads the whole list, so nothing in the pipeline dies of
# SIGPIPE (which `set -o pipefail` would turn into the script's exit status).
newest=$(find "$maildir" -name '*.eml' -printf '%T@ %p\n' | sort -n | tail -1 | cut -d' ' -f2-)
echo
echo "$count messages captured in $maildir; the newest, $newest, begins:"
head -25 "$newest" | sed 's/^/  | /'
echo
echo "Try: MAILD_SOCKET=$run/maild.sock $bin/mailctl report 1 | head"
exit $status
