"""Helpers shared by the workshop decks: one plot style, the data, a few small tables.

Every deck starts with `from deckkit import *` in a skipped cell. The plots themselves are
drawn in the decks, from the data and the course package, so a host can see (and change)
how each one is made. Nothing here is an exercise's answer: the counts below use pandas,
while the lessons ask for Spark or NumPy code.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from IPython.display import Markdown, display

from paper2prod import data

BLUE, ORANGE, GREY, GREEN, RED = "#3b75af", "#e1812c", "#8c8c8c", "#3a923a", "#c03d3e"
SEED = 2024

__all__ = [
    "BLUE",
    "GREEN",
    "GREY",
    "ORANGE",
    "RED",
    "SEED",
    "Factors",
    "Markdown",
    "display",
    "figure",
    "film_table",
    "fit_als",
    "fit_biases",
    "messy_export",
    "movies",
    "np",
    "pd",
    "per_film",
    "plt",
    "ratings",
    "rmse",
    "say",
    "thousands",
]


def _style() -> None:
    """Large type and clean axes: these figures are read from the back of a room."""
    mpl.rcParams.update(
        {
            "figure.figsize": (11, 4.6),
            "figure.dpi": 100,
            "savefig.bbox": "tight",
            "font.size": 15,
            "axes.titlesize": 17,
            "axes.labelsize": 15,
            "legend.fontsize": 13,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "axes.grid": True,
            "grid.alpha": 0.3,
        }
    )
    try:
        # PNG at twice the resolution: sharp on a projector, and JupyterLab shows PNG even in a
        # notebook it does not trust (it hides SVG there), so a live deck never shows a blank plot.
        from matplotlib_inline.backend_inline import set_matplotlib_formats

        set_matplotlib_formats("retina")
    except ImportError:  # outside IPython there is nothing to configure
        pass
    pd.set_option("display.max_rows", 12)
    pd.set_option("display.precision", 3)


_style()


@cache
def ratings(name: str = "ml-latest-small") -> pd.DataFrame:
    """All ratings of a MovieLens data set (installed or copied from the mirror on first use)."""
    return data.load_ratings(name)


@cache
def movies(name: str = "ml-latest-small") -> pd.DataFrame:
    return data.load_movies(name)


@cache
def per_film(name: str = "ml-latest-small") -> pd.DataFrame:
    """One row per rated film: title, number of ratings, mean rating."""
    stats = ratings(name).groupby("movieId")["rating"].agg(n_ratings="size", mean_rating="mean")
    titles = movies(name).set_index("movieId")["title"]
    return stats.join(titles).reset_index()


HEADERS = {"title": "film", "n_ratings": "ratings", "mean_rating": "mean rating", "score": "score"}
FORMATS = {"n_ratings": "{:,}", "mean_rating": "{:.2f}", "score": "{:.2f}"}


def messy_export():
    """Lesson 05's generator of the messy export (paper2prod.messy_export)."""
    from paper2prod import messy_export as module

    return module


def film_table(films: pd.DataFrame, columns=("title", "n_ratings", "mean_rating"), width: int = 50):
    """A compact ranked table for a slide: numbered from 1, titles cut to fit, left-aligned."""
    table = films.loc[:, list(columns)].copy()
    if "title" in table:
        table["title"] = table["title"].map(lambda t: t if len(t) <= width else t[: width - 1] + "…")
    table.index = range(1, len(table) + 1)
    styled = table.style.format({c: f for c, f in FORMATS.items() if c in table})
    styled = styled.relabel_index([HEADERS.get(c, c) for c in table.columns], axis="columns")
    if "title" in table:
        styled = styled.set_properties(subset=["title"], **{"text-align": "left"})
    return styled.set_table_styles([{"selector": "th", "props": "text-align: left"}])


def say(text: str) -> None:
    """Show computed text as Markdown (numbers on a slide come from the data, not from a typist)."""
    display(Markdown(text))


def figure(width: float = 11, height: float = 4.6, **kwargs):
    return plt.subplots(figsize=(width, height), **kwargs)


def thousands(axis) -> None:
    """Label a matplotlib axis (ax.xaxis or ax.yaxis) 25,000 rather than 25000."""
    axis.set_major_formatter(plt.FuncFormatter(lambda value, _: f"{value:,.0f}"))


# ---------------------------------------------------------------- a compact ALS-WR for plots
# The decks need a model that trains in a second or two to draw their curves. Lesson 01 has the
# students write their own from the paper; this one is batched with NumPy and kept out of sight.


def rmse(predicted, actual) -> float:
    return float(np.sqrt(np.mean((np.asarray(predicted) - np.asarray(actual)) ** 2)))


def fit_biases(train: pd.DataFrame, item_reg: float = 25, user_reg: float = 10, steps: int = 3):
    """Global mean and regularised user and film biases, by alternating closed-form steps."""
    mean = float(train["rating"].mean())
    residual = train["rating"] - mean
    user_bias = pd.Series(0.0, index=np.unique(train["userId"]))
    for _ in range(steps):
        without_users = residual - train["userId"].map(user_bias)
        item_bias = without_users.groupby(train["movieId"]).sum() / (item_reg + train.groupby("movieId").size())
        without_items = residual - train["movieId"].map(item_bias)
        user_bias = without_items.groupby(train["userId"]).sum() / (user_reg + train.groupby("userId").size())
    return mean, user_bias, item_bias


@dataclass
class Factors:
    """A fitted model: rating ~ mean + user bias + item bias + user_factors[u] . item_factors[i]."""

    user_ids: np.ndarray
    item_ids: np.ndarray
    user_factors: np.ndarray
    item_factors: np.ndarray
    mean: float
    user_bias: np.ndarray
    item_bias: np.ndarray
    history: list = field(default_factory=list)  # (iteration, train RMSE, test RMSE or None)

    def predict(self, users, items) -> np.ndarray:
        """Scores for (user, item) id pairs; what is unknown about a pair contributes nothing."""
        users, items = np.asarray(users), np.asarray(items)
        u = np.searchsorted(self.user_ids, users).clip(0, len(self.user_ids) - 1)
        i = np.searchsorted(self.item_ids, items).clip(0, len(self.item_ids) - 1)
        user_known, item_known = self.user_ids[u] == users, self.item_ids[i] == items
        dot = np.einsum("ij,ij->i", self.user_factors[u], self.item_factors[i])
        return (
            self.mean
            + np.where(user_known, self.user_bias[u], 0)
            + np.where(item_known, self.item_bias[i], 0)
            + np.where(user_known & item_known, dot, 0)
        )

    def scores_for(self, user) -> pd.Series:
        """Predicted rating of every known item for one user."""
        u = np.searchsorted(self.user_ids, user)
        scores = self.mean + self.user_bias[u] + self.item_bias + self.item_factors @ self.user_factors[u]
        return pd.Series(scores, index=self.item_ids)


def _half_step(fixed, rows, cols, values, n_rows, reg):
    """Solve every row's regularised least squares at once (lambda scaled by its rating count)."""
    order = np.argsort(rows, kind="stable")
    rows, cols, values = rows[order], cols[order], values[order]
    starts = np.flatnonzero(np.r_[True, rows[1:] != rows[:-1]])
    counts = np.diff(np.r_[starts, rows.size])
    other = fixed[cols]
    gram = np.add.reduceat(other[:, :, None] * other[:, None, :], starts, axis=0)
    gram += reg * counts[:, None, None] * np.eye(fixed.shape[1])
    rhs = np.add.reduceat(other * values[:, None], starts, axis=0)
    solved = np.zeros((n_rows, fixed.shape[1]))
    solved[rows[starts]] = np.linalg.solve(gram, rhs[..., None])[..., 0]
    return solved


def fit_als(
    train: pd.DataFrame,
    rank: int = 10,
    reg: float = 0.05,
    iterations: int = 10,
    test: pd.DataFrame | None = None,
    biases: bool = True,
    seed: int = SEED,
) -> Factors:
    """ALS with weighted-lambda regularisation (Zhou et al. 2008) on what the biases leave over.

    biases=False factorises mean-centred ratings, as the plain algorithm in the paper does.
    The history records train and test RMSE per iteration when a test set is given.
    """
    user_ids, users = np.unique(train["userId"].to_numpy(), return_inverse=True)
    item_ids, items = np.unique(train["movieId"].to_numpy(), return_inverse=True)
    if biases:
        mean, user_bias, item_bias = fit_biases(train)
        user_bias, item_bias = user_bias.reindex(user_ids).to_numpy(), item_bias.reindex(item_ids).to_numpy()
    else:
        mean, user_bias, item_bias = float(train["rating"].mean()), np.zeros(user_ids.size), np.zeros(item_ids.size)
    residual = train["rating"].to_numpy() - mean - user_bias[users] - item_bias[items]
    item_factors = np.random.default_rng(seed).normal(0, 0.1, (item_ids.size, rank))
    model = Factors(user_ids, item_ids, np.zeros((user_ids.size, rank)), item_factors, mean, user_bias, item_bias)
    for iteration in range(1, iterations + 1):
        model.user_factors = _half_step(model.item_factors, users, items, residual, user_ids.size, reg)
        model.item_factors = _half_step(model.user_factors, items, users, residual, item_ids.size, reg)
        if test is not None:
            model.history.append(
                (
                    iteration,
                    rmse(model.predict(train["userId"], train["movieId"]), train["rating"]),
                    rmse(model.predict(test["userId"], test["movieId"]), test["rating"]),
                )
            )
    return model
