#!/usr/bin/env bash
# Soak: holds many slow streams open through one Switchyard for a long time — a third each
# through /api/chat, /v1/messages and /v1/responses, all translated — while a second client
# sends hostile requests, then reports stream errors, process restarts (must be 0) and
# resident memory at start and end (flat within 10 %). Not part of CI.
#   scripts/soak.sh [MINUTES] [STREAMS]     default: 10 minutes, 1000 streams
# Everything binds 127.0.0.1 on free ports and is stopped at the end. Release binaries are
# built into .build-bench (shared with scripts/bench.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
log() { echo "soak: $*" >&2; }

minutes=${1:-10}
streams=${2:-1000}
ulimit -n 20000 2>/dev/null || true
export SWITCHYARD_BENCHMARKS=1
scratch=.build-bench
log "building release binaries (first time: several minutes)"
for product in switchyard BenchUpstream BenchStreamClient; do
    swift build -c release --scratch-path "$scratch" --product "$product" >&2
done
bin=$scratch/release

# shellcheck source=scripts/lib/loopback-processes.sh
. scripts/lib/loopback-processes.sh
rss_kb() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }

up=$(free_port); sy=$(free_port)
# Each stream lasts the whole soak: chunks 200 ms apart (the fake upstream reads the shape
# from the model name, which Switchyard passes on, and lists it for the Ollama surface).
chunks=$((minutes * 60 * 5))
model="bench-$chunks-200"
BENCH_EXTRA_MODELS=$model "$bin/BenchUpstream" "$up" >"$work/upstream.log" 2>&1 &
pids+=($!)
"$bin/switchyard" serve --listen "127.0.0.1:$sy" --upstream "http://127.0.0.1:$up" --log-level warning >"$work/switchyard.log" 2>&1 &
switchyard_pid=$!
pids+=("$switchyard_pid")
wait_ready "http://127.0.0.1:$up/v1/models"
wait_ready "http://127.0.0.1:$sy/"

shown=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$sy/api/show" -d "{\"model\":\"$model\"}")
[ "$shown" = 200 ] || { log "the soak model is not served (/api/show: $shown)"; exit 1; }
body="{\"model\":\"$model\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"
anthropic="{\"model\":\"$model\",\"max_tokens\":100000,\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"
responses="{\"model\":\"$model\",\"stream\":true,\"input\":\"hi\"}"
third=$((streams / 3))
log "$streams streams of $chunks chunks 200 ms apart (${minutes} min) through /api/chat, /v1/messages and /v1/responses, hostile requests alongside"
"$bin/BenchStreamClient" "http://127.0.0.1:$sy/api/chat" "$body" $((streams - 2 * third)) $((streams - 2 * third)) ndjson \
    >"$work/streams.json" 2>"$work/streams.log" &
client_pid=$!
pids+=("$client_pid")
"$bin/BenchStreamClient" "http://127.0.0.1:$sy/v1/messages" "$anthropic" "$third" "$third" sse >"$work/messages.json" 2>"$work/messages.log" &
messages_pid=$!
pids+=("$messages_pid")
"$bin/BenchStreamClient" "http://127.0.0.1:$sy/v1/responses" "$responses" "$third" "$third" sse >"$work/responses.json" 2>"$work/responses.log" &
responses_pid=$!
pids+=("$responses_pid")
sleep 20  # let the streams open
rss_start=$(rss_kb "$switchyard_pid")
log "resident memory with the streams open: $((rss_start / 1024)) MB"
python3 scripts/soak_hostile.py "127.0.0.1:$sy" $((minutes * 60 - 40)) >"$work/hostile.json" &
hostile_pid=$!
pids+=("$hostile_pid")

# Sampled every 5 s; the last sample taken while the streams are all still open is the end.
peak=$rss_start
rss_end=$rss_start
timeline=()
samples=0
while kill -0 "$client_pid" 2>/dev/null; do
    kill -0 "$switchyard_pid" 2>/dev/null || break
    now=$(rss_kb "$switchyard_pid" || echo 0)
    [ "$now" -gt "$peak" ] && peak=$now
    kill -0 "$hostile_pid" 2>/dev/null && rss_end=$now
    [ $((samples % 12)) = 0 ] && timeline+=("$((now / 1024))")  # once a minute
    samples=$((samples + 1))
    sleep 5
done
wait "$hostile_pid" 2>/dev/null || true
restarts=0
kill -0 "$switchyard_pid" 2>/dev/null || restarts=1
wait "$client_pid" "$messages_pid" "$responses_pid" 2>/dev/null || true
for surface in streams messages responses; do
    echo "$surface: $(cat "$work/$surface.json")"
    grep -q '"errors":0,' "$work/$surface.json" || log "some $surface streams failed; the client said: $(head -c 500 "$work/$surface.log")"
done
echo "hostile:  $(cat "$work/hostile.json")"
echo "process:  restarts=$restarts (the same pid served throughout: $([ $restarts = 0 ] && echo yes || echo no))"
echo "timeline: ${timeline[*]} MB (a minute apart)"
echo "memory:   start $((rss_start / 1024)) MB, end $((rss_end / 1024)) MB, peak $((peak / 1024)) MB" \
    "($(python3 -c "print(f'{($rss_end - $rss_start) * 100 / $rss_start:+.1f} %')"))"
[ "$restarts" = 0 ] || { log "Switchyard died; its log:"; tail -20 "$work/switchyard.log" >&2; exit 1; }
