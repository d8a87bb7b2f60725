#!/usr/bin/env bash
# Benchmark: the daemon uploads one edit of 16 images of ~50 MB each (800 MB) to the images-API
# stub on loopback, streamed from disk. Prints the daemon's resident memory when idle and at its
# peak, against the 64 MB target. It fails only past 256 MB above idle, a bound that holds on a
# loaded machine (one busy run read ahead to 108 MB): past it, memory grows with the images.
set -euo pipefail
cd "$(dirname "$0")/.."

bin=$(swift build -c release --show-bin-path)
work=$(mktemp -d)
stub_pid=""
daemon_pid=""
cleanup() {
    [ -n "$daemon_pid" ] && kill -TERM "$daemon_pid" 2>/dev/null && wait "$daemon_pid" 2>/dev/null
    [ -n "$stub_pid" ] && kill -TERM "$stub_pid" 2>/dev/null && wait "$stub_pid" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT

"$bin/images-api-stub" --port-file "$work/port" --discard-uploads >"$work/stub.log" 2>&1 &
stub_pid=$!
for _ in $(seq 1 50); do [ -s "$work/port" ] && break; sleep 0.2; done
port=$(cat "$work/port")
printf 'test-key-0123456789\n' >"$work/key"

mkdir -p "$work/inbox/big.edit"
python3 - "$work/inbox/big.edit" <<'PY'
import struct, sys, zlib
def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff)
header = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1024, 1024, 8, 2, 0, 0, 0))
for index in range(16):
    with open(f"{sys.argv[1]}/{index:02d}.png", "wb") as out:
        out.write(header)
        remaining = 49_900_000 - len(header)
        block = bytes(range(256)) * 4096
        while remaining > 0:
            out.write(block[:remaining]); remaining -= min(remaining, len(block))
PY

"$bin/image-inbox" run --inbox "$work/inbox" --base-url "http://127.0.0.1:$port/v1" --api-key-file "$work/key" \
    --state-dir "$work/state" --log-target stderr >"$work/daemon.log" 2>&1 &
daemon_pid=$!
sleep 3
idle=$(awk '/VmRSS/ {print $2}' "/proc/$daemon_pid/status")
started=$(date +%s.%N)
printf 'Use all sixteen\n' >"$work/inbox/big.edit/instruction.txt"
for _ in $(seq 1 600); do
    [ -f "$work/inbox/big.edit/result.png" ] && break
    sleep 0.1
done
finished=$(date +%s.%N)
peak=$(awk '/VmHWM/ {print $2}' "/proc/$daemon_pid/status")
summary=$(curl -s "http://127.0.0.1:$port/stub/requests")
[ -f "$work/inbox/big.edit/result.png" ] || { cat "$work/daemon.log"; echo "no result after 60 s"; exit 1; }

uploaded=$(echo "$summary" | python3 -c 'import json,sys; print(sum(json.load(sys.stdin)["edit_bytes"]))')
above=$(( (peak - idle) / 1024 ))
printf 'edit upload: 16 images, %d MB sent in %.1f s\n' $((uploaded / 1000000)) "$(python3 -c "print($finished - $started)")"
printf 'daemon RSS: idle %d MB, peak %d MB, peak above idle %d MB (target 64 MB)\n' $((idle / 1024)) $((peak / 1024)) "$above"
[ "$above" -lt 256 ] || { echo "FAIL: memory grew with the upload (800 MB sent)"; exit 1; }
