#!/usr/bin/env bash
# Three real `image-inbox run` processes share one inbox folder through one PostgreSQL ledger,
# against the loopback images-API stub:
#   0. one host's SQLite history copied in (`ledger copy`) is not paid for again;
#   1. 150 prompts dropped at once: one result and one paid request each, made by several hosts;
#   2. one host SIGKILLed with requests in flight and 60 more prompts dropped: the others make
#      every one after the lease, paying at most again for what the killed host had in flight;
#   3. a daily budget reached across the hosts stops all of them;
#   4. `status --ledger-url` from a fourth process shows every job done and the two live hosts.
# Runs under Tests/with-postgres (IMAGE_INBOX_TEST_POSTGRES_URL); without it, it skips, unless
# CI=true, where it fails. Only the processes this script started are stopped.
set -euo pipefail
cd "$(dirname "$0")/../.."

if [ -z "${IMAGE_INBOX_TEST_POSTGRES_URL:-}" ]; then
    if [ "${CI:-}" = true ]; then echo "FAIL: run it under Tests/with-postgres" >&2; exit 1; fi
    echo "SKIP: run it under Tests/with-postgres"; exit 0
fi
bin=${BIN:-$(swift build -c release --show-bin-path)}
work=$(mktemp -d /var/tmp/image-inbox-shared.XXXXXX)
source Tests/System/system-test-lib.sh
url=$IMAGE_INBOX_TEST_POSTGRES_URL
inbox=$work/share

# drop NAME...: writes prompts as a file share's writer does (temp, then rename).
drop() { for name in "$@"; do echo "A lighthouse at dusk, take $name" >"$inbox/.$name.tmp" && mv "$inbox/.$name.tmp" "$inbox/$name.prompt"; done; }
results() { find "$inbox" -maxdepth 1 -name '*.png' | wc -l; }
generations() { curl -fsS "http://127.0.0.1:$port/stub/requests" | python3 -c 'import json,sys; print(json.load(sys.stdin)["generations"])'; }
distinct_prompts() { curl -fsS "http://127.0.0.1:$port/stub/requests" | python3 -c 'import json,sys; print(len(set(json.load(sys.stdin)["prompts"])))'; }
status_json() { "$bin/image-inbox" status --ledger-url "$url" --json; }
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

mkdir -p "$inbox"
"$bin/images-api-stub" --port-file "$work/stub.port" --latency-ms 1500 >"$work/stub.log" 2>&1 &
pids+=($!)
wait_for 10 test -s "$work/stub.port"
port=$(cat "$work/stub.port")
echo test-key-0123456789 >"$work/key"

# One host on its own SQLite ledger makes two images, then moves up to the shared ledger.
drop before-001 before-002
"$bin/image-inbox" run --inbox "$inbox" --state-dir "$work/host1/state" --base-url "http://127.0.0.1:$port/v1" \
    --api-key-file "$work/key" --log-target stderr >"$work/single.log" 2>&1 &
single=$!
pids+=($single)
check "the single host makes its two images" wait_for 60 test -f "$inbox/before-002.png" -a -f "$inbox/before-001.png"
kill -TERM "$single" && wait "$single" || true
forget "$single"
"$bin/image-inbox" ledger copy --to "$url" --inbox "share=$inbox" --state-dir "$work/host1/state" >"$work/copy.txt"
check "ledger copy copies the single host's finished jobs" grep -q "^Copied 2 finished jobs" "$work/copy.txt"
sed 's/^/   | /' "$work/copy.txt"
check "check finds the shared ledger and its schema" sh -c '"$1" check --ledger-url "$2" --inbox "share=$3" --api-key-file "$4" | grep -q "^ok: the shared job ledger .* answers, with schema version 1"' - "$bin/image-inbox" "$url" "$inbox" "$work/key"
wrong_password=$(echo "$url" | sed "s/:[^:@]*@/:wrong@/")
check "check fails on a wrong password" sh -c '! "$1" check --ledger-url "$2" --inbox "share=$3" --api-key-file "$4" >"$5"' - "$bin/image-inbox" "$wrong_password" "$inbox" "$work/key" "$work/check.txt"
check "and names it, without the password" sh -c 'grep -q "^problem: .*password authentication failed" "$1" && ! grep -q wrong@ "$1"' - "$work/check.txt"

for host in 1 2 3; do
    mkdir -p "$work/host$host"
    cat >"$work/host$host/config.yaml" <<EOF2
inboxes: [share=$inbox]
ledger_url: $url
ledger_lease_seconds: 3
concurrency: 4
watch:
  settle_seconds: 0.2
  quiet_seconds: 1
EOF2
    "$bin/image-inbox" run --config "$work/host$host/config.yaml" --state-dir "$work/host$host/state" \
        --base-url "http://127.0.0.1:$port/v1" --api-key-file "$work/key" \
        --log-target stderr --log-level info >"$work/host$host/daemon.log" 2>&1 &
    pids+=($!)
    eval "host${host}_pid=$!"
done
check "three hosts heartbeat in the shared ledger" wait_for 30 sh -c '"$1" status --ledger-url "$2" | grep -q "3 hosts heartbeating"' - "$bin/image-inbox" "$url"

drop $(seq -f "first-%03g" 1 150)
check "150 prompts dropped at once become 150 images" wait_for 240 sh -c "[ \$(find '$inbox' -maxdepth 1 -name 'first-*.png' | wc -l) -ge 150 ]"
check "every job of the 150 is done in the ledger" wait_for 30 sh -c '"$1" status --ledger-url "$2" --json | grep -q "\"done\" : 152"' - "$bin/image-inbox" "$url"
check_equal "the API was paid once per prompt, the copied history not again" 152 "$(generations)"
check_equal "for 152 distinct prompts" 152 "$(distinct_prompts)"
working=0
for host in 1 2 3; do [ "$(grep -c 'Job done' "$work/host$host/daemon.log")" -gt 0 ] && working=$((working + 1)); done
check "the work was shared: at least two hosts made images" test "$working" -ge 2
echo "   jobs done per host: $(for host in 1 2 3; do printf '%s ' "$(grep -c 'Job done' "$work/host$host/daemon.log")"; done)"

# Host 1 dies with requests in flight: its jobs wait for the lease, then the others take them.
drop $(seq -f "second-%03g" 1 60)
running_on_host1() {
    status_json | json "sum(h['running'] for h in d['hosts'] if h['pid'] == $host1_pid)"
}
check "host 1 has requests in flight" wait_for 60 sh -c "[ \$(\"$bin/image-inbox\" status --ledger-url '$url' --json | python3 -c 'import json,sys; print(sum(h[\"running\"] for h in json.load(sys.stdin)[\"hosts\"] if h[\"pid\"] == $host1_pid))') -gt 0 ]"
in_flight=$(running_on_host1)
before_kill=$(generations)
kill -KILL "$host1_pid"
wait "$host1_pid" 2>/dev/null || true
forget "$host1_pid"
echo "   host 1 killed with $in_flight jobs running ($before_kill requests received by then)"
check "the 60 prompts become 60 images after the lease" wait_for 240 sh -c "[ \$(find '$inbox' -maxdepth 1 -name 'second-*.png' | wc -l) -ge 60 ]"
check_equal "one result per prompt, none twice" 212 "$(results)"
check "every job is done in the ledger" wait_for 30 sh -c '"$1" status --ledger-url "$2" --json | grep -q "\"done\" : 212"' - "$bin/image-inbox" "$url"
paid=$(generations)
echo "   paid requests: $paid for 212 prompts, $in_flight in flight on the killed host"
check "paid requests are at most the prompts and what the killed host had in flight" test "$paid" -le $((212 + in_flight))
check "the others logged taking over the killed host's jobs" grep -q "released to every host" "$work/host2/daemon.log" "$work/host3/daemon.log"

# status from a fourth process, with no inboxes of its own.
status_json >"$work/status.json"
"$bin/image-inbox" status --ledger-url "$url" >"$work/status.txt"
sed 's/^/   | /' "$work/status.txt"
check "status from a fourth process shows the two live hosts" grep -q "2 hosts heartbeating" "$work/status.txt"
check_equal "status --json lists the live hosts' pids" "$host2_pid $host3_pid" "$(json "' '.join(str(h['pid']) for h in sorted(d['hosts'], key=lambda h: h['pid']))" <"$work/status.json" | tr ' ' '\n' | sort -n | tr '\n' ' ' | sed 's/ $//')"
check_equal "status shows 212 jobs done in the share inbox" 212 "$(json "[i for i in d['inboxes'] if i['path'] == 'share'][0]['counts']['done']" <"$work/status.json")"

# A daily budget that the next few images reach stops every host.
spent=$(json "d['cost_today']" <"$work/status.json")
limit=$(python3 -c "print(round($spent + 0.5, 2))")
for host in 2 3; do
    echo "max_usd_per_day: $limit" >>"$work/host$host/config.yaml"
    kill -HUP "$(eval echo "\$host${host}_pid")"
done
check "both hosts reloaded the budget" wait_for 20 sh -c "grep -q 'Configuration reloaded' '$work/host2/daemon.log' && grep -q 'Configuration reloaded' '$work/host3/daemon.log'"
drop $(seq -f "third-%03g" 1 20)
check "both live hosts pause on the shared budget" wait_for 120 sh -c "grep -q 'daily budget' '$work/host2/daemon.log' && grep -q 'daily budget' '$work/host3/daemon.log'"
made=$(find "$inbox" -maxdepth 1 -name 'third-*.png' | wc -l)
echo "   after the budget of \$$limit (\$$spent spent before): $made of 20 made"
check "the budget stopped the hosts before the 20 were made" test "$made" -lt 20
# Requests in flight when the budget was reached finish first (their estimates were reserved);
# then the next job finds the day spent, and the pause is published in the ledger.
check "status shows the pause" wait_for 60 sh -c '"$1" status --ledger-url "$2" | grep -q "daily budget"' - "$bin/image-inbox" "$url"

finish "shared ledger system test" "$work/host2/daemon.log"
