#!/usr/bin/env bash
# The SIGKILL crash test at scale (issue 8): 50,000 recipients and 20 kills at random moments,
# plus the kill during a submit; the same test the suite runs with 5,000 and 5.
# Usage: bench/crash-scale.sh [RECIPIENTS] [KILLS]   (defaults 50000 and 20)
set -euo pipefail
cd "$(dirname "$0")/.."
export MAILD_CRASH_RECIPIENTS=${1:-50000} MAILD_CRASH_KILLS=${2:-20}
swift build --build-tests >/dev/null
swift test --skip-build --filter CrashTests 2>&1 | grep -E "crash test|crash during|✔|✘|error"
