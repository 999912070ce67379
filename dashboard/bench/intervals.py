"""95 % intervals for the benchmark's figures, and the verdict a target gets from one.

A figure is the median of a sample; a target is mostly a ratio of two such medians (the
dashboard's over the floor's, say) measured independently. A sample is a list of rounds, each
a list of values: the filter changes of one interleaved round on a fresh server (the changes of
a round share that server and that moment's machine load, so they are not independent of each
other), or a single value for a cold start or a save (each its own round).

The interval is a two-stage (cluster) bootstrap: for each of `resamples` resamples, draw the
rounds with replacement, then within each drawn round its values with replacement, and take the
median of everything drawn; the ratio of the two samples' resampled medians gives one resampled
ratio, and the interval is the 2.5th to 97.5th percentile of those. Resampling at both stages
counts the spread within rounds twice, so the interval is a little wide rather than too narrow
(the safer error for a "met"). With one round it is the plain bootstrap over its values. The
point estimate is the ratio of the plain medians of all values; the interval is widened to
include it should a lopsided resample distribution leave it out. The random generator is seeded
(`SEED`), so the same figures always give the same interval and the same report.

Verdicts (`verdict`): "met" only when the whole interval is within the limit, "MISSED" only when
the whole interval is beyond it, otherwise "unclear — more rounds" (measure more to decide).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from numbers import Real

import numpy as np

RESAMPLES = 2000
SEED = 20261204
LEVEL = 0.95
MET, MISSED, UNCLEAR = "met", "MISSED", "unclear — more rounds"

Rounds = Sequence[Sequence[float]]


@dataclass(frozen=True)
class Interval:
    value: float  # the point estimate
    low: float
    high: float

    @property
    def width(self) -> float:
        return self.high - self.low


def as_rounds(values: Sequence[float] | Rounds | None) -> list[list[float]]:
    """A sample as rounds: a flat list of numbers is one round per value (cold starts, saves);
    a list of lists is kept as it is. Empty rounds and missing values are dropped."""
    rounds: list[list[float]] = []
    for item in values or []:
        if item is None:
            continue
        if isinstance(item, Real):
            rounds.append([float(item)])
        else:
            kept = [float(v) for v in item if v is not None]
            if kept:
                rounds.append(kept)
    return rounds


def _median(rounds: list[list[float]]) -> float:
    return float(np.median([v for one in rounds for v in one]))


def _resampled_medians(rounds: list[list[float]], resamples: int, rng) -> np.ndarray:
    """The median of each of `resamples` two-stage resamples of `rounds`."""
    sizes = np.array([len(one) for one in rounds])
    width = int(sizes.max())
    table = np.full((len(rounds), width), np.nan)
    for i, one in enumerate(rounds):
        table[i, : len(one)] = one
    picked = rng.integers(0, len(rounds), size=(resamples, len(rounds)))  # stage 1: rounds
    picked_sizes = sizes[picked][:, :, None]
    slots = np.arange(width)[None, None, :]
    # stage 2: each drawn round's own values, as many as it has; the other slots stay empty
    within = np.floor(rng.random((resamples, len(rounds), width)) * picked_sizes).astype(int)
    drawn = np.where(slots < picked_sizes, table[picked[:, :, None], within], np.nan)
    return np.nanmedian(drawn.reshape(resamples, -1), axis=1)


def _interval(point: float, resampled: np.ndarray, level: float) -> Interval:
    tail = (1 - level) / 2 * 100
    low, high = np.percentile(resampled, [tail, 100 - tail])
    return Interval(point, min(float(low), point), max(float(high), point))


def median_interval(
    sample: Sequence[float] | Rounds | None,
    resamples: int = RESAMPLES,
    seed: int = SEED,
    level: float = LEVEL,
) -> Interval | None:
    """The median of `sample` with its interval; None for an empty sample."""
    rounds = as_rounds(sample)
    if not rounds:
        return None
    rng = np.random.default_rng(seed)
    return _interval(_median(rounds), _resampled_medians(rounds, resamples, rng), level)


def ratio_interval(
    numerator: Sequence[float] | Rounds | None,
    denominator: Sequence[float] | Rounds | None,
    resamples: int = RESAMPLES,
    seed: int = SEED,
    level: float = LEVEL,
) -> Interval | None:
    """median(numerator) / median(denominator) with its interval; None when either sample is
    empty or the denominator's median is not positive."""
    top, bottom = as_rounds(numerator), as_rounds(denominator)
    if not top or not bottom or _median(bottom) <= 0:
        return None
    rng = np.random.default_rng(seed)
    top_medians = _resampled_medians(top, resamples, rng)
    bottom_medians = _resampled_medians(bottom, resamples, rng)
    keep = bottom_medians > 0
    return _interval(
        _median(top) / _median(bottom), top_medians[keep] / bottom_medians[keep], level
    )


def difference_interval(
    first: Sequence[float] | Rounds | None,
    second: Sequence[float] | Rounds | None,
    resamples: int = RESAMPLES,
    seed: int = SEED,
    level: float = LEVEL,
) -> Interval | None:
    """median(first) - median(second) with its interval; None when either sample is empty."""
    a, b = as_rounds(first), as_rounds(second)
    if not a or not b:
        return None
    rng = np.random.default_rng(seed)
    resampled = _resampled_medians(a, resamples, rng) - _resampled_medians(b, resamples, rng)
    return _interval(_median(a) - _median(b), resampled, level)


def verdict(
    low: float | None, high: float | None, limit: float, at_least: bool = False
) -> str | None:
    """ "met" when the interval [low, high] is within the limit (≤ limit, or ≥ limit when
    `at_least`), "MISSED" when it is wholly beyond it, else "unclear — more rounds"; None
    without an interval."""
    if low is None or high is None:
        return None
    if at_least:
        return MET if low >= limit else MISSED if high < limit else UNCLEAR
    return MET if high <= limit else MISSED if low > limit else UNCLEAR
