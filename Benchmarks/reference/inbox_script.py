#!/usr/bin/env python3
"""The inbox script people write instead of running image-inbox, as the benchmarks' baseline.

Watches a folder with watchdog, and for every NAME.prompt asks an OpenAI-compatible images API
for one 1024x1024 image and writes it to NAME.png (through a hidden temp file and a rename).
Prompts already there at start are taken too, unless their NAME.png exists. Quiet: it prints
`ready` once it watches, and nothing per job except failures. Stops on SIGTERM or SIGINT.
"""
import argparse
import base64
import os
import signal
import sys
import threading
from concurrent.futures import ThreadPoolExecutor

from openai import OpenAI
from watchdog.events import FileSystemEventHandler
from watchdog.observers import Observer


def render(client, model, path):
    """Generates the image for one prompt file and renames it into place."""
    with open(path, encoding="utf-8") as file:
        prompt = file.read()
    result = client.images.generate(model=model, prompt=prompt, size="1024x1024", response_format="b64_json", n=1)
    folder, name = os.path.split(path)
    stem = name[: -len(".prompt")]
    temp = os.path.join(folder, f".{stem}.png.tmp")
    with open(temp, "wb") as file:
        file.write(base64.b64decode(result.data[0].b64_json))
    os.rename(temp, os.path.join(folder, stem + ".png"))


class Inbox(FileSystemEventHandler):
    """Submits each prompt file once, whichever event shows it first."""

    def __init__(self, pool, client, model):
        self.pool, self.client, self.model = pool, client, model
        self.submitted, self.lock = set(), threading.Lock()

    def submit(self, path):
        if not path.endswith(".prompt"):
            return
        with self.lock:
            if path in self.submitted:
                return
            self.submitted.add(path)
        self.pool.submit(self.run, path)

    def run(self, path):
        try:
            render(self.client, self.model, path)
        except Exception as error:  # a failed job must not stop the others
            print(f"failed: {path}: {error}", file=sys.stderr, flush=True)

    def on_created(self, event):
        if not event.is_directory:
            self.submit(event.src_path)

    def on_moved(self, event):
        if not event.is_directory:
            self.submit(event.dest_path)

    def on_closed(self, event):
        self.submit(event.src_path)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inbox", required=True)
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--api-key-file", required=True)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--model", default="openai/gpt-image-2")
    args = parser.parse_args()
    with open(args.api_key_file, encoding="utf-8") as file:
        client = OpenAI(base_url=args.base_url, api_key=file.read().strip())
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    inbox = os.path.abspath(args.inbox)
    with ThreadPoolExecutor(max_workers=args.concurrency) as pool:
        handler = Inbox(pool, client, args.model)
        observer = Observer()
        observer.schedule(handler, inbox, recursive=True)
        observer.start()
        for folder, _, names in os.walk(inbox):
            for name in sorted(names):
                if name.endswith(".prompt") and not os.path.exists(os.path.join(folder, name[:-7] + ".png")):
                    handler.submit(os.path.join(folder, name))
        print("ready", flush=True)
        stop.wait()
        observer.stop()
        pool.shutdown(wait=True, cancel_futures=True)
    observer.join()


if __name__ == "__main__":
    main()
