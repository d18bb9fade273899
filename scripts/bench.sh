#!/usr/bin/env bash
# What one hop of Switchyard costs, measured side by side with nginx as a plain reverse proxy,
# Go's net/http/httputil reverse proxy (the forwarding Go LLM routers use) and the bare stack
# (Hummingbird and AsyncHTTPClient relaying, nothing else), in one run on this machine. The
# proxies run pinned to core 0, the load generator and the fake upstream to core 1, so a cell
# measures the proxy rather than the fight for two shared cores; each cell also gives the
# proxy's CPU time per request (or per streamed event), read from /proc. Prints one table;
# cleans up every process it started.
#   scripts/bench.sh            all scenarios (about 5 minutes after the first build)
#   BENCH_SECONDS=10 scripts/bench.sh     longer wrk runs
#   BENCH_SKIP_MICRO=1 scripts/bench.sh   skip the core micro-benchmarks
#   BENCH_REPEAT=3 scripts/bench.sh       measure every cell 3 times, the columns taking turns,
#                                         and print the median of each figure
#   BENCH_PIN=0 scripts/bench.sh          do not pin (the figures of earlier runs were unpinned)
#   BENCH_SCENARIOS="1 3" scripts/bench.sh   only these scenarios (1 to 5)
# Loopback only. Not run by CI.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { echo "bench: $*" >&2; }

missing=()
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || missing+=(nginx)
command -v wrk >/dev/null || missing+=(wrk)
command -v go >/dev/null || missing+=(golang-go)
scripts/install-packages.sh ${missing[@]+"${missing[@]}"}
scripts/setup.sh >/dev/null
nginx_bin=$(command -v nginx || echo /usr/sbin/nginx)
seconds=${BENCH_SECONDS:-5}
repeat=${BENCH_REPEAT:-1}
ulimit -n 20000 2>/dev/null || true

export SWITCHYARD_BENCHMARKS=1
scratch=.build-bench
log "building release binaries (first time: several minutes)"
swift build -c release --scratch-path "$scratch" >&2
bin=$scratch/release
log "building the Go peer"
GOCACHE=$PWD/$scratch/go-cache go build -o "$scratch/go-peer" Benchmarks/GoPeer/main.go >&2

# One core for the proxy under test, the other for the load generator and the fake upstream.
if [ "${BENCH_PIN:-1}" = 1 ] && [ "$(nproc)" -ge 2 ]; then
    on_proxy_core=(taskset -c 0); on_load_core=(taskset -c 1); placement="proxies pinned to core 0, load and upstream to core 1"
else
    on_proxy_core=(); on_load_core=(); placement="unpinned"
fi

# shellcheck source=scripts/lib/loopback-processes.sh
. scripts/lib/loopback-processes.sh

up=$(free_port); ng=$(free_port); bare=$(free_port); gop=$(free_port); sy=$(free_port); sy_ollama=$(free_port)
${on_load_core[@]+"${on_load_core[@]}"} "$bin/BenchUpstream" "$up" >"$work/upstream.log" 2>&1 &
pids+=($!)
mkdir -p "$work/nginx"
cat >"$work/nginx.conf" <<NGINX
worker_processes auto;
pid $work/nginx.pid;
error_log $work/nginx-error.log warn;
events { worker_connections 8192; }
http {
    access_log off;
    client_body_temp_path $work/nginx; proxy_temp_path $work/nginx; fastcgi_temp_path $work/nginx;
    uwsgi_temp_path $work/nginx; scgi_temp_path $work/nginx;
    upstream fake { server 127.0.0.1:$up; keepalive 256; }
    server {
        listen 127.0.0.1:$ng;
        location / {
            proxy_pass http://fake;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_buffering off;
            proxy_request_buffering off;
        }
    }
}
NGINX
${on_proxy_core[@]+"${on_proxy_core[@]}"} "$nginx_bin" -c "$work/nginx.conf" -p "$work" -g 'daemon off;' 2>"$work/nginx.log" &
ng_pid=$!
pids+=($ng_pid)
# Hummingbird and AsyncHTTPClient with nothing of Switchyard's: the stack's own ceiling.
${on_proxy_core[@]+"${on_proxy_core[@]}"} "$bin/BenchBareProxy" "$bare" "http://127.0.0.1:$up" >"$work/bare.log" 2>&1 &
bare_pid=$!
pids+=($bare_pid)
${on_proxy_core[@]+"${on_proxy_core[@]}"} "$scratch/go-peer" "$gop" "http://127.0.0.1:$up" >"$work/go-peer.log" 2>&1 &
go_pid=$!
pids+=($go_pid)
# Request logs at info cost a line per request; the benchmark measures the proxy, not the log.
${on_proxy_core[@]+"${on_proxy_core[@]}"} "$bin/switchyard" serve --listen "127.0.0.1:$sy" --upstream "http://127.0.0.1:$up" \
    --log-level warning >"$work/switchyard.log" 2>&1 &
sy_pid=$!
pids+=($sy_pid)
${on_proxy_core[@]+"${on_proxy_core[@]}"} "$bin/switchyard" serve --listen "127.0.0.1:$sy_ollama" --upstream "http://127.0.0.1:$up" \
    --upstream-dialect ollama --log-level warning >"$work/switchyard-ollama.log" 2>&1 &
sy_ollama_pid=$!
pids+=($sy_ollama_pid)
wait_ready "http://127.0.0.1:$up/v1/models"; wait_ready "http://127.0.0.1:$ng/v1/models"; wait_ready "http://127.0.0.1:$bare/"
wait_ready "http://127.0.0.1:$gop/v1/models"; wait_ready "http://127.0.0.1:$sy/"; wait_ready "http://127.0.0.1:$sy_ollama/"

# CPU time (user + system, clock ticks) of processes and their children (nginx's workers).
ticks_per_second=$(getconf CLK_TCK)
cpu_ticks() {
    local total=0 pid children
    children=$(pgrep -d' ' -P "$(IFS=,; echo "$*")" 2>/dev/null || true)
    for pid in "$@" $children; do
        [ -r "/proc/$pid/stat" ] && total=$(( total + $(awk '{print $14 + $15}' "/proc/$pid/stat") ))
    done
    echo "$total"
}
# Runs a measuring command (which writes how many requests or events it counted to
# $work/units) and adds the CPU the given processes spent per unit, in µs, before the last
# figure (the error count). With no process (the direct column) the CPU figure is nan.
with_cpu() {
    local pids=$1 command=$2 before after figures
    # shellcheck disable=SC2086
    [ -n "$pids" ] && before=$(cpu_ticks $pids)
    figures=$(eval "$command")
    # shellcheck disable=SC2086
    [ -n "$pids" ] && after=$(cpu_ticks $pids)
    python3 - "$figures" "${before:-}" "${after:-}" "$(cat "$work/units" 2>/dev/null || echo 0)" "$ticks_per_second" <<'PY'
import sys
figures, before, after, units, hz = sys.argv[1].split(), sys.argv[2], sys.argv[3], float(sys.argv[4]), float(sys.argv[5])
cpu = (int(after) - int(before)) / hz * 1e6 / units if before and units > 0 else float("nan")
print(" ".join(figures[:-1] + [f"{cpu:.2f}", figures[-1]]))
PY
}

results=$work/results.tsv
: >"$results"

# wrk with a POST body (or a GET, with GET as a fourth argument): prints "rps p50_ms p99_ms".
run_wrk() {
    local url=$1 body=$2 connections=$3
    local script=$work/post.lua
    if [ "${4:-POST}" = GET ]; then
        printf 'wrk.method = "GET"\n' >"$script"
    else
        printf 'wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\nwrk.body = [[%s]]\n' "$body" >"$script"
    fi
    local threads=$(( connections < 2 ? 1 : 2 ))
    ${on_load_core[@]+"${on_load_core[@]}"} wrk -t"$threads" -c"$connections" -d"${seconds}s" --latency -s "$script" "$url" \
        >"$work/wrk.out" 2>&1 || true
    python3 - "$work/wrk.out" "$work/units" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
total = re.search(r"(\d+) requests in", text)
open(sys.argv[2], "w").write(total.group(1) if total else "0")
def ms(label):
    m = re.search(r"^\s*" + label + r"\s+([\d.]+)(us|ms|s)\b", text, re.M)
    if not m: return float("nan")
    value, unit = float(m.group(1)), m.group(2)
    return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value
rps = re.search(r"Requests/sec:\s+([\d.]+)", text)
errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
print(f"{float(rps.group(1)) if rps else float('nan'):.0f} {ms('50%'):.3f} {ms('99%'):.3f} {errors.group(1) if errors else 0}")
PY
}

# The streaming client: prints its JSON summary.
run_streams() {
    local out
    out=$(${on_load_core[@]+"${on_load_core[@]}"} "$bin/BenchStreamClient" "$@")
    field "$out" chunks >"$work/units"
    echo "$out"
}
field() { python3 -c 'import json,sys; print(round(json.loads(sys.argv[1])[sys.argv[2]], 3))' "$1" "$2"; }

wanted() { [[ " ${BENCH_SCENARIOS:-1 2 3 4 5} " == *" $1 "* ]]; }
record() { printf '%s\t%s\t%s\t%s\n' "$@" >>"$results"; }  # name, c, the five columns (tab-separated), measure

# The median of each figure over several runs ("a b c" per line in, "a b c" out); errors summed up as the most seen.
median() { python3 -c '
import statistics, sys
rows = [[float(x) for x in line.split()] for line in sys.stdin if line.strip()]
columns = list(zip(*rows))
# The last figure is an error count: any error in any run shows.
print(" ".join([f"{statistics.median(column):g}" for column in columns[:-1]] + [f"{max(columns[-1]):g}"]))'; }

# One cell, five columns taking turns $repeat times (so a slow spell of this shared machine
# falls on all of them): prints the direct, nginx, Go, bare-stack and switchyard medians,
# tab-separated. Each argument is a command printing one line of figures. The Go peer and the
# bare stack are given nginx's command with nginx's port swapped for their own: they proxy what
# nginx proxies. The fourth argument is the Switchyard process measured (default the OpenAI one).
measure() {
    local d="" n="" g="" b="" s="" switchyard=${4:-$sy_pid}
    for _ in $(seq 1 "$repeat"); do
        d+="$(with_cpu "" "$1")"$'\n'
        n+="$(with_cpu "$ng_pid" "$2")"$'\n'
        g+="$(with_cpu "$go_pid" "${2//:$ng\//:$gop/}")"$'\n'
        b+="$(with_cpu "$bare_pid" "${2//:$ng\//:$bare/}")"$'\n'
        s+="$(with_cpu "$switchyard" "$3")"$'\n'
    done
    printf '%s\t%s\t%s\t%s\t%s' "$(median <<<"$d")" "$(median <<<"$n")" "$(median <<<"$g")" "$(median <<<"$b")" "$(median <<<"$s")"
}
streams() { local out; out=$(run_streams "$@"); echo "$(field "$out" chunks_per_s) $(field "$out" errors)"; }

plain='{"model":"bench-1-0","messages":[{"role":"user","content":"hi"}],"stream":false}'
for c in 1 64; do
    wanted 1 && log "scenario 1: /v1/chat/completions, not streamed, pass-through, c=$c" &&
    record "1 pass-through /v1 non-stream" "$c" "$(measure "run_wrk http://127.0.0.1:$up/v1/chat/completions '$plain' $c" \
        "run_wrk http://127.0.0.1:$ng/v1/chat/completions '$plain' $c" "run_wrk http://127.0.0.1:$sy/v1/chat/completions '$plain' $c")" "rps p50 p99 cpu_us/req"
    wanted 2 && log "scenario 2: /api/chat, not streamed, translated to OpenAI, c=$c" &&
    record "2 /api/chat non-stream, translated" "$c" "$(measure "run_wrk http://127.0.0.1:$up/api/chat '$plain' $c" \
        "run_wrk http://127.0.0.1:$ng/v1/chat/completions '$plain' $c" "run_wrk http://127.0.0.1:$sy/api/chat '$plain' $c")" "rps p50 p99 cpu_us/req"
done

long_sse='{"model":"bench-1000-0","messages":[{"role":"user","content":"hi"}],"stream":true}'
long_ollama='{"model":"bench-1000-0","messages":[{"role":"user","content":"hi"}]}'
for c in 1 64; do
    n=$(( c == 1 ? 20 : 256 ))
    wanted 3 && log "scenario 3: /api/chat streaming 1000 chunks, SSE→NDJSON, c=$c" &&
    record "3 /api/chat stream 1000, SSE→NDJSON" "$c" "$(measure "streams http://127.0.0.1:$up/v1/chat/completions '$long_sse' $c $n sse" \
        "streams http://127.0.0.1:$ng/v1/chat/completions '$long_sse' $c $n sse" "streams http://127.0.0.1:$sy/api/chat '$long_ollama' $c $n ndjson")" \
        "chunks/s cpu_us/chunk errors"
    wanted 4 && log "scenario 4: /v1/chat/completions streaming 1000 chunks over Ollama, NDJSON→SSE, c=$c" &&
    record "4 /v1 stream 1000 over Ollama, NDJSON→SSE" "$c" "$(measure "streams http://127.0.0.1:$up/api/chat '$long_ollama' $c $n ndjson" \
        "streams http://127.0.0.1:$ng/api/chat '$long_ollama' $c $n ndjson" \
        "streams http://127.0.0.1:$sy_ollama/v1/chat/completions '$long_sse' $c $n sse" "$sy_ollama_pid")" "chunks/s cpu_us/chunk errors"
done

if wanted 5; then
log "scenario 5: 1000 concurrent token-paced streams (100 chunks, 20 ms apart), opened over 3 s"
slow_sse='{"model":"bench-100-20","messages":[{"role":"user","content":"hi"}],"stream":true}'
slow_ollama='{"model":"bench-100-20","messages":[{"role":"user","content":"hi"}]}'
slow() {
    local out
    out=$(run_streams "$@" 3)
    echo "$(field "$out" ttfb_p50_ms) $(field "$out" ttfb_p99_ms) $(field "$out" chunk_trip_p50_ms) $(field "$out" chunk_trip_p99_ms) $(field "$out" errors)"
}
record "5 1000 slow streams, /api/chat translated" 1000 "$(measure "slow http://127.0.0.1:$up/v1/chat/completions '$slow_sse' 1000 1000 sse" \
    "slow http://127.0.0.1:$ng/v1/chat/completions '$slow_sse' 1000 1000 sse" "slow http://127.0.0.1:$sy/api/chat '$slow_ollama' 1000 1000 ndjson")" \
    "ttfb_p50 ttfb_p99 trip_p50 trip_p99 cpu_us/chunk errors"
fi
peak=$(awk '/VmHWM/ {print $2}' "/proc/$sy_pid/status")
# The server half alone: a route Switchyard answers itself, no upstream. What a proxied
# request can cost at the least on this stack.
floor=""
if wanted 1; then
    log "floor: GET /api/version, answered by Switchyard itself"
    for c in 1 64; do floor+="c=$c: $(with_cpu "$sy_pid" "run_wrk http://127.0.0.1:$sy/api/version '' $c GET" | awk '{print $1 " req/s, " $4 " µs CPU/req"}'); "; done
fi

echo
echo "Switchyard $(git describe --always --dirty 2>/dev/null || echo unknown) on $(nproc) cores, $(date -u +%Y-%m-%d); $placement; wrk ${seconds}s per cell; median of $repeat run(s) per cell"
python3 - "$results" "$peak" "$floor" <<'PY'
import math, sys
rows = [line.rstrip("\n").split("\t") for line in open(sys.argv[1])]
def figure(cell, index):
    try: return float(cell.split()[index])
    except (ValueError, IndexError): return float("nan")
def ratio(a, b): return "n/a" if not b or math.isnan(a) or math.isnan(b) else f"{a / b:.2f}x"
columns = ["direct", "nginx", "go httputil", "bare stack", "switchyard"]
print(f"{'scenario':42} {'c':>5} | " + " | ".join(f"{name:>30}" for name in columns)
      + f" | {'sy vs nginx':>11} | {'sy vs go':>9} | {'sy cpu/go cpu':>13} | measure")
for name, c, direct, nginx, go, bare, switchyard, measure in rows:
    if measure.startswith("ttfb"):
        # Added over direct: time to the first chunk p50/p99, then each chunk's trip p50/p99.
        def versus(cell, base=direct):
            return (f"+{figure(cell, 0) - figure(base, 0):.0f}/+{figure(cell, 1) - figure(base, 1):.0f}ms "
                    f"chunk +{figure(cell, 2) - figure(base, 2):.1f}/+{figure(cell, 3) - figure(base, 3):.1f}ms")
        speed_nginx, speed_go = versus(switchyard), versus(switchyard, go)
    else:
        speed_nginx, speed_go = ratio(figure(switchyard, 0), figure(nginx, 0)), ratio(figure(switchyard, 0), figure(go, 0))
    cpu = ratio(figure(switchyard, -2), figure(go, -2))
    print(f"{name:42} {c:>5} | " + " | ".join(f"{cell:>30}" for cell in (direct, nginx, go, bare, switchyard))
          + f" | {speed_nginx:>11} | {speed_go:>9} | {cpu:>13} | {measure}")
print(f"switchyard peak resident memory: {int(sys.argv[2]) / 1024:.1f} MB")
if sys.argv[3]: print(f"switchyard floor, GET /api/version answered without the upstream: {sys.argv[3]}")
print("cpu_us: the proxy's CPU time (user + system, /proc) per request or per streamed chunk; go httputil: Benchmarks/GoPeer")
print("bare stack: Hummingbird + AsyncHTTPClient relaying what nginx relays, nothing of Switchyard's (Benchmarks/BenchBareProxy)")
PY

if [ -z "${BENCH_SKIP_MICRO:-}" ]; then
    echo
    log "core micro-benchmarks"
    swift package --scratch-path "$scratch" --allow-writing-to-package-directory benchmark --target CoreBenchmarks --format markdown --no-progress 2>&1 \
        | grep -vE "^(Build|Compiling|Linking|\[)" || true
fi
