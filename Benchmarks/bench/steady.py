"""Scenarios without load: an idle daemon, a start over a big finished inbox, polling one, and
the edit upload memory benchmark (a script of its own)."""
import re
import subprocess
import time

from .common import BenchError, peak_rss_mib, progress, thread_sample, thread_sample_delta
from .fixtures import READY_TIMEOUT_SECONDS, make_done_inbox
from .report import Result
from .workspace import WORKERS

IDLE_SETTLE_SECONDS = 2
BIG_READY_TIMEOUT_SECONDS = 900
QUIET_AFTER_SCAN_SECONDS = 3  # time for any request a finished inbox would wrongly cause
POLL_WAIT_SECONDS = 30
EDIT_TIMEOUT_SECONDS = 1200


def idle(context):
    window = context.size(10, 5)
    result = Result("idle", window_s=window)
    runs = []
    for kind in WORKERS:
        progress(f"idle: {kind}, {window} s on an empty inbox")
        runs.append(_idle_run(context, window, kind))
    result.compare(runs, ("wakeups_per_10s", "cpu_ms_per_10s", "threads"))
    return result


def _idle_run(context, window, kind):
    with context.workspace("idle") as workspace:
        inbox = workspace.folder("inbox")
        stub = workspace.stub()
        worker = workspace.worker(kind, stub, inbox, 4)
        worker.wait_ready(READY_TIMEOUT_SECONDS)
        time.sleep(IDLE_SETTLE_SECONDS)
        before, began = thread_sample(worker.pid), time.monotonic()
        time.sleep(window)
        after, elapsed = thread_sample(worker.pid), time.monotonic() - began
        switches, cpu = thread_sample_delta(before, after)
        workspace.check_alive()
    scale = 10 / elapsed
    return {"wakeups_per_10s": switches * scale, "cpu_ms_per_10s": cpu * 1000 * scale, "threads": len(after)}


def scan_figures(line):
    """(files, duration in ms) from a scan's log line, as `key=value` or `key: value`; None if missing."""

    def number(key):
        found = re.search(rf'{re.escape(key)}"?\s*[=:]\s*"?(-?\d+(?:\.\d+)?)', line or "")
        return float(found.group(1)) if found else None

    files = number("scan.files")
    return (int(files) if files is not None else None), number("scan.duration_ms")


def scan_timeout(files):
    """How long to wait for a startup scan's log line: a minute, plus 2 s per 1,000 files."""
    return 60 + files / 500


def startup(context):
    count = context.size(100_000, 10_000)
    result = Result("startup", files=count, folders=100)
    with context.workspace("startup") as workspace:
        inbox = workspace.folder("inbox")
        progress(f"startup: writing {count} finished prompts and their ledger rows")
        make_done_inbox(workspace, inbox, count)
        progress("startup: image-inbox over the finished inbox")
        stub = workspace.stub()
        daemon = workspace.daemon(stub, inbox)
        result.add("ready_s", daemon.wait_ready(BIG_READY_TIMEOUT_SECONDS))
        line, scanned = daemon.wait_for_log("Startup scan done", scan_timeout(count))
        time.sleep(QUIET_AFTER_SCAN_SECONDS)
        files, duration = scan_figures(line)
        result.add("scan_done_s", scanned)
        result.add("scan_duration_ms", duration)
        result.add("scan_files", files)
        result.add("requests", stub.stats()["generations"])
        result.add("peak_rss_mib", peak_rss_mib(daemon.pid))
        workspace.check_alive()
    if duration is None:
        result.note(f"no 'Startup scan done' line with scan.duration_ms in the log within {scan_timeout(count):.0f} s")
    if result.figures["requests"][0]:
        result.note("requests should be 0: every file was already done")
    return result


def polling(context):
    count = context.size(100_000, 10_000)
    result = Result("polling", files=count, folders=100, poll_interval_s=2)
    with context.workspace("polling") as workspace:
        inbox = workspace.folder("inbox")
        progress(f"polling: writing {count} finished prompts and their ledger rows")
        make_done_inbox(workspace, inbox, count)
        progress("polling: image-inbox polling the finished inbox")
        stub = workspace.stub()
        daemon = workspace.daemon(stub, inbox, watch="{mode: poll, poll_interval_seconds: 2}", log_level="debug")
        result.add("ready_s", daemon.wait_ready(BIG_READY_TIMEOUT_SECONDS))
        daemon.wait_for_log("Startup scan done", scan_timeout(count), interval=0.5)
        # The first poll after the startup scan settles every file (the two-scan rule of polled
        # inboxes) and hands it to the runner, which checks each against the ledger while the
        # second runs; the third is what every later poll costs.
        settling, _ = daemon.wait_for_log("Inbox polled", POLL_WAIT_SECONDS, interval=0.5)
        line, _ = daemon.wait_for_log("Inbox polled", POLL_WAIT_SECONDS, interval=0.5, occurrence=3)
        if line is None:
            line = settling or daemon.log_line("Startup scan done")
            result.note(f"no third 'Inbox polled' line {POLL_WAIT_SECONDS} s after the startup scan: figures of an earlier scan")
        files, duration = scan_figures(line)
        result.add("settling_poll_ms", scan_figures(settling)[1])
        result.add("scan_duration_ms", duration)
        result.add("scan_files", files)
        result.add("requests", stub.stats()["generations"])
        workspace.check_alive()
    if duration is None:
        result.note("no scan.duration_ms in the log")
    return result


def edit_memory(context):
    """Runs Benchmarks/edit-upload-rss.sh (it builds its own binary path) and reads its figures."""
    progress("edit: Benchmarks/edit-upload-rss.sh")
    try:
        finished = subprocess.run(["bash", "Benchmarks/edit-upload-rss.sh"], cwd=context.repo, capture_output=True,
                                  text=True, timeout=EDIT_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired as error:
        raise BenchError(f"edit-upload-rss.sh ran longer than {EDIT_TIMEOUT_SECONDS} s") from error
    output = finished.stdout + finished.stderr
    if finished.returncode != 0:
        raise BenchError(f"edit-upload-rss.sh exited with {finished.returncode}:\n{output[-3000:]}")
    result = Result("edit-memory", images=16, image_mb=50)
    memory = re.search(r"idle (\d+) MB, peak (\d+) MB, peak above idle (\d+) MB", output)
    if memory:
        for name, value in zip(("idle_rss_mb", "peak_rss_mb", "peak_above_idle_mb"), memory.groups()):
            result.add(name, int(value))
    else:
        result.note("edit-upload-rss.sh printed no memory line")
    return result


def edit_pointer():
    """The row shown when the edit benchmark is not asked for."""
    result = Result("edit-memory")
    result.note("not run: see Benchmarks/edit-upload-rss.sh (or Benchmarks/run --only edit)")
    return result
