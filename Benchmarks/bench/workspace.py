"""A scenario's workspace: a temp folder in the run's folder and every process started in it.

Leaving the `with` block stops those processes (latest first: SIGTERM, SIGKILL after 10 s) and
closes the listeners, whether the scenario succeeded or not. The run's folder (under /var/tmp, or
$BENCH_DIR) is removed when the whole run ends: on an ext4 without a journal, every file created
in the next minutes skips past each inode deleted in them (ext4's `recently_deleted`), so removing
one scenario's 4,000 files made the next one's file creation cost several times more and CPU
per job depend on what ran before. For the same reason the run keeps away from /tmp, where the
test suite has just removed its own files (the same disk here; where /tmp is a tmpfs, the run
measures the disk it would otherwise have skipped).
"""
import itertools
import os
import shutil
import tempfile

from .processes import API_KEY, Daemon, ManagedProcess, Script, Stub, child_environment

# What the comparing scenarios run, in order: the daemon, then the reference script.
WORKERS = ("image-inbox", "script")


class Workspace:
    """Temp folders, the API key file, and the processes of one scenario (a context manager)."""

    def __init__(self, name, bin_dir, python, parent):
        self.name, self.bin_dir, self.python, self.parent = name, bin_dir, python, parent
        self.processes, self.closers = [], []
        self.ids = itertools.count(1)

    def __enter__(self):
        self.root = tempfile.mkdtemp(prefix=f"{self.name}-", dir=self.parent)
        self.home = self.folder("home")
        self.key_file = self.path("api-key")
        with open(self.key_file, "w", encoding="ascii") as file:
            file.write(API_KEY + "\n")
        return self

    def __exit__(self, *_):
        for process in reversed(self.processes):
            if not process.stopped:
                process.stop()
        for close in reversed(self.closers):
            close()

    def path(self, *parts):
        return os.path.join(self.root, *parts)

    def folder(self, *parts):
        """A folder in the workspace, made if missing."""
        path = self.path(*parts)
        os.makedirs(path, exist_ok=True)
        return path

    def next_id(self):
        return next(self.ids)

    def on_close(self, close):
        self.closers.append(close)

    def spawn(self, name, argv, stdout=None, **environment):
        log_path = self.path(f"{name.replace(' ', '-')}-{self.next_id()}.log")
        process = ManagedProcess(name, argv, child_environment(self.home, **environment), log_path, stdout)
        self.processes.append(process)
        return process

    def check_alive(self):
        """Raises BenchError when a process exited that was not asked to."""
        for process in self.processes:
            process.ensure_running()

    def stub(self, latency_ms=0):
        return Stub(self, latency_ms)

    def daemon(self, stub, inbox, concurrency=32, state_dir=None, watch="{mode: auto}", log_level=None,
               metrics_address=None):
        """image-inbox on `inbox`; `watch` is the configuration's `watch:` value, in YAML;
        `metrics_address` (HOST:PORT) serves its metrics."""
        config = self.path(f"config-{self.next_id()}.yaml")
        with open(config, "w", encoding="utf-8") as file:
            file.write(f"watch: {watch}\n")
            if metrics_address:
                file.write(f"metrics_address: \"{metrics_address}\"\n")
        state_dir = state_dir or self.folder("state")
        return Daemon(self, stub, inbox, concurrency, state_dir, config, log_level)

    def script(self, stub, inbox, concurrency=32):
        return Script(self, stub, inbox, concurrency)

    def worker(self, kind, stub, inbox, concurrency):
        """One of WORKERS on `inbox`: image-inbox (with its defaults) or the reference script."""
        if kind == "script":
            return self.script(stub, inbox, concurrency)
        return self.daemon(stub, inbox, concurrency)


class Context:
    """What every scenario gets: the binaries, the venv's Python for the script, and the sizes."""

    def __init__(self, bin_dir, python, quick, repo):
        self.bin_dir, self.python, self.quick, self.repo = bin_dir, python, quick, repo
        self.folder = tempfile.mkdtemp(prefix="image-inbox-bench-", dir=os.environ.get("BENCH_DIR", "/var/tmp"))

    def close(self):
        """Removes every workspace of the run (kept with BENCH_KEEP=1)."""
        if os.environ.get("BENCH_KEEP"):
            print(f"workspaces kept in {self.folder}", flush=True)
        else:
            shutil.rmtree(self.folder, ignore_errors=True)

    def size(self, full, quick):
        return quick if self.quick else full

    def workspace(self, name):
        return Workspace(name, self.bin_dir, self.python, self.folder)
