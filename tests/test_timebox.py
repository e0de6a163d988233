"""The time box: stops on time, records partial results, never loses finished work.

A fake clock that only moves when a step "works" makes every timing exact and
independent of the machine's speed; one test uses the real clock with a wide margin.
"""

import time

import pytest

from paper2prod import timebox
from paper2prod.timebox import OutOfTime, Record, Timebox


class FakeClock:
    def __init__(self):
        self.now = 100.0  # not zero: the box must measure from when it opened

    def __call__(self):
        return self.now

    def advance(self, seconds):
        self.now += seconds


def timed_work(clock, seconds_per_item):
    """Work whose cost (in fake seconds) is looked up per item; returns item * 10."""

    def work(item):
        clock.advance(seconds_per_item[item])
        return item * 10

    return work


def test_runs_the_whole_plan_when_the_budget_allows():
    clock = FakeClock()
    record = Timebox(seconds=100, clock=clock).run(timed_work(clock, {1: 1, 2: 2, 3: 3}), [1, 2, 3], progress=False)
    assert record.results == [10, 20, 30]
    assert record.stopped_because == timebox.FINISHED
    assert record.not_done == []
    assert [s.started for s in record.steps] == [0, 1, 3]
    assert [s.seconds for s in record.steps] == [1, 2, 3]
    assert record.elapsed == 6


def test_does_not_start_a_step_once_time_is_up():
    clock = FakeClock()
    ran = []

    def work(item):
        ran.append(item)
        clock.advance(5)
        return item

    record = Timebox(seconds=10, clock=clock).run(work, range(10), progress=False)
    assert ran == [0, 1], "after two 5-second steps the 10-second budget is spent"
    assert record.results == [0, 1]
    assert record.stopped_because == timebox.OUT_OF_TIME
    assert record.not_done == [str(i) for i in range(2, 10)]
    assert record.elapsed <= 10


def test_does_not_start_a_step_that_would_overrun():
    clock = FakeClock()
    # 4 s then 4 s: 2 s left, and the last step took 4 s, so the third is not started
    record = Timebox(seconds=10, clock=clock).run(timed_work(clock, {1: 4, 2: 4, 3: 1}), [1, 2, 3], progress=False)
    assert record.results == [10, 20]
    assert record.stopped_because == timebox.NEXT_WOULD_OVERRUN
    assert record.elapsed <= 10


def test_step_budget():
    clock = FakeClock()
    record = Timebox(max_steps=2, clock=clock).run(
        timed_work(clock, {i: 1 for i in range(5)}), range(5), progress=False
    )
    assert record.results == [0, 10]
    assert record.stopped_because == timebox.OUT_OF_STEPS
    assert record.not_done == ["2", "3", "4"]


def test_whichever_budget_runs_out_first():
    clock = FakeClock()
    work = timed_work(clock, {i: 3 for i in range(5)})
    assert (
        Timebox(seconds=100, max_steps=2, clock=clock).run(work, range(5), progress=False).stopped_because
        == timebox.OUT_OF_STEPS
    )
    assert Timebox(seconds=7, max_steps=4, clock=clock).run(work, range(5), progress=False).results == [0, 10]


def test_a_step_that_overruns_is_kept_and_marked_late():
    clock = FakeClock()
    record = Timebox(seconds=10, clock=clock).run(timed_work(clock, {1: 3, 2: 9, 3: 1}), [1, 2, 3], progress=False)
    assert record.results == [10, 20], "finished work is kept even when it finished late"
    assert [s.late for s in record.steps] == [False, True]
    assert record.stopped_because == timebox.OUT_OF_TIME


def test_cooperative_check_stops_a_long_step_and_keeps_the_finished_ones():
    clock = FakeClock()
    box = Timebox(seconds=10, clock=clock)

    def long_work(item):
        for _ in range(item):  # an inner loop that checks the clock each round
            box.check()
            clock.advance(1)
        return item

    record = box.run(long_work, [3, 2, 50, 2], progress=False)
    assert record.results == [3, 2], "the step cut off by check() is not recorded as done"
    assert record.stopped_because == timebox.OUT_OF_TIME
    assert record.not_done == ["50", "2"]
    assert record.elapsed == pytest.approx(10)


def test_check_outside_a_run_does_nothing_and_raises_once_spent():
    clock = FakeClock()
    box = Timebox(seconds=1, clock=clock)
    box.check()  # not opened yet: nothing to enforce
    box.opened = clock()
    clock.advance(2)
    with pytest.raises(OutOfTime):
        box.check()
    assert box.remaining() == 0.0


def test_stop_rule_sees_results_so_far():
    clock = FakeClock()
    seen = []

    def rule(results):
        seen.append(list(results))
        return results[-1] >= 20

    record = Timebox(clock=clock).run(
        timed_work(clock, {i: 1 for i in range(5)}), range(5), stop_rule=rule, progress=False
    )
    assert seen == [[0], [0, 10], [0, 10, 20]]
    assert record.results == [0, 10, 20]
    assert record.stopped_because == timebox.STOP_RULE
    assert record.not_done == ["3", "4"]


def test_a_failing_step_keeps_the_finished_work_on_the_box():
    clock = FakeClock()
    box = Timebox(seconds=100, clock=clock)

    def work(item):
        clock.advance(1)
        if item == 2:
            raise RuntimeError("boom")
        return item

    with pytest.raises(RuntimeError, match="boom"):
        box.run(work, [0, 1, 2, 3], progress=False)
    assert box.record.results == [0, 1]
    assert box.record.stopped_because == timebox.FAILED
    assert box.record.not_done == ["2", "3"]


def test_an_interrupt_keeps_the_finished_work_on_the_box():
    clock = FakeClock()
    box = Timebox(clock=clock)

    def work(item):
        if item == 1:
            raise KeyboardInterrupt
        return item

    with pytest.raises(KeyboardInterrupt):
        box.run(work, [0, 1, 2], progress=False)
    assert box.record.results == [0]
    assert box.record.stopped_because == timebox.INTERRUPTED


def test_names_save_and_load(tmp_path):
    clock = FakeClock()
    record = Timebox(seconds=5, clock=clock).run(
        timed_work(clock, {1: 1, 2: 1}), [1, 2], name=lambda item: f"rank {item}", progress=False
    )
    assert record.names == ["rank 1", "rank 2"]
    again = Record.load(record.save(tmp_path / "record.json"))
    assert again == record
    assert list(record.to_frame().columns) == ["index", "name", "result", "started", "seconds", "late"]
    assert "2 step(s) done" in str(record) and "rank 2" in str(record)


def test_each_run_starts_a_fresh_record():
    clock = FakeClock()
    box = Timebox(max_steps=3, clock=clock)
    work = timed_work(clock, {i: 1 for i in range(3)})
    first = box.run(work, [0, 1], progress=False)
    second = box.run(work, [2], progress=False)
    assert first.results == [0, 10] and second.results == [20]


@pytest.mark.parametrize("kwargs", [dict(seconds=0), dict(seconds=-1), dict(max_steps=0), dict(max_steps=1.5)])
def test_rejects_meaningless_budgets(kwargs):
    with pytest.raises(ValueError):
        Timebox(**kwargs)


def test_real_clock_stops_on_time():
    # 50 ms steps under a 0.3 s budget: never more than the budget plus one step.
    # Under load one step can take 0.1 s, and then a second would overrun: at least one runs.
    def work(item):
        time.sleep(0.05)
        return item

    started = time.monotonic()
    record = Timebox(seconds=0.3).run(work, range(100), progress=False)
    took = time.monotonic() - started
    assert 1 <= len(record.steps) < 100
    assert record.stopped_because in (timebox.OUT_OF_TIME, timebox.NEXT_WOULD_OVERRUN)
    assert took < 0.3 + 1.0, f"took {took:.2f} s for a 0.3 s budget"
