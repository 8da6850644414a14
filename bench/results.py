"""What one benchmark reports: measured rows, ratios with their goals, notes,
and the data series of the plots. Plain data, saved as JSON, so that the
report can be written again from a run's results without measuring again."""

from timing import median


class Section:
    def __init__(self, key, title, description=""):
        self.key = key
        self.title = title
        self.description = description
        self.rows = []
        self.ratios = []
        self.notes = []
        self.series = {}
        self.tables = []

    def measured(self, what, runs, note=""):
        """A row of wall times in seconds; reported as their median."""
        self.rows.append({"what": what, "median": median(runs), "runs": list(runs), "note": note})
        return median(runs)

    def derived(self, what, seconds, note=""):
        """A row computed from measured medians (no runs of its own)."""
        self.rows.append({"what": what, "median": seconds, "runs": None, "note": note})
        return seconds

    def ratio(self, what, value, goal=None, rounds=None):
        """``value`` compared with its goal, an upper bound (or none)."""
        self.ratios.append(
            {
                "what": what,
                "value": value,
                "goal": goal,
                "met": None if goal is None else value <= goal,
                "rounds": rounds,
            }
        )
        return value

    def ratio_in_turns(self, what, numerators, denominators, goal=None):
        """The median of the ratios of runs made in the same round: two runs
        made one after the other share the machine's load of that moment, so
        their ratio is steadier than the ratio of two medians."""
        rounds = [numerator / denominator for numerator, denominator in zip(numerators, denominators)]
        return self.ratio(what, median(rounds), goal, rounds)

    def goal(self, what, value, goal, unit):
        """A measured value against an upper bound in ``unit`` (e.g. ms)."""
        self.ratios.append({"what": what, "value": value, "goal": goal, "unit": unit, "met": value <= goal})

    def note(self, text):
        self.notes.append(text)

    def table(self, title, header, rows):
        """A further table (for example, the cost of each task of the role)."""
        self.tables.append({"title": title, "header": list(header), "rows": [list(row) for row in rows]})

    def as_dict(self):
        return {
            "key": self.key,
            "title": self.title,
            "description": self.description,
            "rows": self.rows,
            "ratios": self.ratios,
            "notes": self.notes,
            "series": self.series,
            "tables": self.tables,
        }
