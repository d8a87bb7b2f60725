#!/usr/bin/env bash
# The daemon under a real systemd: a throwaway container (systemd-nspawn over an overlay of this
# machine's root) runs the shipped unit against the images-API stub on loopback, and the test
# asserts what an ops engineer relies on: READY before active, STATUS= lines, one job's story in
# the journal, reload without losing a queued job, the watchdog restarting a frozen daemon,
# stop draining in-flight work, and the API key in no journal line.
#
# Needs root, systemd-container and a built tree (swift build -c release). Never boots systemd on the
# machine's own root. Stops only what it started, by PID.
set -euo pipefail
cd "$(dirname "$0")/../.."

bin=$(swift build -c release --show-bin-path)
key="sk-system-test-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
work=$(mktemp -d /var/tmp/image-inbox-system.XXXXXX)
root="$work/merged"
mkdir -p "$work/upper" "$work/overlay-work" "$root"
stub_pid=""
nspawn_pid=""
failures=0

log() { printf '== %s\n' "$*"; }
fail() { printf 'FAIL: %s\n' "$*"; failures=$((failures + 1)); }
pass() { printf 'ok: %s\n' "$*"; }

cleanup() {
    set +e
    if [ -n "$nspawn_pid" ] && kill -0 "$nspawn_pid" 2>/dev/null; then
        [ -n "${container:-}" ] && nsenter -t "$container" -a systemctl poweroff >/dev/null 2>&1
        kill -TERM "$nspawn_pid" 2>/dev/null
        for _ in $(seq 1 100); do kill -0 "$nspawn_pid" 2>/dev/null || break; sleep 0.2; done
        # Killing the container's PID 1 ends its whole PID namespace; then nspawn itself.
        [ -n "${container:-}" ] && kill -KILL "$container" 2>/dev/null
        kill -KILL "$nspawn_pid" 2>/dev/null
        wait "$nspawn_pid" 2>/dev/null
    fi
    [ -n "$stub_pid" ] && kill -TERM "$stub_pid" 2>/dev/null && wait "$stub_pid" 2>/dev/null
    mountpoint -q "$root" && umount -l "$root"
    [ -n "${KEEP:-}" ] || rm -rf "$work"
}
trap cleanup EXIT

# Runs a command inside the container.
inside() { nsenter -t "$container" -a "$@"; }

# Waits (bounded) until a command inside succeeds.
wait_inside() {
    local seconds=$1; shift
    for _ in $(seq 1 $((seconds * 5))); do
        if inside sh -c "$*" >/dev/null 2>&1; then return 0; fi
        sleep 0.2
    done
    return 1
}

stub_count() { curl -s "http://127.0.0.1:$port/stub/requests" | python3 -c 'import json,sys; print(json.load(sys.stdin)["generations"])'; }

log "images-API stub on loopback (2 s per generation)"
"$bin/images-api-stub" --key "$key" --latency-ms 2000 --port-file "$work/port" >"$work/stub.log" 2>&1 &
stub_pid=$!
for _ in $(seq 1 50); do [ -s "$work/port" ] && break; sleep 0.2; done
port=$(cat "$work/port")

log "overlay of / at $root, with the daemon installed"
mount -t overlay overlay -o "lowerdir=/,upperdir=$work/upper,workdir=$work/overlay-work" "$root"
install -m 0755 "$bin/image-inbox" "$root/usr/local/bin/image-inbox"
install -m 0644 systemd/image-inbox.service "$root/etc/systemd/system/image-inbox.service"
install -D -m 0644 systemd/image-inbox.sysusers.conf "$root/etc/sysusers.d/image-inbox.conf"
install -D -m 0644 systemd/image-inbox.tmpfiles.conf "$root/etc/tmpfiles.d/image-inbox.conf"
# Servers that CI installed for other tests would start with the container and take their ports.
for unit in prometheus.service postgresql.service smbd.service nmbd.service samba-ad-dc.service; do
    ln -sf /dev/null "$root/etc/systemd/system/$unit"
done
mkdir -p "$root/etc/systemd/system/image-inbox.service.d"
cat >"$root/etc/systemd/system/image-inbox.service.d/test.conf" <<UNIT
[Service]
WatchdogSec=4s
RestartSec=1s
UNIT
mkdir -p "$root/etc/image-inbox"
printf '%s\n' "$key" >"$root/etc/image-inbox/api-key"
chmod 0600 "$root/etc/image-inbox/api-key"
write_config() {
    cat >"$root/etc/image-inbox/config.yaml" <<CONFIG
inboxes:
$(for inbox in "$@"; do echo "  - $inbox"; done)
provider: aimlapi
base_url: http://127.0.0.1:$port/v1
concurrency: 1
watch:
  settle_seconds: 0.2
  quiet_seconds: 1
retry:
  base_delay_seconds: 0.5
CONFIG
}
write_config /srv/image-inbox/team
rm -f "$root/etc/machine-id"

log "booting a throwaway systemd"
systemd-nspawn -D "$root" --quiet --register=no --link-journal=no --keep-unit --boot --console=passive >"$work/nspawn.log" 2>&1 &
nspawn_pid=$!
container=""
for _ in $(seq 1 100); do
    # The container's PID 1 is nspawn's child or grandchild (depending on how nspawn forks).
    for child in $(pgrep -P "$nspawn_pid" || true); do
        [ "$(cat "/proc/$child/comm" 2>/dev/null)" = systemd ] && container=$child
        for grandchild in $(pgrep -P "$child" || true); do
            [ "$(cat "/proc/$grandchild/comm" 2>/dev/null)" = systemd ] && container=$grandchild
        done
    done
    [ -n "$container" ] && break
    sleep 0.2
done
[ -n "$container" ] || { cat "$work/nspawn.log"; echo "the container's systemd did not start"; exit 1; }
for _ in $(seq 1 150); do
    state=$(inside systemctl is-system-running 2>/dev/null || true)
    case "$state" in running|degraded) break ;; esac
    sleep 0.2
done
log "container systemd is $state"

inside systemd-sysusers
inside systemd-tmpfiles --create /etc/tmpfiles.d/image-inbox.conf
inside mkdir -p /srv/image-inbox/team /srv/image-inbox/posters
inside chown image-inbox:image-inbox /srv/image-inbox/team /srv/image-inbox/posters
inside systemctl daemon-reload

log "start: active only after READY=1"
inside systemctl start image-inbox
[ "$(inside systemctl show -p ActiveState --value image-inbox)" = active ] && pass "unit is active" || fail "unit is not active"
order=$(inside journalctl -o cat --no-pager -b | grep -n -E "Watching inbox|Started image-inbox" || true)
watching_line=$(echo "$order" | grep "Watching inbox" | head -1 | cut -d: -f1)
started_line=$(echo "$order" | grep "Started image-inbox" | head -1 | cut -d: -f1)
if [ -n "$watching_line" ] && [ -n "$started_line" ] && [ "$watching_line" -lt "$started_line" ]; then
    pass "watches were set before systemd saw the unit start"
else
    fail "expected 'Watching inbox' before 'Started image-inbox': $order"
fi

log "STATUS= reflects queued and done work"
for name in one two three; do inside sh -c "echo 'A $name-legged stool' > /srv/image-inbox/team/$name.prompt"; done
if wait_inside 20 "systemctl show -p StatusText --value image-inbox | grep -q '2 queued, 1 running'"; then
    pass "status showed queued work: $(inside systemctl show -p StatusText --value image-inbox)"
else
    fail "status never showed 2 queued, 1 running: $(inside systemctl show -p StatusText --value image-inbox)"
fi
if wait_inside 30 "test -f /srv/image-inbox/team/one.png -a -f /srv/image-inbox/team/two.png -a -f /srv/image-inbox/team/three.png" \
    && wait_inside 5 "systemctl show -p StatusText --value image-inbox | grep -q '0 queued, 0 running, 0 failed today; \\\$0.49 today'"; then
    pass "status after the work: $(inside systemctl show -p StatusText --value image-inbox)"
else
    fail "after the work: $(inside systemctl show -p StatusText --value image-inbox); $(inside ls /srv/image-inbox/team)"
fi

log "one job's story in the journal"
job=$(inside journalctl -u image-inbox -o json --no-pager | python3 -c '
import json, sys
for line in sys.stdin:
    entry = json.loads(line)
    if entry.get("MESSAGE") == "Job done" and entry.get("IMAGE_INBOX_SOURCE", "").endswith("two.prompt"):
        print(entry["IMAGE_INBOX_JOB"]); break')
story=$(inside journalctl "IMAGE_INBOX_JOB=$job" -o json --no-pager)
if echo "$story" | python3 -c '
import json, sys
entries = [json.loads(line) for line in sys.stdin if line.strip()]
messages = [e["MESSAGE"] for e in entries]
assert "Job started" in messages and "Job done" in messages, messages
for e in entries:
    assert e["IMAGE_INBOX_SOURCE"] == "/srv/image-inbox/team/two.prompt", e
    assert e["IMAGE_INBOX_MODEL"] == "openai/gpt-image-2", e
    assert e["SYSLOG_IDENTIFIER"] == "image-inbox" and "CODE_FILE" in e and "PRIORITY" in e, e
assert any("IMAGE_INBOX_USD" in e for e in entries)
print(len(entries))' >"$work/story.txt" 2>&1; then
    pass "journalctl IMAGE_INBOX_JOB=$job returns $(cat "$work/story.txt") entries with the job's fields"
else
    fail "job $job's story: $(cat "$work/story.txt")"
fi

log "reload applies a new inbox without losing a queued job"
inside sh -c "echo 'Running during the reload' > /srv/image-inbox/team/r1.prompt; echo 'Queued during the reload' > /srv/image-inbox/team/r2.prompt"
wait_inside 10 "systemctl show -p StatusText --value image-inbox | grep -q '1 queued, 1 running'" || fail "r1/r2 never queued"
write_config /srv/image-inbox/team /srv/image-inbox/posters
inside systemctl reload image-inbox
inside sh -c "echo 'In the new inbox' > /srv/image-inbox/posters/p1.prompt"
if wait_inside 30 "test -f /srv/image-inbox/team/r1.png -a -f /srv/image-inbox/team/r2.png -a -f /srv/image-inbox/posters/p1.png"; then
    pass "after reload: the queued job finished and the new inbox works"
else
    fail "after reload: $(inside ls /srv/image-inbox/team /srv/image-inbox/posters)"
fi
inside journalctl -u image-inbox -o cat --no-pager | grep -q "Configuration reloaded" && pass "reload logged" || fail "no reload in the journal"

log "a frozen daemon is restarted by the watchdog"
frozen=$(inside systemctl show -p MainPID --value image-inbox)
inside kill -STOP "$frozen"
if wait_inside 30 "test \"\$(systemctl show -p NRestarts --value image-inbox)\" -ge 1 -a \"\$(systemctl show -p ActiveState --value image-inbox)\" = active -a \"\$(systemctl show -p MainPID --value image-inbox)\" != $frozen"; then
    pass "restarted by the watchdog: $(inside journalctl -u image-inbox -o cat --no-pager | grep -m1 "Watchdog timeout")"
else
    fail "not restarted: $(inside systemctl show -p NRestarts,ActiveState,MainPID,Result image-inbox | tr '\n' ' ')"
fi

log "a SIGTERM from outside systemd: STOPPING=1 at once, then a clean exit"
withheld_before=$(inside journalctl -u image-inbox -o cat --no-pager | grep -c "watchdog ping withheld" || true)
before=$(stub_count)
inside sh -c "echo 'In flight at SIGTERM' > /srv/image-inbox/team/term.prompt"
for _ in $(seq 1 50); do [ "$(stub_count)" -gt "$before" ] && break; sleep 0.2; done
inside systemctl kill -s TERM image-inbox
# No stop job was queued: only the daemon's STOPPING=1 turns the unit deactivating.
if wait_inside 2 "test \"\$(systemctl show -p ActiveState --value image-inbox)\" = deactivating"; then
    pass "deactivating while the request in flight finishes"
else
    fail "after SIGTERM: $(inside systemctl show -p ActiveState,SubState image-inbox | tr '\n' ' ')"
fi
if wait_inside 30 "test -f /srv/image-inbox/team/term.png -a \"\$(systemctl show -p ActiveState --value image-inbox)\" = inactive"; then
    pass "the request in flight was written, then the daemon exited cleanly"
else
    fail "after SIGTERM: $(inside ls /srv/image-inbox/team); $(inside systemctl show -p ActiveState,Result image-inbox | tr '\n' ' ')"
fi
inside systemctl start image-inbox
wait_inside 20 "systemctl is-active -q image-inbox" || fail "not restarted after the SIGTERM"
withheld_after=$(inside journalctl -u image-inbox -o cat --no-pager | grep -c "watchdog ping withheld" || true)
[ "$withheld_after" = "$withheld_before" ] && pass "the watchdog kept being pinged while draining" \
    || fail "watchdog pings withheld while draining: $withheld_before before, $withheld_after after"

log "stop drains in-flight work"
before=$(stub_count)
inside sh -c "echo 'In flight at stop' > /srv/image-inbox/team/last.prompt"
for _ in $(seq 1 50); do [ "$(stub_count)" -gt "$before" ] && break; sleep 0.2; done
inside systemctl stop image-inbox
if inside test -f /srv/image-inbox/team/last.png && [ "$(inside systemctl show -p Result --value image-inbox)" = success ]; then
    pass "the request in flight at stop finished and was written; clean exit"
else
    fail "stop: $(inside ls /srv/image-inbox/team); result $(inside systemctl show -p Result --value image-inbox)"
fi
# systemd logs the stop as it completes; the journal may take a moment to have it.
wait_inside 10 "journalctl -u image-inbox -o cat --no-pager | grep -q 'Stopped image-inbox'" || fail "no stop in the journal"

log "the API key is in no journal line"
if inside journalctl -o export --no-pager | grep -a -q -- "$key"; then
    fail "the API key appears in the journal"
else
    pass "the key appears nowhere in the journal ($(inside journalctl -o export --no-pager | grep -a -c '^MESSAGE=') entries checked)"
fi

log "the state directory is the daemon's alone; the unit's exposure stays low"
state_mode=$(inside stat -c %a /var/lib/image-inbox)
[ "$state_mode" = 700 ] && pass "the state directory is 0700" || fail "the state directory is $state_mode, not 0700"
marker_mode=$(inside stat -c %a /srv/image-inbox/team/.image-inbox.lock)
[ "$marker_mode" = 600 ] && pass "the inbox's lock marker is 0600" || fail "the inbox's lock marker is $marker_mode, not 0600"
exposure=$(inside systemd-analyze security image-inbox --no-pager 2>/dev/null | sed -n 's/.*Overall exposure level for image-inbox.service: \([0-9.]*\).*/\1/p')
if [ -n "$exposure" ] && awk "BEGIN { exit !($exposure <= 2.0) }"; then
    pass "systemd-analyze security: exposure $exposure (at most 2.0)"
else
    fail "systemd-analyze security: exposure '${exposure}' (at most 2.0 expected)"
fi
limits=$(inside systemctl show -p StartLimitBurst,StartLimitIntervalUSec,LimitNOFILE image-inbox | tr '\n' ' ')
case "$limits" in
*StartLimitBurst=5*LimitNOFILE=65536*|*LimitNOFILE=65536*StartLimitBurst=5*) pass "start limit and file limit: $limits" ;;
*) fail "start limit and file limit: $limits" ;;
esac

if [ "$failures" -gt 0 ]; then
    echo "systemd system test: $failures failed"
    inside journalctl -u image-inbox -o short-monotonic --no-pager | tail -40
    exit 1
fi
echo "systemd system test: all passed"
