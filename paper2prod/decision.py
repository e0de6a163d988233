"""What lesson 06 decided to ship, written once and read by lesson 07's job.

Lesson 06 ends with a decision: which model, which eligibility threshold, what a
new user sees, and that nobody is offered a film they already rated. Lesson 07
ships exactly that. So that the two cannot drift apart, 06 writes its decision
to a small JSON file and 07's job reads it, instead of each lesson typing its
own copy of the settings:

    decision = Decision(min_ratings=20, rank=chosen_rank, ...)   # lesson 06
    decision.save(LESSON_06 / "decision.json")
    decision = Decision.load(path)                                # lesson 07's job

This module holds the container, its validation, and `implicit_signal`, which
turns ratings into the implicit signal the decision names (so 06 and 07 train on
the same thing); never how the values were chosen: choosing them is lesson 06's
exercise.

The signals (Hu, Koren and Volinsky 2008: an observation r >= 0 gives the
preference p = 1 when r > 0 and the confidence c = 1 + alpha * r):

* "every rating": r = 1 for every rated film, whatever the stars (who rated what);
* "ratings at or above the floor": r = 1 for ratings >= rating_floor; lower ratings
  are left out of training (they still count as seen: nobody is offered them);
* "confidence from the rating": r = the stars, so c = 1 + alpha * stars (what Spark's
  implicit ALS does when it is handed the ratings as they are);
* "low ratings as negative": r = 1 for ratings >= rating_floor and r = -1 below it.
  This is Spark's extension of the paper (ml/recommendation/ALS.scala, computeFactors):
  a rating r <= 0 gives p = 0 with confidence c = 1 + alpha * |r|, so a disliked film
  is a confident "not interested" instead of being left out.

What Spark minimises differs from the paper in one more way: in implicit mode, as in
explicit, it solves each user's (film's) least squares with lambda = regParam times
that user's (film's) number of ratings r > 0 (`numExplicits * regParam`, "based on
the ALS-WR paper"), not the paper's one constant lambda.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from pathlib import Path

FALLBACKS = ("most-rated liked eligible films",)
SIGNALS = ("every rating", "ratings at or above the floor", "confidence from the rating", "low ratings as negative")
FLOOR_SIGNALS = (SIGNALS[1], SIGNALS[3])  # the signals that need a rating_floor


def implicit_signal(ratings, signal: str, rating_floor: float | None = None):
    """userId, movieId, rating = the implicit observation r for ALS(implicitPrefs=True).

    Works on a pandas or a Spark DataFrame (with userId, movieId, rating) and returns the same kind.
    """
    if signal not in SIGNALS:
        raise DecisionError(f"signal must be one of {SIGNALS}, got {signal!r}")
    if (signal in FLOOR_SIGNALS) != (rating_floor is not None):
        raise DecisionError(f"rating_floor is set exactly when the signal is one of {FLOOR_SIGNALS}")
    columns = ["userId", "movieId", "rating"]
    if hasattr(ratings, "loc"):  # pandas
        frame = ratings[columns]
        if signal == SIGNALS[1]:
            frame = frame[frame["rating"] >= rating_floor]
        if signal == SIGNALS[2]:
            return frame.astype({"rating": float})
        if signal == SIGNALS[3]:
            return frame.assign(rating=(frame["rating"] >= rating_floor).map({True: 1.0, False: -1.0}).astype(float))
        return frame.assign(rating=1.0)
    from pyspark.sql import functions as F

    frame = ratings.select(*columns)
    if signal == SIGNALS[1]:
        frame = frame.where(F.col("rating") >= rating_floor)
    strength = {
        SIGNALS[2]: F.col("rating").cast("double"),
        SIGNALS[3]: F.when(F.col("rating") >= rating_floor, 1.0).otherwise(-1.0),
    }.get(signal, F.lit(1.0))
    return frame.withColumn("rating", strength)


class DecisionError(ValueError):
    """A decision file that is missing, unreadable or inconsistent: one line says which."""


@dataclass(frozen=True)
class Decision:
    """The shipped recommender: model settings, eligibility, fallback, exclusions."""

    k: int = 10  # films per list
    min_ratings: int = 20  # a film needs this many training ratings to be shown
    implicit: bool = True  # ALS on who-rated-what (Hu, Koren and Volinsky 2008)
    signal: str = "every rating"  # how ratings become implicit signals (one of SIGNALS)
    rating_floor: float | None = None  # with "ratings at or above the floor"
    rank: int = 10
    reg_param: float = 0.1
    alpha: float = 1.0  # confidence c = 1 + alpha * r (implicit ALS only)
    max_iter: int = 5
    seed: int = 6
    fallback: str = FALLBACKS[0]  # what a user with no history sees
    exclude_rated: bool = True  # never offer a film the user already rated
    source: str = ""  # where the decision came from (notebook, date)

    def __post_init__(self):
        problems = []
        if not (isinstance(self.k, int) and self.k >= 1):
            problems.append(f"k must be a positive whole number, got {self.k!r}")
        if not (isinstance(self.min_ratings, int) and self.min_ratings >= 1):
            problems.append(f"min_ratings must be a positive whole number, got {self.min_ratings!r}")
        if not (isinstance(self.rank, int) and self.rank >= 1):
            problems.append(f"rank must be a positive whole number, got {self.rank!r}")
        if self.reg_param < 0 or self.alpha < 0:
            problems.append("reg_param and alpha cannot be negative")
        if self.signal not in SIGNALS:
            problems.append(f"signal must be one of {SIGNALS}, got {self.signal!r}")
        if (self.signal in FLOOR_SIGNALS) != (self.rating_floor is not None):
            problems.append(f"rating_floor is set exactly when the signal is one of {FLOOR_SIGNALS}")
        if self.fallback not in FALLBACKS:
            problems.append(f"fallback must be one of {FALLBACKS}, got {self.fallback!r}")
        if problems:
            raise DecisionError("; ".join(problems))

    def save(self, path: str | Path) -> Path:
        """Write the decision as JSON (one rename, so a reader never sees half a file)."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(path.name + ".partial")
        partial.write_text(json.dumps(asdict(self), indent=2, sort_keys=True) + "\n")
        partial.replace(path)
        return path

    @classmethod
    def load(cls, path: str | Path) -> Decision:
        path = Path(path)
        try:
            values = json.loads(path.read_text())
        except FileNotFoundError:
            raise DecisionError(f"no decision file at {path}: run lesson 06 to the end first") from None
        except json.JSONDecodeError as error:
            raise DecisionError(f"{path} is not valid JSON ({error.msg}, line {error.lineno})") from None
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise DecisionError(f"{path} has unknown settings {unknown}; known: {sorted(known)}")
        return cls(**values)
