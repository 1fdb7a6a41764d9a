#!/usr/bin/env bash
# Coverage-guided fuzzing of maild's parsers with libFuzzer and AddressSanitizer
# (swiftc -sanitize=fuzzer,address, from the Swift toolchain). See docs/reliability.md#fuzzing.
#
# Usage: Tests/Fuzz/run.sh [SECONDS] [TARGET...]
#   SECONDS  how long each fuzzer runs (default 600); 0 only builds
#   TARGET   any of: reply ipc campaign csv address header (default: all, one after the other)
#
#   reply     SMTP reply parser (Sources/SMTP/Reply), input split into reads of varying size
#   ipc       IPC frame decoder, then the JSON envelope as maild decodes it (Sources/IPC)
#   campaign  campaign file loader and CampaignSpec as it crosses IPC (Sources/Message/Campaign)
#   csv       streaming recipient CSV reader (Sources/Message/Campaign/RecipientCSVReader.swift)
#   address   address parser (Sources/Message/Addresses)
#   header    header encoder: encoded-words, folding, parameters (Sources/Message/Headers)
#
# Environment:
#   FUZZ_SCRATCH  SwiftPM scratch folder for the dependencies (default .build-fuzz)
#   FUZZ_NICE     niceness of builds and runs (default 19: fuzzing must not slow other work)
#
# Why it is built outside SwiftPM: SwiftPM has no libFuzzer mode, and the fuzzer runtime brings
# its own main(). So the code under test is compiled here with swiftc, instrumented, as a module
# of the same name (IPC, Message, SMTP) with -enable-testing so the harness can
# `@testable import` it; each harness (Tests/Fuzz/*Fuzzer.swift) is its own small module.
# Package dependencies are not instrumented (their coverage is not what we explore): NIOCore
# (ByteBuffer, for the IPC decoder) and Mustache (templates, for the campaign loader) are built
# by SwiftPM in the scratch folder (`swift build --target`), their objects put in a static
# archive that the linker takes only what it needs from, and their modules found with -I. The
# fuzzed code is the real source files, unchanged, so what the fuzzer proves holds for maild.
#
# Outputs (all in $FUZZ_SCRATCH/fuzz, nothing in the tree except crashes):
#   bin/<target>          the fuzzers; run one by hand with -runs=1 FILE to replay a crash
#   corpus/<target>/      the growing working corpus (seeds: Tests/Fuzz/corpus/<target>/)
#   logs/<target>.log     libFuzzer's full output
#   Tests/Fuzz/crashes/<target>-crash-*   crashing, hanging (timeout-*, over 60 s) or leaking
#                         (leak-*) inputs; each becomes a regression test
#                         (Tests/*Tests/Fuzz*RegressionTests.swift). A broken invariant prints
#                         "INVARIANT BROKEN: ..." (Tests/Fuzz/FuzzCheck.swift) before the stack.

# The whole script is one block, read before it runs: editing it during a long run is safe.
{
set -euo pipefail
cd "$(dirname "$0")/../.."

seconds=${1:-600}
shift || true
all_targets=(reply ipc campaign csv address header)
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=("${all_targets[@]}")
for target in "${targets[@]}"; do
    case " ${all_targets[*]} " in *" $target "*) ;; *) echo "unknown target $target (one of: ${all_targets[*]})" >&2; exit 2 ;; esac
done

scratch=${FUZZ_SCRATCH:-.build-fuzz}
nice_level=${FUZZ_NICE:-19}
out=$scratch/fuzz
mkdir -p "$out"/{bin,mod,obj,lib,logs,corpus,work} Tests/Fuzz/crashes
run_nice() { nice -n "$nice_level" "$@"; }

swift_flags=(-O -sanitize=fuzzer,address -parse-as-library -swift-version 6 -use-ld=lld)

# The dependency modules: SwiftPM builds them (debug is enough, they are not what we fuzz).
# Sets dep_flags (swiftc flags that find their Swift and C modules) and dep_archive (their
# objects, in one static archive the linker takes only what it needs from).
dependency_flags() {
    local debug="$scratch/debug" products=("$@") product map
    for product in "${products[@]}"; do
        run_nice swift build --scratch-path "$scratch" --target "$product" >"$out/logs/deps-$product.log" 2>&1 \
            || { echo "swift build --target $product failed, see $out/logs/deps-$product.log" >&2; exit 1; }
    done
    dep_archive="$out/lib/libdeps-$(IFS=-; echo "${products[*]}").a"
    rm -f "$dep_archive"
    find "$debug"/ -maxdepth 2 -name '*.o' \
        \( -path '*/NIO*.build/*' -o -path '*/_NIO*.build/*' -o -path '*/CNIO*.build/*' -o -path '*/Atomics.build/*' \
           -o -path '*/_AtomicsShims.build/*' -o -path '*/DequeModule.build/*' -o -path '*/InternalCollectionsUtilities.build/*' \
           -o -path '*/Mustache.build/*' \) \
        -not -path '*/NIOPosix.build/*' -not -path '*/NIOEmbedded.build/*' -print0 | xargs -0 ar rcs "$dep_archive"
    dep_flags="-I $debug/Modules"
    for map in "$debug"/*.build/module.modulemap "$scratch"/checkouts/*/Sources/*/include/module.modulemap; do
        [ -f "$map" ] || continue
        dep_flags+=" -Xcc -fmodule-map-file=$map -Xcc -I -Xcc $(dirname "$map")"
    done
}

# build_module NAME EXTRA_FLAGS SOURCES...: the code under test, instrumented, as one object.
# Skipped when the object is newer than every source and was built with the same flags.
up_to_date() {
    local product=$1 stamp=$2
    shift 2
    [ -f "$product" ] && [ -f "$product.flags" ] && [ "$(cat "$product.flags")" = "$stamp" ] \
        && [ -z "$(find "$@" -newer "$product" 2>/dev/null | head -n 1)" ]
}

build_module() {
    local name=$1 extra=$2
    shift 2
    local stamp="${swift_flags[*]} $extra $*"
    up_to_date "$out/obj/$name.o" "$stamp" "$@" && return
    # shellcheck disable=SC2086
    run_nice swiftc "${swift_flags[@]}" -enable-testing -wmo -module-name "$name" -I "$out/mod" $extra \
        -emit-module -emit-module-path "$out/mod/$name.swiftmodule" -c -o "$out/obj/$name.o" "$@" \
        >"$out/logs/build-$name.log" 2>&1 || { cat "$out/logs/build-$name.log" >&2; exit 1; }
    echo "$stamp" >"$out/obj/$name.o.flags"
}

# build_fuzzer TARGET HARNESS EXTRA_FLAGS OBJECTS...
build_fuzzer() {
    local target=$1 harness=$2 extra=$3
    shift 3
    local stamp="${swift_flags[*]} $extra $harness $*"
    up_to_date "$out/bin/$target" "$stamp" "$harness" Tests/Fuzz/FuzzCheck.swift "$@" && return
    # shellcheck disable=SC2086
    run_nice swiftc "${swift_flags[@]}" -module-name "$(basename "$harness" .swift)" -I "$out/mod" $extra \
        "$harness" Tests/Fuzz/FuzzCheck.swift "$@" -o "$out/bin/$target" >"$out/logs/build-$target.log" 2>&1 \
        || { grep -v 'Cannot export local symbol' "$out/logs/build-$target.log" >&2; exit 1; }
    echo "$stamp" >"$out/bin/$target.flags"
}

message_sources() { find Sources/Message -name '*.swift' | sort; }
ipc_sources() { find Sources/IPC/Framing Sources/IPC/Protocol Sources/IPC/IPCError.swift -name '*.swift' | sort; }

built_message=false
build_message() {
    $built_message && return
    dependency_flags Mustache
    message_flags="$dep_flags -I Sources/COpenSSL"
    message_archive=$dep_archive
    # shellcheck disable=SC2046
    build_module Message "$message_flags" $(message_sources)
    built_message=true
}

build() {
    local target=$1
    echo "== building $target"
    case $target in
    reply)
        # The reply parser needs nothing but the standard library.
        build_module SMTP "" Sources/SMTP/Reply/*.swift
        build_fuzzer reply Tests/Fuzz/ReplyParserFuzzer.swift "" "$out/obj/SMTP.o"
        ;;
    ipc)
        dependency_flags NIOCore
        # IPCClient.swift (NIOPosix sockets) is left out: the fuzzer feeds bytes, not a socket.
        # shellcheck disable=SC2046
        build_module IPC "$dep_flags" $(ipc_sources)
        build_fuzzer ipc Tests/Fuzz/IPCFrameFuzzer.swift "$dep_flags" "$out/obj/IPC.o" "$dep_archive"
        ;;
    campaign | csv | address | header)
        build_message
        local harness
        case $target in
        campaign) harness=CampaignFuzzer ;;
        csv) harness=RecipientCSVFuzzer ;;
        address) harness=AddressFuzzer ;;
        header) harness=HeaderEncoderFuzzer ;;
        esac
        build_fuzzer "$target" "Tests/Fuzz/$harness.swift" "$message_flags -lssl -lcrypto" "$out/obj/Message.o" "$message_archive"
        ;;
    esac
}

fuzz() {
    local target=$1 log="$out/logs/$1.log" started status=0
    mkdir -p "$out/corpus/$target" "$out/work/$target"
    started=$(date -u +%Y-%m-%dT%H:%M:%SZ)
    local start_seconds=$SECONDS
    echo "== fuzzing $target for $seconds s (started $started, log $log)"
    # The first corpus folder collects what libFuzzer finds; the seeds are only read.
    # SWIFT_BACKTRACE off: the Swift backtracer trips over AddressSanitizer; ASan prints the stack.
    FUZZ_WORKDIR="$out/work/$target" SWIFT_BACKTRACE=enable=no run_nice "$out/bin/$target" \
        -max_total_time="$seconds" -max_len=4096 -timeout=60 -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="Tests/Fuzz/crashes/$target-" \
        "$out/corpus/$target" "Tests/Fuzz/corpus/$target" >"$log" 2>&1 || status=$?
    local runs rss corpus
    runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
    rss=$(grep -o 'stat::peak_rss_mb: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
    corpus=$(find "$out/corpus/$target" -type f | wc -l)
    echo "$target: exit $status, $runs executions in $((SECONDS - start_seconds)) s, working corpus $corpus files," \
        "peak RSS $rss MB ($(grep -o 'cov: [0-9]* ft: [0-9]*' "$log" | tail -n 1))"
    if [ "$status" -ne 0 ]; then
        grep -E 'ERROR|Fatal error|Test unit written|SUMMARY|panic' "$log" | head -n 20
        failed+=("$target")
    fi
}

for target in "${targets[@]}"; do build "$target"; done
[ "$seconds" -eq 0 ] && exit 0
failed=()
for target in "${targets[@]}"; do fuzz "$target"; done
if [ ${#failed[@]} -gt 0 ]; then
    echo "FAILED: ${failed[*]} (inputs in Tests/Fuzz/crashes/)"
    exit 1
fi
echo "all clean: ${targets[*]}"
exit 0
}
