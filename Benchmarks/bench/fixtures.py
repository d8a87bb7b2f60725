"""Inboxes to benchmark on: prompt files with unique texts, and inboxes already done in the ledger."""
import base64
import datetime
import hashlib
import json
import os
import secrets
import sqlite3
import time

# A 1x1 PNG: stands for a result already made.
TINY_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)
READY_TIMEOUT_SECONDS = 60
WAITING_SECONDS = 3600  # the age of files that were there before the daemon started


def write_prompts(folder, count, tag, age_seconds=0):
    """Writes `count` prompt files into `folder`; returns [(file name, prompt text)].

    Every text is unique (it carries the index and a random token), so the stub's arrivals can be
    matched to the files. With `age_seconds`, their mtimes are set that far back: files that
    have been waiting for a while, not ones still being written.
    """
    token = secrets.token_hex(4)
    prompts = []
    for index in range(count):
        name, text = f"{tag}-{index:06d}.prompt", f"{tag} benchmark prompt {index} {token}"
        path = os.path.join(folder, name)
        with open(path, "w", encoding="utf-8") as file:
            file.write(text)
        if age_seconds:
            age(path, age_seconds)
        prompts.append((name, text))
    return prompts


def age(path, seconds):
    """Sets the file's access and modification times `seconds` back."""
    then = time.time() - seconds
    os.utime(path, (then, then))


def make_done_inbox(workspace, inbox, count, folders=100):
    """Fills `inbox` with `count` prompts over `folders` subfolders, each with its NAME.png, all
    recorded as done in the ledger of the workspace's state folder.

    The schema is made by image-inbox itself: it runs once on the still empty inbox.
    """
    create_ledger(workspace, inbox)
    subfolders = [os.path.join(inbox, f"folder-{number:03d}") for number in range(folders)]
    for folder in subfolders:
        os.makedirs(folder, exist_ok=True)
    token = secrets.token_hex(4)
    sources = []
    for index in range(count):
        stem = os.path.join(subfolders[index % folders], f"done-{index:06d}")
        data = f"done benchmark prompt {index} {token}".encode()
        with open(stem + ".prompt", "wb") as file:
            file.write(data)
        with open(stem + ".png", "wb") as file:
            file.write(TINY_PNG)
        age(stem + ".prompt", WAITING_SECONDS)
        age(stem + ".png", WAITING_SECONDS)
        sources.append((stem + ".prompt", hashlib.sha256(data).hexdigest()))
    insert_done_jobs(os.path.join(workspace.path("state"), "ledger.sqlite"), inbox, sources)


def create_ledger(workspace, inbox):
    """Runs image-inbox once (on its own stub) until READY=1, so that it creates the ledger."""
    stub = workspace.stub()
    daemon = workspace.daemon(stub, inbox)
    daemon.wait_ready(READY_TIMEOUT_SECONDS)
    daemon.process.stop()
    stub.process.stop()


def insert_done_jobs(ledger_path, inbox, sources):
    """Records each (source path, content hash) as a finished generation whose result is NAME.png."""
    # Done two days ago: their cost does not count as today's.
    then = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(days=2)
    done = then.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]
    prefix = secrets.token_hex(3)  # ids: 12 hex digits, random but never the same twice
    rows = [
        (f"{prefix}{index:06x}", path, inbox, digest, json.dumps([path[: -len(".prompt")] + ".png"]), done, done)
        for index, (path, digest) in enumerate(sources)
    ]
    with sqlite3.connect(ledger_path, timeout=30) as database:
        database.executemany(
            "INSERT INTO job (id, sourcePath, inbox, contentHash, kind, state, attempts, outputs, usdSpent,"
            " createdAt, updatedAt, requeues, costIsEstimate)"
            " VALUES (?, ?, ?, ?, 'generation', 'done', 1, ?, 0.16, ?, ?, 0, 0)",
            rows,
        )
    database.close()
