#!/usr/bin/env bash
# Throttle accuracy of maild end to end (issue 6): 20/s for 30 s and 1/2s for 60 s against a
# timestamping SMTP sink, printed beside the configured limits. Takes about two minutes.
# Usage: bench/throttle-accuracy.sh   (SCRATCH=.build-x to build elsewhere than .build)
set -euo pipefail
cd "$(dirname "$0")/.."
scratch=${SCRATCH:-.build}
swift build -c release --scratch-path "$scratch" --product maild >/dev/null
swift build -c release --scratch-path "$scratch" --product mailctl >/dev/null
bin_dir=$(swift build -c release --scratch-path "$scratch" --show-bin-path)
exec python3 bench/throttle-accuracy.py "$bin_dir"
