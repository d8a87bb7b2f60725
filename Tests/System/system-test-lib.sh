# Shared by the system tests (sourced, not run): the processes a test starts and their cleanup,
# bounded waits, checks and the closing count. Every test sets `work` (its temp folder) first.

pids=()
passed=0
failed=0
# Extra cleanup a test adds (unmounting, say), run before its processes are stopped.
cleanup_first=()

cleanup() {
    for step in "${cleanup_first[@]}"; do eval "$step" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do [ -n "$pid" ] && kill "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do [ -n "$pid" ] && wait "$pid" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT

# forget PID: a process the test stopped and reaped itself, not to be signalled again.
forget() {
    local kept=() pid
    for pid in "${pids[@]}"; do [ "$pid" = "$1" ] || kept+=("$pid"); done
    pids=("${kept[@]}")
}

# wait_for SECONDS COMMAND...: runs COMMAND every 0.2 s until it succeeds; false after SECONDS.
wait_for() {
    local deadline=$((SECONDS + $1)); shift
    until "$@" >/dev/null 2>&1; do
        [ "$SECONDS" -lt "$deadline" ] || return 1
        sleep 0.2
    done
}

# check NAME COMMAND...: counts COMMAND's success or failure under NAME.
check() {
    if "${@:2}"; then echo "ok: $1"; passed=$((passed + 1)); else echo "FAILED: $1" >&2; failed=$((failed + 1)); fi
}

# check_equal NAME EXPECTED ACTUAL
check_equal() {
    if [ "$2" = "$3" ]; then
        echo "ok: $1 = $3"; passed=$((passed + 1))
    else
        echo "FAILED: $1: expected $2, got $3" >&2; failed=$((failed + 1))
    fi
}

# free_port: a TCP port on 127.0.0.1 that nothing listens on now.
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# finish NAME LOG: the closing count; on a failure, the end of LOG, and a failing status.
finish() {
    echo "$1: $passed passed, $failed failed"
    [ "$failed" -eq 0 ] || { tail -40 "$2" >&2; return 1; }
}
