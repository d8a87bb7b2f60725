"""Scenarios under load: a burst of drops (throughput), paced drops (detection), a backlog at start.

Each measures image-inbox and then the reference script, each on a fresh stub and workspace.
"""
import os
import time

from .common import BenchError, count_results, cpu_seconds, distribution, free_port, peak_rss_mib, progress, wait_until
from .fixtures import READY_TIMEOUT_SECONDS, WAITING_SECONDS, write_prompts
from .inotify import ResultWatcher
from .scraper import Scraper
from .report import Result
from .workspace import WORKERS

LATENCY_MS = 50
CONCURRENCY = 32
DETECTION_CONCURRENCY = 4
DETECTION_RATE = 10  # drops per second
SIGTERM_AFTER_SECONDS = 3
SIGTERM_GRACE_SECONDS = 65  # above the daemon's 60 s shutdown timeout: measures its own exit


def ideal_seconds(count, concurrency=CONCURRENCY):
    """The makespan of `count` requests at the stub's latency with `concurrency` in flight."""
    return count * LATENCY_MS / 1000 / concurrency


def throughput(context):
    count = context.size(2000, 300)
    ideal = ideal_seconds(count)
    result = Result("throughput", prompts=count, latency_ms=LATENCY_MS, concurrency=CONCURRENCY)
    runs = []
    for kind in WORKERS:
        progress(f"throughput: {kind}, {count} prompts renamed in at once")
        runs.append(_throughput_run(context, count, ideal, kind))
    result.compare(runs, ("efficiency", "makespan_s"))
    result.add("ideal_s", ideal)
    result.compare(runs, ("max_in_flight", "cpu_ms_per_job", "peak_rss_mib", "requests"))
    return result


def _throughput_run(context, count, ideal, kind, scraped=False):
    """One burst of `count` renamed-in prompts; `scraped`: image-inbox serves its metrics and a
    Prometheus stand-in fetches them every second."""
    with context.workspace("throughput") as workspace:
        staging, inbox = workspace.folder("staging"), workspace.folder("inbox")
        names = [name for name, _ in write_prompts(staging, count, "throughput")]
        stub = workspace.stub(LATENCY_MS)
        address = f"127.0.0.1:{free_port()}" if scraped else None
        if scraped:
            worker = workspace.daemon(stub, inbox, CONCURRENCY, metrics_address=address)
        else:
            worker = workspace.worker(kind, stub, inbox, CONCURRENCY)
        worker.wait_ready(READY_TIMEOUT_SECONDS)
        scraper = Scraper(f"http://{address}/metrics") if scraped else None
        cpu_before = cpu_seconds(worker.pid)
        started = time.monotonic()
        for name in names:
            os.rename(os.path.join(staging, name), os.path.join(inbox, name))
        wait_until(lambda: count_results(inbox) >= count, 10 * ideal + 60, f"{count} results", workspace.processes)
        makespan = time.monotonic() - started
        scrapes = scraper.stop() if scraper else 0
        cpu, rss = cpu_seconds(worker.pid) - cpu_before, peak_rss_mib(worker.pid)
        stats = stub.stats()
        workspace.check_alive()
    return {
        "efficiency": ideal / makespan, "makespan_s": makespan, "max_in_flight": stats["max_in_flight"],
        "cpu_ms_per_job": cpu / count * 1000, "peak_rss_mib": rss, "requests": stats["generations"], "scrapes": scrapes,
    }


def metrics_cost(context):
    """The throughput scenario's daemon without metrics and with them scraped every second."""
    count = context.size(2000, 300)
    ideal = ideal_seconds(count)
    result = Result("metrics", prompts=count, latency_ms=LATENCY_MS, concurrency=CONCURRENCY, scrape_interval_s=1)
    runs = {}
    for scraped in (False, True):
        progress(f"metrics: image-inbox {'with metrics scraped every second' if scraped else 'without metrics'}, {count} prompts")
        runs[scraped] = _throughput_run(context, count, ideal, "image-inbox", scraped)
    for name in ("cpu_ms_per_job", "efficiency", "peak_rss_mib"):
        result.add(f"{name}_off", runs[False][name])
        result.add(f"{name}_on", runs[True][name])
    result.add("scrapes", runs[True]["scrapes"])
    result.note("cpu_ms_per_job_on includes the scrapes' own cost; compare on and off as a ratio of one run")
    return result


def detection(context):
    count = context.size(200, 50)
    result = Result("detection", prompts=count, rate_per_s=DETECTION_RATE, latency_ms=LATENCY_MS,
                    concurrency=DETECTION_CONCURRENCY)
    runs = []
    for kind in WORKERS:
        progress(f"detection: {kind}, {count} prompts renamed in at {DETECTION_RATE}/s")
        runs.append(_detection_run(context, count, kind))
    result.compare(runs, list(runs[0]))
    if runs[0]["request_ms_p50"] is None:
        result.note("the stub has no /stub/stats: the drop -> request figures are missing")
    return result


def _detection_run(context, count, kind):
    with context.workspace("detection") as workspace:
        staging, inbox = workspace.folder("staging"), workspace.folder("inbox")
        prompts = write_prompts(staging, count, "detection")
        stub = workspace.stub(LATENCY_MS)
        worker = workspace.worker(kind, stub, inbox, DETECTION_CONCURRENCY)
        worker.wait_ready(READY_TIMEOUT_SECONDS)
        watcher = ResultWatcher(inbox)
        workspace.on_close(watcher.close)
        drops = _paced_drops(workspace, staging, inbox, prompts)
        wait_until(lambda: watcher.count() >= count, 60, f"{count} results", workspace.processes)
        stats = stub.stats()
        workspace.check_alive()
    arrivals = _first_arrivals(stats)
    request_ms = []
    if arrivals is not None:
        request_ms = [(arrivals[text] - wall) * 1000 for _, text, wall, _ in drops if text in arrivals]
        if len(request_ms) < count:
            raise BenchError(f"the stub saw {len(request_ms)} of the {count} dropped prompts")
    seen = [(watcher.time_of(name[: -len(".prompt")] + ".png"), dropped) for name, _, _, dropped in drops]
    if any(appeared is None for appeared, _ in seen):
        raise BenchError("a result appeared under another name than NAME.png")
    result_ms = [(appeared - dropped) * 1000 for appeared, dropped in seen]
    return {**distribution("request_ms", request_ms), **distribution("result_ms", result_ms)}


def _paced_drops(workspace, staging, inbox, prompts):
    """Renames the prompts into the inbox at DETECTION_RATE; returns (name, text, wall, monotonic)."""
    drops = []
    began = time.monotonic()
    for index, (name, text) in enumerate(prompts):
        delay = began + index / DETECTION_RATE - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        if index % DETECTION_RATE == 0:
            workspace.check_alive()
        wall, dropped = time.time(), time.monotonic()
        os.rename(os.path.join(staging, name), os.path.join(inbox, name))
        drops.append((name, text, wall, dropped))
    return drops


def _first_arrivals(stats):
    """Prompt text -> when the stub first received it (wall clock), or None without arrivals."""
    if stats.get("arrivals") is None:
        return None
    first = {}
    for prompt, arrived in stats["arrivals"]:
        first.setdefault(prompt.strip(), arrived)
    return first


def backlog(context):
    count = context.size(20000, 2000)
    ideal = ideal_seconds(count)
    result = Result("backlog", prompts=count, latency_ms=LATENCY_MS, concurrency=CONCURRENCY)
    runs = []
    for kind in WORKERS:
        progress(f"backlog: {kind}, {count} prompts waiting at start")
        runs.append(_backlog_run(context, count, ideal, kind))
    result.compare(runs, ("ready_s", "first_request_s", "all_results_s"))
    result.add("ideal_s", ideal)
    result.compare(runs, ("all_over_ideal",))
    progress(f"backlog: image-inbox, SIGTERM {SIGTERM_AFTER_SECONDS} s after start")
    for name, value in _sigterm_run(context, count).items():
        result.add(name, value)
    if runs[0]["first_request_s"] is None:
        result.note("the stub has no /stub/stats: first_request_s is missing")
    return result


def _backlog_run(context, count, ideal, kind):
    with context.workspace("backlog") as workspace:
        inbox = workspace.folder("inbox")
        write_prompts(inbox, count, "backlog", age_seconds=WAITING_SECONDS)
        stub = workspace.stub(LATENCY_MS)
        worker = workspace.worker(kind, stub, inbox, CONCURRENCY)
        ready = worker.wait_ready(READY_TIMEOUT_SECONDS + 10 * ideal)
        wait_until(lambda: count_results(inbox) >= count, 10 * ideal + 120, f"{count} results",
                   workspace.processes, interval=0.2)
        done = time.monotonic() - worker.process.started
        stats = stub.stats()
        workspace.check_alive()
    arrivals = stats.get("arrivals")
    first = min(arrived for _, arrived in arrivals) - worker.process.started_wall if arrivals else None
    return {"ready_s": ready, "first_request_s": first, "all_results_s": done, "all_over_ideal": done / ideal}


def _sigterm_run(context, count):
    with context.workspace("backlog-sigterm") as workspace:
        inbox = workspace.folder("inbox")
        write_prompts(inbox, count, "backlog", age_seconds=WAITING_SECONDS)
        stub = workspace.stub(LATENCY_MS)
        daemon = workspace.daemon(stub, inbox, CONCURRENCY)
        deadline = daemon.process.started + SIGTERM_AFTER_SECONDS
        while time.monotonic() < deadline:
            daemon.process.ensure_running()
            time.sleep(min(0.05, max(0, deadline - time.monotonic())))
        code, seconds = daemon.process.stop(grace=SIGTERM_GRACE_SECONDS)
        made = count_results(inbox)
        workspace.check_alive()
    return {"sigterm_exit_s": seconds, "sigterm_exit_code": code, "results_at_exit": made}
