#!/usr/bin/env bash
# Message rendering: maild's MessageComposer vs Python's email package, same ~2 KB personalized
# messages (one variable in subject and body, no attachment), in one run, one core each.
# rate is wall-clock, cpu_rate counts only CPU time (the fair figure on a busy, shared machine).
# Then the same rendering with DKIM rsa-2048 signing of every message (as maild sends them),
# on 10% of the messages since RSA signing dominates.
# Usage: bench/message-render.sh [MESSAGES] [PYTHON_MESSAGES]   (defaults 100000 and 20000)
# SCRATCH=.build-something to build elsewhere than .build.
set -euo pipefail
cd "$(dirname "$0")/.."
messages=${1:-100000}
python_messages=${2:-20000}
scratch=${SCRATCH:-.build}

swift build -c release --scratch-path "$scratch" --product message-bench >/dev/null
bench_bin=$(swift build -c release --scratch-path "$scratch" --show-bin-path)/message-bench

echo "# $(date -u +%Y-%m-%dT%H:%MZ) $(nproc) cores, Swift $(swift --version 2>/dev/null | head -1 | sed 's/.*version \([0-9.]*\).*/\1/'), $(python3 --version)"
swift_line=$("$bench_bin" "$messages")
python_line=$(python3 bench/python_email_render.py "$python_messages")
echo "$swift_line"
echo "$python_line"
python3 - "$swift_line" "$python_line" <<'PY'
import re, sys
rate = lambda line, key: float(re.search(rf" {key}=(\d+)", line).group(1))
for key in ("rate", "cpu_rate"):
    swift, python = rate(sys.argv[1], key), rate(sys.argv[2], key)
    print(f"{key}: maild {swift:.0f} msg/s, python {python:.0f} msg/s, ratio {swift / python:.1f}x  (targets: >= 50000 msg/s and >= 20x)")
PY
"$bench_bin" $((messages / 10)) --dkim rsa-2048
"$bench_bin" "$messages" --dkim ed25519
