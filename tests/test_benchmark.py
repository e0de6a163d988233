"""The arithmetic floor, the timer and the Spark-against-NumPy sweep (python -m paper2prod.benchmark)."""

import pytest

from paper2prod.benchmark import als_flops, floor_seconds, gemm_flops_per_second


def test_als_flops_by_hand():
    # rank 2: per rating 2*3 + 2*2 = 10 flops, twice per iteration; per solve 8/3 + 8 flops.
    flops = als_flops(n_ratings=5, n_users=2, n_items=3, rank=2, iterations=1)
    assert flops == pytest.approx(2 * 5 * 10 + 5 * (8 / 3 + 8))


def test_als_flops_grow_linearly_in_ratings_and_iterations():
    one = als_flops(1_000, 10, 20, rank=10, iterations=1)
    assert als_flops(1_000, 10, 20, rank=10, iterations=3) == pytest.approx(3 * one)
    more = als_flops(2_000, 10, 20, rank=10) - one
    assert more == pytest.approx(1_000 * 2 * (10 * 11 + 20))


def test_floor_is_flops_over_rate():
    assert floor_seconds(1_000, 10, 20, 10, 2, flops_per_second=1e9) == pytest.approx(
        als_flops(1_000, 10, 20, 10, 2) / 1e9
    )


def test_gemm_rate_is_plausible():
    rate = gemm_flops_per_second(size=256, repeats=2)
    assert 1e7 < rate < 1e13  # between a very slow and a very fast machine


def test_best_seconds_is_the_fastest_run(monkeypatch):
    from paper2prod import benchmark

    clock = iter([0.0, 3.0, 10.0, 11.0, 20.0, 22.0])  # runs of 3, 1 and 2 seconds, on a fake clock
    monkeypatch.setattr(benchmark.time, "perf_counter", lambda: next(clock))
    calls = []
    assert benchmark.best_seconds(lambda: calls.append(1), repeats=3) == 1.0
    assert len(calls) == 3
    with pytest.raises(ValueError, match="at least 1"):
        benchmark.best_seconds(lambda: None, repeats=0)


def test_best_seconds_reads_the_clock_it_is_given():
    from paper2prod import benchmark

    clock = iter([5.0, 5.5, 6.0, 6.25])
    assert benchmark.best_seconds(lambda: None, repeats=2, clock=lambda: next(clock)) == 0.25


def test_numpy_fit_seconds_times_a_fit_of_any_ids():
    pytest.importorskip("paper2prod.numpy_als", reason="paper2prod.numpy_als comes with lesson 03")
    from paper2prod.benchmark import numpy_fit_seconds
    from paper2prod.synthetic import make_ratings

    frame = make_ratings(2_000, n_users=60, n_items=80, seed=3)
    frame = frame.assign(userId=frame["userId"] * 7 + 1000, movieId=frame["movieId"] * 31)  # ids are labels
    seconds = numpy_fit_seconds(frame, rank=3, iterations=1, reg_param=0.2, repeats=2)
    assert 0 < seconds < 10


@pytest.mark.parametrize("arguments", [["--sizes", "10"], ["--iterations", "0"], ["--repeats", "0"]])
def test_the_command_refuses_bad_input(arguments, capsys):
    from paper2prod.benchmark import main

    with pytest.raises(SystemExit) as stopped:
        main(arguments)
    assert stopped.value.code == 2
    assert "at least" in capsys.readouterr().err
