"""A scenario's figures, as table rows and as one `BENCH {json}` line."""
import json


class Result:
    """The figures of one scenario: each for image-inbox and, where it applies, the script."""

    def __init__(self, scenario, **params):
        self.scenario, self.params = scenario, params
        self.figures = {}  # name -> (image-inbox, script)
        self.notes = []

    def add(self, name, inbox, script=None):
        self.figures[name] = (inbox, script)

    def compare(self, runs, names):
        """Adds each of `names` from `runs`: the image-inbox run's figures, then the script's."""
        inbox_run, script_run = runs
        for name in names:
            self.add(name, inbox_run[name], script_run[name])

    def note(self, text):
        self.notes.append(text)

    def ratios(self):
        """image-inbox / script for every figure that has both (and a non-zero script value)."""
        return {
            name: inbox / script
            for name, (inbox, script) in self.figures.items()
            if _is_number(inbox) and _is_number(script) and script != 0
        }

    def bench_line(self):
        """`BENCH {json}`: params, figures per side, ratios; sides without figures are left out."""
        document = {
            "scenario": self.scenario,
            "params": self.params,
            "image_inbox": {name: _rounded(inbox) for name, (inbox, _) in self.figures.items()},
            "script": {name: _rounded(script) for name, (_, script) in self.figures.items() if script is not None},
            "ratio": {name: _rounded(ratio) for name, ratio in self.ratios().items()},
            "notes": self.notes,
        }
        return "BENCH " + json.dumps({key: value for key, value in document.items() if value or key == "params"})

    def rows(self):
        ratios = self.ratios()
        return [
            (self.scenario, name, _shown(inbox), _shown(script), _shown(ratios.get(name)))
            for name, (inbox, script) in self.figures.items()
        ]


def table(results):
    """The figures of every result, aligned, then their notes."""
    rows = [("scenario", "figure", "image-inbox", "script", "ratio")]
    for result in results:
        rows += result.rows()
    widths = [max(len(row[column]) for row in rows) + 3 for column in range(5)]
    lines = ["".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() for row in rows]
    lines += [f"{result.scenario}: {note}" for result in results for note in result.notes]
    return "\n".join(lines)


def _is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _rounded(value):
    return round(value, 4) if isinstance(value, float) else value


def _shown(value):
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.0f}" if abs(value) >= 1000 else f"{value:.3g}"
    return str(value)
