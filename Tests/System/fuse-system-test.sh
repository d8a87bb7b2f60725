#!/usr/bin/env bash
# Inboxes on FUSE mounts, with the real release binary, real inotify and Debian's bindfs, in the
# default watch mode (auto): files written into a mount's backing folder (as another machine's
# writes reach a network share, unseen by this kernel's inotify) must become images
#   1. when the mount is the whole inbox,
#   2. when the mount is a folder inside a local inbox,
#   3. when the mount appears inside an inbox while the daemon runs.
# Needs root and /dev/fuse; without bindfs it skips, unless CI=true, where it fails. Only the
# processes and mounts this script made are stopped and unmounted.
set -euo pipefail
cd "$(dirname "$0")/../.."

if ! command -v bindfs >/dev/null || [ "$(id -u)" != 0 ] || [ ! -e /dev/fuse ]; then
    if [ "${CI:-}" = true ]; then echo "FAIL: needs root, /dev/fuse and bindfs (apt-get install bindfs)" >&2; exit 1; fi
    echo "SKIP: needs root, /dev/fuse and bindfs"; exit 0
fi
bin=${BIN:-$(swift build -c release --show-bin-path)}
work=$(mktemp -d /var/tmp/image-inbox-fuse.XXXXXX)
source Tests/System/system-test-lib.sh
mounts=()
unmount_all() { for mount in "${mounts[@]}"; do fusermount -u "$mount" 2>/dev/null || umount -l "$mount" 2>/dev/null || true; done; }
cleanup_first+=(unmount_all)
mount_bindfs() { # mount_bindfs BACKING MOUNTPOINT
    bindfs --no-allow-other "$1" "$2"
    mounts+=("$2")
}
# drop DIR NAME: writes a prompt into DIR as another machine's write would arrive (temp + rename).
drop() { echo "A lighthouse at dusk, seen from $2" >"$1/.$2.tmp" && mv "$1/.$2.tmp" "$1/$2.prompt"; }

mkdir -p "$work/whole-backing" "$work/whole" "$work/local/agency" "$work/agency-backing" "$work/late-backing" "$work/state"
mount_bindfs "$work/whole-backing" "$work/whole"
mount_bindfs "$work/agency-backing" "$work/local/agency"

"$bin/images-api-stub" --port-file "$work/stub.port" >"$work/stub.log" 2>&1 &
pids+=($!)
wait_for 10 test -s "$work/stub.port"
echo test-key-0123456789 >"$work/key"
cat >"$work/config.yaml" <<EOF2
inboxes: [$work/whole, $work/local]
watch:
  poll_interval_seconds: 1
  settle_seconds: 0.2
  quiet_seconds: 1
EOF2
# The daemon's sd_notify messages (READY=1, STATUS=…), as systemd would receive them.
python3 -u -c '
import socket, sys
listener = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
listener.bind(sys.argv[1])
while True:
    print(listener.recv(4096).decode(), flush=True)
' "$work/notify.sock" >"$work/notify.log" 2>&1 &
pids+=($!)
wait_for 10 test -S "$work/notify.sock"
NOTIFY_SOCKET="$work/notify.sock" "$bin/image-inbox" run --config "$work/config.yaml" --state-dir "$work/state" \
    --base-url "http://127.0.0.1:$(cat "$work/stub.port")/v1" --api-key-file "$work/key" \
    --log-target stderr --log-level debug >"$work/daemon.log" 2>&1 &
pids+=($!)
wait_for 20 grep -q "Mount inside an inbox is polled" "$work/daemon.log" || true
check "the mount inside the local inbox is logged as polled" grep -q "mount=$work/local/agency .*Mount inside an inbox is polled" "$work/daemon.log"

drop "$work/whole-backing" whole
check "a prompt written behind a FUSE inbox becomes an image" wait_for 30 test -f "$work/whole-backing/whole.png"
drop "$work/agency-backing" agency
check "a prompt written behind a FUSE mount inside a local inbox becomes an image" wait_for 30 test -f "$work/agency-backing/agency.png"
drop "$work/local" local
check "a prompt in the local inbox itself becomes an image" wait_for 30 test -f "$work/local/local.png"

mkdir -p "$work/local/late"
mount_bindfs "$work/late-backing" "$work/local/late"
check "a mount appearing inside a running inbox is logged" wait_for 20 grep -q "mount=$work/local/late .*Mount inside an inbox is polled" "$work/daemon.log"
drop "$work/late-backing" late
check "a prompt written behind the new mount becomes an image" wait_for 30 test -f "$work/late-backing/late.png"
# bindfs mounts as type fuse (fuse.bindfs where the mount names its subtype).
check "STATUS= names both polled mounts and their file system" \
    wait_for 10 grep -qE "polling 2 mounts inside inboxes: $work/local/agency \(fuse[.a-z]*\), $work/local/late \(fuse[.a-z]*\)" "$work/notify.log"
check "status lists the polled mounts" \
    wait_for 10 sh -c '"$1" status --state-dir "$2" | grep -qE "^  $3/local/late \(fuse[.a-z]*\)$"' - "$bin/image-inbox" "$work/state" "$work"
check "status --json lists both polled mounts" \
    sh -c '"$1" status --state-dir "$2" --json | grep -cE "\"type\" : \"fuse[.a-z]*\"" | grep -qx 2' - "$bin/image-inbox" "$work/state"

requests=$(grep -c '"Job done"\|Job done' "$work/daemon.log" || true)
check "four jobs, one request each (4 done in the log, got $requests)" test "$requests" -eq 4

finish "fuse system test" "$work/daemon.log"
