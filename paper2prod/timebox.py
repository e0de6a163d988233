"""Run a plan of work under a wall-clock or step budget, and keep what got done.

    box = Timebox(seconds=30, max_steps=6)
    record = box.run(train_and_score, [4, 8, 16, 32], stop_rule=lambda scores: ...)
    record.results          # one result per finished step, in order
    record.stopped_because  # why it stopped (see the constants below)

The promises, each tested in tests/test_timebox.py:

* **Stops on time.** A step is only started when there is time left, and not
  when the previous step took longer than the time that is left (steps in a
  plan usually get dearer, so the last one is a fair guess at the next).
  Python cannot safely kill a running step, so a long step should call
  `box.check()` now and then: it raises `OutOfTime` once the budget is spent.
* **Records what was done by the deadline:** every finished step, with its
  result, when it started and how long it took, and the steps not done.
* **Never loses finished work.** `box.record` is updated after every step, so
  it survives a step that runs out of time, a step that fails, or a keyboard
  interrupt; an unfinished step is simply not in it (it is listed in
  `record.not_done`, with the steps that never started).

The clock can be replaced (`clock=`), which is how the tests check timing
without waiting and without depending on the machine's speed.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path

FINISHED = "finished the plan"
STOP_RULE = "the stop rule said stop"
OUT_OF_STEPS = "step budget spent"
OUT_OF_TIME = "time budget spent"
NEXT_WOULD_OVERRUN = "the next step would not fit in the time left"
FAILED = "a step failed"
INTERRUPTED = "interrupted"


class OutOfTime(Exception):
    """Raised by Timebox.check() inside a step once the time budget is spent."""


@dataclass
class Step:
    index: int  # position in the plan, from 0
    name: str  # what was run, for people
    result: object  # what the work returned
    started: float  # seconds after the box opened
    seconds: float  # how long the step took
    late: bool = False  # finished, but after the deadline


@dataclass
class Record:
    """What a time box did: finished steps, why it stopped, what was not done."""

    steps: list[Step] = field(default_factory=list)
    stopped_because: str = ""
    not_done: list[str] = field(default_factory=list)
    budget_seconds: float | None = None
    max_steps: int | None = None
    elapsed: float = 0.0

    @property
    def results(self) -> list:
        return [step.result for step in self.steps]

    @property
    def names(self) -> list[str]:
        return [step.name for step in self.steps]

    def to_frame(self):
        import pandas as pd

        return pd.DataFrame(
            [asdict(step) for step in self.steps], columns=["index", "name", "result", "started", "seconds", "late"]
        )

    def save(self, path: str | Path) -> Path:
        """Write the record as JSON (results that JSON cannot hold are stored as text)."""
        path = Path(path)
        path.write_text(json.dumps(asdict(self), indent=1, default=repr) + "\n")
        return path

    @classmethod
    def load(cls, path: str | Path) -> Record:
        raw = json.loads(Path(path).read_text())
        raw["steps"] = [Step(**step) for step in raw["steps"]]
        return cls(**raw)

    def __str__(self) -> str:
        budget = []
        if self.budget_seconds is not None:
            budget.append(f"{self.budget_seconds:g} s")
        if self.max_steps is not None:
            budget.append(f"{self.max_steps} steps")
        lines = [
            f"{len(self.steps)} step(s) done in {self.elapsed:.1f} s "
            f"(budget: {' or '.join(budget) or 'none'}); stopped: {self.stopped_because}"
        ]
        lines += [
            f"  {step.index:>2}  {step.name:<28} -> {_short(step.result)}  ({step.seconds:.1f} s"
            f"{', late' if step.late else ''})"
            for step in self.steps
        ]
        if self.not_done:
            lines.append(f"  not done: {', '.join(self.not_done)}")
        return "\n".join(lines)


def _short(value) -> str:
    return f"{value:.4f}" if isinstance(value, float) else repr(value)[:40]


class Timebox:
    """A budget of wall-clock seconds and/or steps; either may be None (no limit)."""

    def __init__(
        self, seconds: float | None = None, max_steps: int | None = None, clock: Callable[[], float] = time.monotonic
    ):
        if seconds is not None and seconds <= 0:
            raise ValueError(f"seconds must be positive, got {seconds}")
        if max_steps is not None and (int(max_steps) != max_steps or max_steps < 1):
            raise ValueError(f"max_steps must be a whole number of at least 1, got {max_steps}")
        self.seconds = seconds
        self.max_steps = max_steps
        self.clock = clock
        self.opened: float | None = None
        self.record = Record(budget_seconds=seconds, max_steps=max_steps)

    # -- time left
    def elapsed(self) -> float:
        return 0.0 if self.opened is None else self.clock() - self.opened

    def remaining(self) -> float | None:
        """Seconds left, never below zero; None when there is no time budget."""
        return None if self.seconds is None else max(0.0, self.seconds - self.elapsed())

    def check(self) -> None:
        """Call inside a long step: raises OutOfTime once the budget is spent."""
        if self.seconds is not None and self.opened is not None and self.elapsed() >= self.seconds:
            raise OutOfTime(f"the time budget of {self.seconds:g} s is spent")

    # -- running a plan
    def _reason_not_to_start(self) -> str | None:
        steps = self.record.steps
        if self.max_steps is not None and len(steps) >= self.max_steps:
            return OUT_OF_STEPS
        left = self.remaining()
        if left is None:
            return None
        if left <= 0:
            return OUT_OF_TIME
        if steps and steps[-1].seconds > left:
            return NEXT_WOULD_OVERRUN
        return None

    def run(
        self,
        work: Callable[[object], object],
        plan: Iterable,
        stop_rule: Callable[[list], bool] | None = None,
        name: Callable[[object], str] = str,
        progress: bool = True,
    ) -> Record:
        """Run work(item) for each item of the plan, in order, until a budget or the rule stops it.

        stop_rule(results) sees the results of every finished step so far and
        returns True to stop (for example when the last step improved too little).
        """
        from tqdm.auto import tqdm

        plan = list(plan)
        self.opened = self.clock()
        self.record = record = Record(budget_seconds=self.seconds, max_steps=self.max_steps)
        record.stopped_because = FINISHED
        bar = tqdm(total=len(plan), desc="time box", disable=not progress, leave=False)
        try:
            for index, item in enumerate(plan):
                reason = self._reason_not_to_start()
                if reason:
                    record.stopped_because = reason
                    break
                started = self.elapsed()
                try:
                    result = work(item)
                except OutOfTime:
                    record.stopped_because = OUT_OF_TIME  # the unfinished step is dropped
                    break
                seconds = self.elapsed() - started
                late = self.seconds is not None and started + seconds > self.seconds
                record.steps.append(Step(index, name(item), result, started, seconds, late))
                bar.update(1)
                if late:
                    record.stopped_because = OUT_OF_TIME
                    break
                if stop_rule is not None and stop_rule(record.results):
                    record.stopped_because = STOP_RULE
                    break
        except KeyboardInterrupt:
            record.stopped_because = INTERRUPTED
            raise
        except Exception:
            record.stopped_because = FAILED
            raise
        finally:
            record.not_done = [name(item) for item in plan[len(record.steps) :]]
            record.elapsed = self.elapsed()
            bar.close()
        return record
