"""When results appear in a folder, seen through inotify (ctypes, no third-party module)."""
import ctypes
import os
import select
import struct
import threading
import time

from .processes import READER_LIFETIME_SECONDS

IN_CLOSE_WRITE = 0x00000008
IN_MOVED_TO = 0x00000080
IN_NONBLOCK = 0o4000
IN_CLOEXEC = 0o2000000
EVENT_HEADER = struct.Struct("iIII")  # wd, mask, cookie, len (then the name, NUL-padded)

_libc = ctypes.CDLL(None, use_errno=True)


def _checked(result, what):
    if result < 0:
        error = ctypes.get_errno()
        raise OSError(error, f"{what}: {os.strerror(error)}")
    return result


class ResultWatcher:
    """Records the monotonic time at which each file named `*SUFFIX` is closed after writing or
    renamed into `folder` (the first time only). Hidden names are ignored."""

    def __init__(self, folder, suffix=".png"):
        self.suffix = suffix
        self.seen = {}
        self.lock, self.closing = threading.Lock(), threading.Event()
        self.fd = _checked(_libc.inotify_init1(IN_NONBLOCK | IN_CLOEXEC), "inotify_init1")
        _checked(_libc.inotify_add_watch(self.fd, os.fsencode(folder), IN_CLOSE_WRITE | IN_MOVED_TO), "inotify_add_watch")
        self.thread = threading.Thread(target=self._read_events, name="inotify", daemon=True)
        self.thread.start()

    def _read_events(self):
        deadline = time.monotonic() + READER_LIFETIME_SECONDS
        while not self.closing.is_set() and time.monotonic() < deadline:
            readable, _, _ = select.select([self.fd], [], [], 0.2)
            if not readable:
                continue
            arrived = time.monotonic()
            try:
                buffer = os.read(self.fd, 64 * 1024)
            except BlockingIOError:
                continue
            self._record(buffer, arrived)

    def _record(self, buffer, arrived):
        offset = 0
        with self.lock:
            while offset + EVENT_HEADER.size <= len(buffer):
                _, _, _, length = EVENT_HEADER.unpack_from(buffer, offset)
                start = offset + EVENT_HEADER.size
                name = buffer[start:start + length].rstrip(b"\0").decode(errors="replace")
                offset = start + length
                if name.endswith(self.suffix) and not name.startswith("."):
                    self.seen.setdefault(name, arrived)

    def count(self):
        with self.lock:
            return len(self.seen)

    def time_of(self, name):
        """When `name` was first seen, or None."""
        with self.lock:
            return self.seen.get(name)

    def close(self):
        self.closing.set()
        self.thread.join(timeout=5)
        os.close(self.fd)
