"""The processes a scenario starts: the images-API stub, image-inbox, and the reference script.

Each runs with a clean environment and a log file in the scenario's workspace, is watched for
crashes while the driver waits, and is stopped with SIGTERM, then SIGKILL after a grace period.
"""
import json
import os
import select
import signal
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request

from .common import BenchError, wait_until

STOP_GRACE_SECONDS = 10
API_KEY = "test-key-0123456789"
REFERENCE_SCRIPT = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "reference", "inbox_script.py")
# Inherited variables that would change what the children do or where they connect.
DROPPED_VARIABLES = ("NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID", "JOURNAL_STREAM", "XDG_STATE_HOME",
                     "STATE_DIRECTORY", "CREDENTIALS_DIRECTORY", "OPENAI_API_KEY", "OPENAI_BASE_URL")
# Bounds the background reader threads in case a scenario never closes them.
READER_LIFETIME_SECONDS = 4 * 3600
# urllib without proxies: the stub is on loopback.
LOOPBACK = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def child_environment(home, **extra):
    """The driver's environment without service, proxy and image-inbox variables, with HOME set."""
    environment = {
        name: value for name, value in os.environ.items()
        if name not in DROPPED_VARIABLES and not name.startswith("IMAGE_INBOX_") and "proxy" not in name.lower()
    }
    environment.update(HOME=home, **extra)
    return environment


class ManagedProcess:
    """One child process, its log file, and when it was started (monotonic and wall clock)."""

    def __init__(self, name, argv, environment, log_path, stdout=None):
        self.name, self.log_path = name, log_path
        self.stopped = False
        self.log = open(log_path, "wb")
        self.started, self.started_wall = time.monotonic(), time.time()
        self.popen = subprocess.Popen(
            argv, env=environment, stdin=subprocess.DEVNULL, stdout=stdout or self.log, stderr=self.log
        )
        self.pid = self.popen.pid

    def _wait_for_exit(self, timeout):
        """Whether the process exits within `timeout`; seen at once through a pidfd (no polling)."""
        exit_notice = os.pidfd_open(self.pid)
        try:
            readable, _, _ = select.select([exit_notice], [], [], timeout)
        finally:
            os.close(exit_notice)
        return bool(readable)

    def ensure_running(self):
        """Raises BenchError when the process exited without being asked to."""
        code = self.popen.poll()
        if code is not None and not self.stopped:
            raise BenchError(f"{self.name} exited unexpectedly with code {code}; its log ends:\n{self.log_tail()}")

    def log_text(self):
        with open(self.log_path, encoding="utf-8", errors="replace") as file:
            return file.read()

    def log_tail(self, lines=20):
        return "\n".join(self.log_text().splitlines()[-lines:])

    def stop(self, grace=STOP_GRACE_SECONDS):
        """SIGTERM, then SIGKILL after `grace` seconds; returns (exit code, seconds from SIGTERM to exit)."""
        self.stopped = True
        began = time.monotonic()
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
            if not self._wait_for_exit(grace):
                self.popen.kill()
            self.popen.wait(timeout=STOP_GRACE_SECONDS)
        elapsed = time.monotonic() - began
        if self.popen.stdout:
            self.popen.stdout.close()
        self.log.close()
        return self.popen.returncode, elapsed


class NotifyListener:
    """The receiving end of systemd's notify protocol: every message, with when it arrived."""

    def __init__(self, path):
        self.path = path
        self.messages = []  # (monotonic time, "KEY=value")
        self.lock, self.closing = threading.Lock(), threading.Event()
        self.socket = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.socket.bind(path)
        self.socket.settimeout(0.2)
        self.thread = threading.Thread(target=self._drain, name="notify", daemon=True)
        self.thread.start()

    def _drain(self):
        deadline = time.monotonic() + READER_LIFETIME_SECONDS
        while not self.closing.is_set() and time.monotonic() < deadline:
            try:
                datagram = self.socket.recv(65536)
            except socket.timeout:
                continue
            except OSError:
                return
            arrived = time.monotonic()
            with self.lock:
                self.messages += [(arrived, line) for line in datagram.decode(errors="replace").splitlines()]

    def first(self, message):
        """When `message` (such as READY=1) first arrived, or None."""
        with self.lock:
            return next((arrived for arrived, line in self.messages if line == message), None)

    def close(self):
        self.closing.set()
        self.thread.join(timeout=5)
        self.socket.close()


class Stub:
    """images-api-stub on a free loopback port."""

    def __init__(self, workspace, latency_ms):
        port_file = workspace.path(f"stub-{workspace.next_id()}.port")
        argv = [os.path.join(workspace.bin_dir, "images-api-stub"), "--port-file", port_file, "--latency-ms", str(latency_ms)]
        self.process = workspace.spawn("images-api-stub", argv)
        port = wait_until(lambda: _read_port(port_file), 30, "the stub's port file", [self.process])
        self.base_url = f"http://127.0.0.1:{port}/v1"
        self.root = f"http://127.0.0.1:{port}"

    def _get(self, path):
        with LOOPBACK.open(self.root + path, timeout=30) as response:
            return json.load(response)

    def stats(self):
        """Counts, in-flight peak and arrivals from /stub/stats; from /stub/requests on an older stub.

        The fallback has no `max_in_flight`, `in_flight` or `arrivals` (they are None).
        """
        try:
            return self._get("/stub/stats")
        except urllib.error.HTTPError as error:
            if error.code != 404:
                raise BenchError(f"GET /stub/stats answered {error.code}") from error
        summary = self._get("/stub/requests")
        return {"generations": summary["generations"], "edits": summary["edits"],
                "max_in_flight": None, "in_flight": None, "arrivals": None}


def _read_port(path):
    try:
        with open(path, encoding="ascii") as file:
            text = file.read().strip()
    except FileNotFoundError:
        return None
    return int(text) if text.isdigit() else None


class Daemon:
    """`image-inbox run` on one inbox, against a stub, with its own notify socket."""

    def __init__(self, workspace, stub, inbox, concurrency, state_dir, config, log_level=None):
        self.notify = NotifyListener(workspace.path(f"notify-{workspace.next_id()}.sock"))
        workspace.on_close(self.notify.close)
        argv = [
            os.path.join(workspace.bin_dir, "image-inbox"), "run", "--inbox", inbox, "--base-url", stub.base_url,
            "--api-key-file", workspace.key_file, "--state-dir", state_dir, "--concurrency", str(concurrency),
            "--log-target", "stderr", "--config", config,
        ]
        if log_level:
            argv += ["--log-level", log_level]
        self.process = workspace.spawn("image-inbox", argv, NOTIFY_SOCKET=self.notify.path)
        self.pid = self.process.pid

    def wait_ready(self, timeout):
        """Waits for READY=1; returns seconds from process start to it."""
        ready = wait_until(lambda: self.notify.first("READY=1"), timeout, "READY=1 from image-inbox", [self.process])
        return ready - self.process.started

    def wait_for_log(self, message, timeout, interval=0.1, occurrence=1):
        """Waits for a log line containing `message`.

        Returns (the line, seconds from process start until the driver saw it), or (None, None)
        when `timeout` seconds pass first. Raises BenchError if the daemon exits meanwhile.
        """
        deadline = time.monotonic() + timeout
        while True:
            line = self.log_line(message, occurrence)
            if line:
                return line, time.monotonic() - self.process.started
            self.process.ensure_running()
            if time.monotonic() >= deadline:
                return None, None
            time.sleep(interval)

    def log_line(self, message, occurrence=1):
        """The `occurrence`-th log line that contains `message` (the first by default), or None."""
        text = self.process.log_text()
        found = -1
        for _ in range(occurrence):
            found = text.find(message, found + 1)
            if found < 0:
                return None
        end = text.find("\n", found)
        return text[text.rfind("\n", 0, found) + 1:end if end >= 0 else len(text)]


class Script:
    """The reference inbox script on one inbox, run with the benchmark venv's Python."""

    def __init__(self, workspace, stub, inbox, concurrency):
        argv = [
            workspace.python, REFERENCE_SCRIPT, "--inbox", inbox, "--base-url", stub.base_url,
            "--api-key-file", workspace.key_file, "--concurrency", str(concurrency),
        ]
        self.process = workspace.spawn("the inbox script", argv, stdout=subprocess.PIPE)
        self.pid = self.process.pid

    def wait_ready(self, timeout):
        """Waits for the script's `ready` line; returns seconds from process start to it."""
        output = self.process.popen.stdout.fileno()
        received = b""
        deadline = time.monotonic() + timeout
        while b"ready\n" not in received:
            self.process.ensure_running()
            if time.monotonic() >= deadline:
                raise BenchError(f"timed out after {timeout:.0f} s waiting for the inbox script to be ready")
            readable, _, _ = select.select([output], [], [], 0.2)
            if readable:
                received += os.read(output, 4096)
        return time.monotonic() - self.process.started
