"""Exact moments of a numeric column, mergeable with Chan et al.'s parallel update."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


@dataclass
class Moments:
    """Count, mean, sum of squared deviations (M2), sum, min and max of the finite values seen."""

    n: int = 0
    mean: float = 0.0
    m2: float = 0.0
    sum: float = 0.0
    min: float = math.inf
    max: float = -math.inf

    @classmethod
    def of(cls, values: np.ndarray) -> Moments:
        """The moments of one batch, computed in two passes for accuracy, with one temporary array."""
        if len(values) == 0:
            return cls()
        total = float(values.sum())
        deviations = values - total / len(values)
        # In place, and no np.dot: OpenBLAS would wake its threads, which then spin on other cores.
        squares = np.square(deviations, out=deviations)
        return cls(
            n=len(values),
            mean=total / len(values),
            m2=float(squares.sum()),
            sum=total,
            min=float(values.min()),
            max=float(values.max()),
        )

    @classmethod
    def of_counts(cls, values: np.ndarray, counts: np.ndarray) -> Moments:
        """The moments of distinct `values` occurring `counts` times each."""
        n = int(counts.sum())
        if n == 0:
            return cls()
        total = float((values * counts).sum())
        mean = total / n
        deviations = values - mean
        return cls(
            n=n,
            mean=mean,
            m2=float((counts * np.square(deviations)).sum()),
            sum=total,
            min=float(values.min()),
            max=float(values.max()),
        )

    def merge(self, other: Moments) -> Moments:
        if other.n == 0:
            return Moments(**self.to_dict())
        if self.n == 0:
            return Moments(**other.to_dict())
        n = self.n + other.n
        delta = other.mean - self.mean
        return Moments(
            n=n,
            mean=self.mean + delta * other.n / n,
            m2=self.m2 + other.m2 + delta * delta * self.n * other.n / n,
            sum=self.sum + other.sum,
            min=min(self.min, other.min),
            max=max(self.max, other.max),
        )

    @property
    def std_dev(self) -> float:
        """Population standard deviation, as SageMaker reports it."""
        return math.sqrt(self.m2 / self.n) if self.n else 0.0

    def to_dict(self) -> dict[str, float | int]:
        return {
            "n": self.n,
            "mean": self.mean,
            "m2": self.m2,
            "sum": self.sum,
            "min": self.min,
            "max": self.max,
        }
