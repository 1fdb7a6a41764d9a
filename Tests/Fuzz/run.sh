#!/usr/bin/env bash
# Coverage-guided fuzzing of the SMTP reply parser with libFuzzer and AddressSanitizer.
# Usage: Tests/Fuzz/run.sh [SECONDS]   (default 600)
# Crashes are written to Tests/Fuzz/crashes/; turn each into a regression test.
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-600}
out=$(mktemp -d)
swiftc -O -sanitize=fuzzer,address -parse-as-library \
  Sources/SMTP/Reply/SMTPReply.swift Sources/SMTP/Reply/EnhancedStatusCode.swift Sources/SMTP/Reply/ReplyParser.swift \
  Tests/Fuzz/ReplyParserFuzzer.swift -module-name SMTP -o "$out/reply-fuzzer"
mkdir -p Tests/Fuzz/crashes "$out/corpus"
cp Tests/Fuzz/corpus/reply/* "$out/corpus/"
"$out/reply-fuzzer" -max_total_time="$seconds" -max_len=4096 -timeout=5 -rss_limit_mb=1024 \
  -artifact_prefix=Tests/Fuzz/crashes/ "$out/corpus" 2>&1 | tail -n 15
