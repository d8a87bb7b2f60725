#!/usr/bin/env bash
# The daemon's metrics as ops see them: the release binary serves /metrics, a real Prometheus
# (Debian's package) scrapes it every second with the shipped alert rules loaded, and its HTTP
# API must return what happened: 20 prompts (2 of them invalid, 2 requests answered HTTP 500 and
# retried) give 18 jobs done, 2 failed, 18 + 2 requests by status class, and the spend the ledger
# has. Then a refused key (HTTP 401) pauses the queue, and the ImageInboxQueuePaused alert fires.
# `promtool` checks the page, the rules, and the rules' unit tests.
#
# Everything listens on 127.0.0.1 on free ports, in a temp folder; only the processes this script
# started are stopped. Without prometheus it skips, unless CI=true, where it fails.
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$PWD

for tool in prometheus promtool curl python3; do
    if ! command -v "$tool" >/dev/null; then
        if [ "${CI:-}" = true ]; then echo "FAIL: $tool is not installed" >&2; exit 1; fi
        echo "SKIP: $tool is not installed (apt-get install prometheus)"; exit 0
    fi
done
bin=${BIN:-$(swift build -c release --show-bin-path)}
work=$(mktemp -d /var/tmp/image-inbox-prometheus.XXXXXX)
source Tests/System/system-test-lib.sh
# wait_or_fail SECONDS DESCRIPTION COMMAND...: as wait_for, but the test stops when it times out.
wait_or_fail() {
    local limit=$1 what=$2; shift 2
    wait_for "$limit" "$@" || { echo "FAILED: timed out after ${limit} s waiting for $what" >&2; exit 1; }
}
# query EXPR: the value of a Prometheus instant query with one result ("none" when it has none).
query() {
    curl -sf --get "http://127.0.0.1:$prometheus_port/api/v1/query" --data-urlencode "query=$1" | python3 -c '
import json, sys
result = json.load(sys.stdin)["data"]["result"]
print(result[0]["value"][1] if result else "none")'
}
query_is() { [ "$(query "$1")" = "$2" ]; }
# query_near EXPR NUMBER: whether the query's value is NUMBER, to a millionth.
query_near() { python3 -c 'import sys; sys.exit(0 if abs(float(sys.argv[1]) - float(sys.argv[2])) < 1e-6 else 1)' "$(query "$1")" "$2"; }

mkdir -p "$work/inbox" "$work/staging" "$work/state"
stub_port_file=$work/stub.port
"$bin/images-api-stub" --port-file "$stub_port_file" --server-error-on 2 5 >"$work/stub.log" 2>&1 &
pids+=($!)
wait_or_fail 10 "the stub" test -s "$stub_port_file"
stub_url="http://127.0.0.1:$(cat "$stub_port_file")/v1"
echo test-key-0123456789 >"$work/key"
echo wrong-key-0123456789 >"$work/wrong-key"
cat >"$work/config.yaml" <<EOF
retry:
  base_delay_seconds: 0.2
  max_delay_seconds: 0.5
EOF
metrics_port=$(free_port)
start_daemon() { # start_daemon KEY_FILE
    "$bin/image-inbox" run --inbox "$work/inbox" --state-dir "$work/state" --config "$work/config.yaml" \
        --base-url "$stub_url" --api-key-file "$1" --metrics-address "127.0.0.1:$metrics_port" \
        --log-target stderr >>"$work/daemon.log" 2>&1 &
    daemon=$!
    pids+=("$daemon")
    wait_or_fail 20 "/metrics" curl -sf "http://127.0.0.1:$metrics_port/metrics"
}
start_daemon "$work/key"

prometheus_port=$(free_port)
cat >"$work/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files:
  - $repo/etc/prometheus/image-inbox-alerts.yml
scrape_configs:
  - job_name: image-inbox
    static_configs:
      - targets: ["127.0.0.1:$metrics_port"]
EOF
prometheus --config.file "$work/prometheus.yml" --storage.tsdb.path "$work/prometheus-data" \
    --web.listen-address "127.0.0.1:$prometheus_port" >"$work/prometheus.log" 2>&1 &
pids+=($!)
wait_or_fail 30 "Prometheus to scrape the daemon" query_is 'up{job="image-inbox"}' 1

for i in $(seq -w 1 18); do echo "A lighthouse at dusk, study $i" >"$work/staging/shot-$i.prompt"; done
printf -- '---\nsize: 7x7\n---\nA size no model makes\n' >"$work/staging/bad-size.prompt"
printf -- '---\ncolour: teal\n---\nAn unknown key\n' >"$work/staging/bad-key.prompt"
mv "$work"/staging/*.prompt "$work/inbox/"
all_answered() { [ "$(find "$work/inbox" -name '*.png' -o -name '*.error.txt' | wc -l)" -ge 20 ]; }
wait_or_fail 120 "20 results and error notes" all_answered
wait_or_fail 30 "Prometheus to see 20 jobs end" query_is 'sum(image_inbox_jobs_total)' 20
# The gauges are read from the ledger at the scrape: the scrape after the last job has them all.
ledger_usd=$("$bin/image-inbox" status --json --state-dir "$work/state" | python3 -c 'import json, sys; print(round(json.load(sys.stdin)["cost_total"], 6))')
wait_or_fail 10 "Prometheus to see today's spend" query_near image_inbox_spent_today_usd "$ledger_usd"

check_equal "jobs done" 18 "$(query 'sum(image_inbox_jobs_total{outcome="done"})')"
check_equal "jobs failed" 2 "$(query 'sum(image_inbox_jobs_total{outcome="failed"})')"
check_equal "requests answered 2xx" 18 "$(query 'sum(image_inbox_api_requests_total{status_class="2xx"})')"
check_equal "requests answered 5xx" 2 "$(query 'sum(image_inbox_api_requests_total{status_class="5xx"})')"
check_equal "request durations counted" 20 "$(query 'sum(image_inbox_api_request_duration_seconds_count)')"
check_equal "jobs queued" 0 "$(query 'sum(image_inbox_queue_jobs{state="queued"})')"
check_equal "inbox watched with inotify" 1 "$(query "image_inbox_watched_folders{mode=\"inotify\"}")"
spent_usd=$(query 'sum(image_inbox_spent_usd_total)' | python3 -c 'import sys; print(round(float(sys.stdin.read()), 6))')
check_equal "dollars spent, as the ledger counts them" "$ledger_usd" "$spent_usd"
today_usd=$(query 'image_inbox_spent_today_usd' | python3 -c 'import sys; print(round(float(sys.stdin.read()), 6))')
check_equal "dollars spent today" "$ledger_usd" "$today_usd"

curl -sf "http://127.0.0.1:$metrics_port/metrics" >"$work/metrics.txt"
check "promtool check metrics" promtool check metrics <"$work/metrics.txt"
check "promtool check rules" promtool check rules etc/prometheus/image-inbox-alerts.yml
check "promtool test rules" bash -c "cd Tests/System/prometheus && promtool test rules image-inbox-alerts-test.yml"

# A refused key pauses the queue (the job waits, nothing fails) and the alert fires after its minute.
kill -TERM "$daemon"
wait "$daemon" || true
forget "$daemon"
start_daemon "$work/wrong-key"
echo "A lighthouse at dawn" >"$work/staging/after-401.prompt"
mv "$work/staging/after-401.prompt" "$work/inbox/"
wait_or_fail 30 "the pause after a 401 in Prometheus" query_is 'image_inbox_queue_paused{reason="auth"}' 1
check_equal "queue paused for a refused key" 1 "$(query 'image_inbox_queue_paused{reason="auth"}')"
check_equal "requests answered 4xx" 1 "$(query 'sum(image_inbox_api_requests_total{status_class="4xx"})')"
wait_or_fail 100 "ImageInboxQueuePaused to fire" query_is 'ALERTS{alertname="ImageInboxQueuePaused",alertstate="firing"}' 1
check_equal "ImageInboxQueuePaused firing, reason" auth "$(curl -sf --get "http://127.0.0.1:$prometheus_port/api/v1/query" \
    --data-urlencode 'query=ALERTS{alertname="ImageInboxQueuePaused",alertstate="firing"}' |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["data"]["result"][0]["metric"].get("reason", "none"))')"
check_equal "jobs the restarted daemon failed (none: the job waits)" 0 "$(query 'sum(image_inbox_jobs_total{outcome="failed"})')"
check_equal "jobs queued or running while paused" 1 "$(query 'sum(image_inbox_queue_jobs{state=~"queued|running"})')"

finish "prometheus system test" "$work/daemon.log"
