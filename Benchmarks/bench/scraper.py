"""A Prometheus stand-in: fetches a /metrics page every second on a thread until stopped."""
import threading
import urllib.request

SCRAPE_INTERVAL_SECONDS = 1.0
MAXIMUM_SCRAPES = 3600  # an hour of scrapes at most, whatever happens to the run


class Scraper:
    def __init__(self, url):
        self.url, self.scrapes, self.failures = url, 0, 0
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while self.scrapes + self.failures < MAXIMUM_SCRAPES and not self.stopping.is_set():
            try:
                with urllib.request.urlopen(self.url, timeout=5) as response:
                    response.read()
                self.scrapes += 1
            except OSError:
                self.failures += 1
            self.stopping.wait(SCRAPE_INTERVAL_SECONDS)

    def stop(self):
        """Stops scraping; returns how many scrapes succeeded."""
        self.stopping.set()
        self.thread.join()
        return self.scrapes
