"""Shared pieces of the benchmarks: the error type, bounded waiting, percentiles, /proc readers."""
import math
import os
import socket
import sys
import time

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


class BenchError(Exception):
    """Something broke (a process crashed, results are missing): the run exits 1 with this message."""


def progress(text):
    """A line on stderr saying what runs now (the results go to stdout)."""
    print(text, file=sys.stderr, flush=True)


def wait_until(check, timeout, what, processes=(), interval=0.05):
    """Calls `check` until it returns something truthy, and returns that.

    Raises BenchError when `timeout` seconds pass first, or when one of `processes` (objects with
    `ensure_running()`) has exited.
    """
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        for process in processes:
            process.ensure_running()
        if time.monotonic() >= deadline:
            raise BenchError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


def percentile(values, fraction):
    """The nearest-rank percentile of `values` (None when empty)."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def distribution(prefix, values):
    """p50, p99 and max of `values` as figures named `PREFIX_p50` and so on."""
    return {
        f"{prefix}_p50": percentile(values, 0.50),
        f"{prefix}_p99": percentile(values, 0.99),
        f"{prefix}_max": max(values) if values else None,
    }


def cpu_seconds(pid):
    """User plus system CPU time of the whole process (all its threads), in seconds."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as file:
        fields = file.read().rsplit(")", 1)[1].split()
    # After the command name: state is field 3, utime field 14 and stime field 15 (1-based).
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def status_field_kib(pid, name):
    """A `kB` field of /proc/PID/status, such as VmHWM, in KiB."""
    with open(f"/proc/{pid}/status", encoding="ascii") as file:
        for line in file:
            if line.startswith(name + ":"):
                return int(line.split()[1])
    raise BenchError(f"/proc/{pid}/status has no {name}")


def peak_rss_mib(pid):
    """The process's peak resident memory (VmHWM), in MiB."""
    return status_field_kib(pid, "VmHWM") / 1024


def thread_sample(pid):
    """Each current thread's context switches (voluntary plus involuntary) and CPU time in
    nanoseconds (schedstat, finer than the clock ticks of /proc/PID/stat): {thread id: (switches, ns)}."""
    sample = {}
    task_dir = f"/proc/{pid}/task"
    for task in os.listdir(task_dir):
        try:
            with open(f"{task_dir}/{task}/status", encoding="ascii") as file:
                switches = sum(
                    int(line.split()[1]) for line in file
                    if line.startswith(("voluntary_ctxt_switches:", "nonvoluntary_ctxt_switches:"))
                )
            with open(f"{task_dir}/{task}/schedstat", encoding="ascii") as file:
                nanoseconds = int(file.read().split()[0])
        except FileNotFoundError:  # the thread ended meanwhile
            continue
        sample[task] = (switches, nanoseconds)
    return sample


def thread_sample_delta(before, after):
    """(context switches, CPU seconds) between two thread_sample()s. Threads that ended in between
    are left out (their counts are gone); threads that started are counted from zero."""
    switches = sum(count - before.get(task, (0, 0))[0] for task, (count, _) in after.items())
    nanoseconds = sum(used - before.get(task, (0, 0))[1] for task, (_, used) in after.items())
    return switches, nanoseconds / 1e9


def count_results(folder, suffix=".png"):
    """How many entries of `folder` (not below it) end with `suffix`."""
    with os.scandir(folder) as entries:
        return sum(1 for entry in entries if entry.name.endswith(suffix))


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
