"""A scenario's workspace: a temp folder under /tmp and every process started in it.

Leaving the `with` block stops those processes (latest first: SIGTERM, SIGKILL after 10 s),
closes the listeners and removes the folder, whether the scenario succeeded or not.
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

    def __init__(self, name, bin_dir, python=None):
        self.name, self.bin_dir, self.python = name, bin_dir, python
        self.processes, self.closers = [], []
        self.ids = itertools.count(1)

    def __enter__(self):
        self.root = tempfile.mkdtemp(prefix=f"image-inbox-bench-{self.name}-", dir="/tmp")
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
        if not os.environ.get("BENCH_KEEP"):
            shutil.rmtree(self.root, ignore_errors=True)

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

    def daemon(self, stub, inbox, concurrency=32, state_dir=None, watch="{mode: auto}", log_level=None):
        """image-inbox on `inbox`; `watch` is the configuration's `watch:` value, in YAML."""
        config = self.path(f"config-{self.next_id()}.yaml")
        with open(config, "w", encoding="utf-8") as file:
            file.write(f"watch: {watch}\n")
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

    def size(self, full, quick):
        return quick if self.quick else full

    def workspace(self, name):
        return Workspace(name, self.bin_dir, self.python)
