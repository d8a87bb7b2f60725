#!/usr/bin/env bash
# The inbox as a designer's Mac or PC sees it: a real Samba server (Debian's smbd, on 127.0.0.1
# on a free port, with its own smb.conf and folders in a temp dir, nothing in /etc/samba) shares
# the inbox, and real SMB clients write into it while the release binary watches:
#   - smbclient uploads prompts, one as a temp name renamed into place, and macOS/Windows junk;
#   - an SMB client of PyPI's smbprotocol writes an edit bundle's 45 MB image slowly, in chunks,
#     pausing for 3 s halfway (longer than the settle window), after its instruction arrived.
# It must show exactly the expected results and error notes, the slow image uploaded whole in
# its one edit request, the junk untouched, and nothing sent twice.
#
# Needs root (smbd), samba and smbclient, and a venv from PyPI (.build-samba-venv); without them
# it skips, unless CI=true, where it fails. Only the processes this script started are stopped.
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$PWD

if ! command -v smbd >/dev/null || ! command -v smbclient >/dev/null || [ "$(id -u)" != 0 ]; then
    if [ "${CI:-}" = true ]; then echo "FAIL: needs root, smbd and smbclient (apt-get install samba smbclient)" >&2; exit 1; fi
    echo "SKIP: needs root, smbd and smbclient"; exit 0
fi
venv=$repo/.build-samba-venv
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import smbclient' 2>/dev/null; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q smbprotocol
fi
bin=${BIN:-$(swift build -c release --show-bin-path)}
work=$(mktemp -d /var/tmp/image-inbox-samba.XXXXXX)
source Tests/System/system-test-lib.sh

mkdir -p "$work/inbox" "$work/files" "$work/state" "$work/samba"/{private,lock,state,cache,pid,log}
smb_port=$(free_port)
cat >"$work/samba/smb.conf" <<EOF
[global]
    server role = standalone server
    smb ports = $smb_port
    interfaces = 127.0.0.1
    bind interfaces only = yes
    disable netbios = yes
    private dir = $work/samba/private
    lock directory = $work/samba/lock
    state directory = $work/samba/state
    cache directory = $work/samba/cache
    pid directory = $work/samba/pid
    log file = $work/samba/log/smbd.log
    passdb backend = tdbsam:$work/samba/private/passdb.tdb
    load printers = no
    printing = bsd
    printcap name = /dev/null
    disable spoolss = yes
[inbox]
    path = $work/inbox
    read only = no
EOF
printf 'share-pass\nshare-pass\n' | smbpasswd -c "$work/samba/smb.conf" -s -a root >/dev/null
# A session of its own: smbd signals its whole process group when it stops.
setsid smbd --foreground --no-process-group --configfile="$work/samba/smb.conf" >"$work/samba/log/stdout" 2>&1 &
pids+=($!)
share=(//127.0.0.1/inbox --port "$smb_port" -U root%share-pass)
wait_for 20 smbclient "${share[@]}" -c 'ls' || { cat "$work/samba/log/"* >&2; echo "FAILED: smbd did not answer" >&2; exit 1; }

"$bin/images-api-stub" --port-file "$work/stub.port" >"$work/stub.log" 2>&1 &
pids+=($!)
wait_for 10 test -s "$work/stub.port"
stub="http://127.0.0.1:$(cat "$work/stub.port")"
echo test-key-0123456789 >"$work/key"
"$bin/image-inbox" run --inbox "$work/inbox" --state-dir "$work/state" --base-url "$stub/v1" \
    --api-key-file "$work/key" --log-target stderr --log-level debug >"$work/daemon.log" 2>&1 &
pids+=($!)
wait_for 20 grep -q "Startup scan done" "$work/daemon.log"

# Prompts, a temp name renamed into place (as browsers, rsync and smbd's clients do), and junk.
echo "A lighthouse at dusk" >"$work/files/lighthouse.prompt"
echo "A fox in the snow" >"$work/files/fox.prompt"
printf -- '---\nsize: 7x7\n---\nA size no model makes\n' >"$work/files/bad.prompt"
head -c 4096 /dev/urandom >"$work/files/junk"
smbclient "${share[@]}" -c "put $work/files/lighthouse.prompt lighthouse.prompt; put $work/files/bad.prompt bad.prompt; \
    put $work/files/fox.prompt fox.prompt.part; rename fox.prompt.part fox.prompt; \
    put $work/files/junk ._lighthouse.prompt; put $work/files/junk .DS_Store; put $work/files/junk Thumbs.db; \
    put $work/files/lighthouse.prompt ~\$draft.prompt" >/dev/null

# An edit bundle whose image is still arriving when its instruction does: written slowly, with a
# pause longer than the settle window, through a real SMB client.
python3 - "$work/files/poster.png" <<'EOF'
import struct, sys, zlib, os
width, height = 3840, 3900          # 3 bytes a pixel, stored (not compressed): about 45 MB
raw = bytearray()
row = os.urandom(width * 3)
for _ in range(height):
    raw += b"\x00" + row
def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
png += chunk(b"IDAT", zlib.compress(bytes(raw), 0)) + chunk(b"IEND", b"")
open(sys.argv[1], "wb").write(png)
EOF
printf 'Make the sky stormy\n' >"$work/files/poster.edit"
"$venv/bin/python" - "$smb_port" "$work/files/poster.png" "$work/files/poster.edit" >"$work/slow-writer.log" 2>&1 <<'EOF' &
import sys, time
import smbclient
port, image, instruction = int(sys.argv[1]), sys.argv[2], sys.argv[3]
smbclient.register_session("127.0.0.1", username="root", password="share-pass", port=port)
data = open(image, "rb").read()
with smbclient.open_file(r"\\127.0.0.1\inbox\poster.png", mode="wb", port=port) as remote:
    half = len(data) // 2
    for start in range(0, half, 1 << 20):
        remote.write(data[start:min(start + (1 << 20), half)])
    # The instruction arrives while the image is half written.
    with smbclient.open_file(r"\\127.0.0.1\inbox\poster.edit", mode="wb", port=port) as edit:
        edit.write(open(instruction, "rb").read())
    remote.flush()
    time.sleep(3)
    for start in range(half, len(data), 1 << 20):
        remote.write(data[start:start + (1 << 20)])
print("written", len(data))
EOF
writer=$!
pids+=("$writer")
check "the slow SMB writer finished" wait "$writer"

in_inbox() { test -f "$work/inbox/$1"; }
check "lighthouse.prompt -> lighthouse.png" wait_for 60 in_inbox lighthouse.png
check "a temp name renamed into place -> fox.png" wait_for 60 in_inbox fox.png
check "an invalid prompt -> bad.error.txt" wait_for 60 in_inbox bad.error.txt
check "the edit bundle -> poster.edited.png" wait_for 90 in_inbox poster.edited.png
stats=$(curl -sf "$stub/stub/stats")
count() { python3 -c 'import json, sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$stats" "$1"; }
check "two generation requests, no more (got $(count generations))" test "$(count generations)" -eq 2
check "one edit request, no more (got $(count edits))" test "$(count edits)" -eq 1
uploaded=$(python3 -c 'import json, sys; print(" ".join(f"{n}:{s}:{h}" for n, s, h in json.loads(sys.argv[1])["edit_files"][0]))' "$stats")
expected="poster.png:$(stat -c %s "$work/files/poster.png"):$(sha256sum "$work/files/poster.png" | cut -d' ' -f1)"
check "the slow image was uploaded whole, in its one request" test "$uploaded" = "$expected"
for junk in ._lighthouse.prompt .DS_Store Thumbs.db '~$draft.prompt'; do
    check "junk $junk untouched" cmp -s "$work/inbox/$junk" "$work/files/$([ "$junk" = '~$draft.prompt' ] && echo lighthouse.prompt || echo junk)"
done
leftovers=$(cd "$work/inbox" && ls -A | grep -v -x -e lighthouse.prompt -e lighthouse.png -e fox.prompt -e fox.png \
    -e bad.prompt -e bad.error.txt -e poster.png -e poster.edit -e poster.edited.png -e ._lighthouse.prompt \
    -e .DS_Store -e Thumbs.db -e '~$draft.prompt' -e .image-inbox.lock || true)
check "nothing else in the share (found: ${leftovers:-nothing})" test -z "$leftovers"
# Restarting rescans the share: what is finished is found in the ledger, and nothing is sent again.
daemon=${pids[2]}
kill -TERM "$daemon"
wait "$daemon" || true
forget "$daemon"
"$bin/image-inbox" run --inbox "$work/inbox" --state-dir "$work/state" --base-url "$stub/v1" \
    --api-key-file "$work/key" --log-target stderr --log-level debug >"$work/restarted.log" 2>&1 &
pids+=($!)
check "after a restart, the finished files are found finished" wait_for 30 grep -q "already finished with this content" "$work/restarted.log"
stats=$(curl -sf "$stub/stub/stats")
check "after a restart, still 2 generations and 1 edit" test "$(count generations)/$(count edits)" = 2/1

finish "samba system test" "$work/daemon.log"
