#!/usr/bin/env bash
# The demo: start the capture sink, send a message into it with `mailctl verify --send-test`,
# and show where the captured message is. Nothing leaves this machine.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build --product mailctl >/dev/null
mailctl=$(swift build --show-bin-path)/mailctl
port=${DEMO_PORT:-2525}
maildir=${DEMO_MAILDIR:-$PWD/demo-mail}
mkdir -p "$maildir"

"$mailctl" sink --listen "127.0.0.1:$port" --maildir "$maildir" &
sink=$!
trap 'kill $sink 2>/dev/null || true' EXIT
for _ in $(seq 50); do (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.1; done

"$mailctl" verify --host 127.0.0.1 --port "$port" --tls none --from demo@maild.localhost --send-test reader@example.com
newest=$(ls -t "$maildir"/*.eml | head -1)
echo
echo "Captured in $newest:"
sed 's/^/  | /' "$newest"
