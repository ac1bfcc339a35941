"""Two loads compared in alternating rounds, reported as ratios.

The machine is shared and noisy: another process starting halves a rate for a few seconds. A figure
measured beside its reference in the same round, the two taking turns to go first, carries that
noise on both sides, so the ratio of each round holds where the rates alone do not; the median of
the rounds' ratios drops the round a burst of noise fell on unevenly."""

import statistics
from collections.abc import Callable
from dataclasses import dataclass

from benchmarks.load import Load

Report = Callable[[str, float, str], None]
ROUNDS = 3


@dataclass(frozen=True, slots=True)
class Series:
    """One side of a comparison: what it is called in the figures' names, its unit, its rounds."""

    name: str
    unit: str
    loads: list[Load]

    @property
    def rate(self) -> float:
        return statistics.median(load.rate for load in self.loads)

    def percentile_ms(self, percent: int) -> float:
        return statistics.median(load.percentile_ms(percent) for load in self.loads)


def alternate(*measures: Callable[[], Load], rounds: int = ROUNDS) -> list[list[Load]]:
    """``rounds`` rounds of every measure, a different one going first each round; each measure's
    loads, in the order the measures are given."""
    found: list[list[Load]] = [[] for _ in measures]
    for n in range(rounds):
        for i in range(len(measures)):
            turn = (n + i) % len(measures)
            found[turn].append(measures[turn]())
    return found


def compare(report: Report, subject: Series, base: Series, tag: str, prefix: str = "") -> None:
    """Print both sides' rates and their p50 and p99 (medians over the rounds), and the subject's
    rate and p99 as a ratio to the base's (the median of the rounds' ratios); every name begins with
    ``prefix`` and ends with ``tag``."""
    pairs = list(zip(subject.loads, base.loads, strict=True))
    ratios = statistics.median(s.rate / b.rate for s, b in pairs)
    p99s = statistics.median(s.percentile_ms(99) / b.percentile_ms(99) for s, b in pairs)
    report(f"{prefix}{subject.name}_{tag}", subject.rate, subject.unit)
    report(f"{prefix}{base.name}_{tag}", base.rate, base.unit)
    report(f"{prefix}{subject.name}_vs_{base.name}_{tag}", ratios, "×")
    for side in (subject, base):
        for percent in (50, 99):
            report(f"{prefix}{side.name}_p{percent}_{tag}", side.percentile_ms(percent), "ms")
    report(f"{prefix}{subject.name}_p99_vs_{base.name}_{tag}", p99s, "×")
