#!/usr/bin/env bash
# Runs the libFuzzer targets in Fuzz/ (parsers and translators that read untrusted bytes).
#   scripts/fuzz.sh [SECONDS] [TARGET...]   each target for SECONDS (default 60); all by default
# Builds one binary with -sanitize=fuzzer,address from Fuzz/ and Sources/SwitchyardCore into
# .build-fuzz/ (never part of `swift build`), seeds each corpus from Fixtures/, and stops at the
# first crash, leaving its input as .build-fuzz/crash-*. Exit status: 0 when nothing was found.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-60}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(sse lines scanner sse-ndjson ndjson-sse ollama-request openai-request keepalive sse-anthropic sse-responses ndjson-surfaces surface-request derived-model shell-words)

out=.build-fuzz
mkdir -p "$out"
binary=$out/switchyard-fuzz
sources=$(find Sources/SwitchyardCore Fuzz -name '*.swift' | sort)
if [ ! -x "$binary" ] || [ -n "$(find $sources -newer "$binary" | head -1)" ]; then
    echo "fuzz: building $binary" >&2
    # shellcheck disable=SC2086
    swiftc -sanitize=fuzzer,address -parse-as-library -O -g -module-name SwitchyardFuzz -package-name switchyard -swift-version 6 \
        -enable-upcoming-feature ExistentialAny -enable-upcoming-feature MemberImportVisibility \
        $sources -o "$binary" 2>"$out/build.log" || { grep -v "ld.gold: warning" "$out/build.log" >&2; exit 1; }
fi

seed() {  # seed corpus for a target, from the recorded traffic
    local target=$1 dir=$out/corpus/$1
    mkdir -p "$dir"
    case $target in
        sse|sse-ndjson|sse-anthropic|sse-responses) cp Fixtures/llama-server/*.sse "$dir/" ;;
        lines|ndjson-sse|ndjson-surfaces) for file in Fixtures/ollama/*.ndjson Fixtures/ollama-docs/*.ndjson Fixtures/switchyard-ollama/*.ndjson; do
                cp "$file" "$dir/$(basename "$(dirname "$file")")-$(basename "$file")"; done ;;
        scanner) cp Fixtures/llama-server/*.json "$dir/"
            # single chunks of the recorded streams, the scanner's real input
            grep -h '^data: {' Fixtures/llama-server/*.sse | head -200 | sed 's/^data: //' | split -l 1 - "$dir/chunk-" ;;
        ollama-request) cp Fixtures/switchyard-ollama/*.request.json "$dir/" ;;
        openai-request) cp Fixtures/llama-server/*.json "$dir/" ;;
        surface-request) cp Fixtures/llama-server/*.json "$dir/"; cp Fixtures/surfaces/*.json "$dir/" 2>/dev/null || true ;;
        derived-model) cp Fixtures/switchyard-ollama/*.request.json "$dir/"
            printf '%s' '{"model":"p","from":"t","system":"s","parameters":{"temperature":0.2,"stop":["x"]},"messages":[{"role":"user","content":"a"}],"input":"i"}' >"$dir/create" ;;
        shell-words) printf '%s' "llama-server -m '/a b.gguf' --port \${PORT} --alias \"x\\\"y\" c\\ d" >"$dir/a" ;;
        keepalive) printf '"5m"' >"$dir/a"; printf '300' >"$dir/b"; printf '"-1h30m15.5s"' >"$dir/c"; printf '"1.5µs"' >"$dir/d" ;;
    esac
}

status=0
for target in "${targets[@]}"; do
    seed "$target"
    echo "fuzz: $target for ${seconds}s" >&2
    if ! SWITCHYARD_FUZZ_TARGET=$target "$binary" -max_total_time="$seconds" -max_len=65536 -timeout=10 -rss_limit_mb=4096 \
        -print_final_stats=1 -artifact_prefix="$out/crash-$target-" "$out/corpus/$target" 2>"$out/$target.log"; then
        echo "fuzz: $target FAILED, see $out/$target.log and $out/crash-$target-*" >&2
        status=1
    fi
    grep -E '^stat::number_of_executed_units|^#[0-9]+.*DONE' "$out/$target.log" | tail -2 >&2 || true
done
exit $status
