"""How fast could ALS possibly be here? The arithmetic floor, and the timer, for benchmarks.

The floor is the number of floating-point operations ALS cannot avoid, divided
by the best rate this machine reaches on them: a large matrix product (GEMM),
the most cache-friendly arithmetic there is. Real ALS code works on small
matrices and waits on memory, so it never reaches the floor; how far above it a
program stays says how much of the machine it uses.
"""

from __future__ import annotations

import time

import numpy as np


def als_flops(n_ratings: int, n_users: int, n_items: int, rank: int, iterations: int = 1) -> float:
    """Floating-point operations in `iterations` full ALS iterations (users and films).

    Per half-step, every rating adds a symmetric rank-by-rank outer product,
    rank * (rank + 1) operations, and a rank-vector, 2 * rank, to its row's normal
    equations; every row then solves its system by Cholesky, rank**3 / 3, and two
    triangular solves, 2 * rank**2. Both halves see every rating once.
    """
    per_rating = rank * (rank + 1) + 2 * rank
    per_solve = rank**3 / 3 + 2 * rank**2
    return float(iterations * (2 * n_ratings * per_rating + (n_users + n_items) * per_solve))


def gemm_flops_per_second(size: int = 1024, repeats: int = 3) -> float:
    """This machine's best measured rate on a size-by-size float64 matrix product."""
    rng = np.random.default_rng(0)
    a, b = rng.random((size, size)), rng.random((size, size))
    a @ b  # warm up: first calls pay for thread start-up and page faults
    return 2 * size**3 / best_seconds(lambda: a @ b, repeats)


def floor_seconds(
    n_ratings: int, n_users: int, n_items: int, rank: int, iterations: int, flops_per_second: float
) -> float:
    """The arithmetic floor: ALS's operations at the machine's GEMM rate."""
    return als_flops(n_ratings, n_users, n_items, rank, iterations) / flops_per_second


def best_seconds(work, repeats: int = 3, clock=None) -> float:
    """The fastest of `repeats` timed calls of work(): on a shared machine, the least disturbed one.

    `clock` is the wall clock by default; time.thread_time gives the CPU time the calls need, which
    load hardly moves (lesson 02's hidden speed check)."""
    if repeats < 1:
        raise ValueError(f"repeats must be at least 1, not {repeats}")
    clock = clock or time.perf_counter
    times = []
    for _ in range(repeats):
        start = clock()
        work()
        times.append(clock() - start)
    return min(times)
