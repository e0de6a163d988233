"""The messy export of lesson 05: real MovieLens ratings and films, as a product's database hands them over.

    python -m paper2prod.messy_export --seed 0 --out DIR [--rate KIND=VALUE ...] [--max-users N]
                                      [--no-manifest | --plain-manifest]

writes DIR/ratings.csv, DIR/movies.csv and the manifest. From Python:

    export = generate(seed=0)          # in memory: ratings_csv, movies_csv (text), manifest (pandas)
    export.write(folder)               # the two files and the sealed manifest (manifest=None: no manifest)
    folder = cached_export(seed=0)     # generated once under the data home (git-ignored), then reused
    report = score_cleaning(export, clean_ratings, quarantine, clean_movies)

The input is the real ml-latest-small (via paper2prod.data), so the output is MovieLens-derived
data under the MovieLens licence (GroupLens, University of Minnesota: no endorsement implied, cite
Harper and Konstan 2015, no commercial use, redistribution only under the same conditions). The
course generates it on demand and never commits it. The same seed and rates give byte-identical
files. The manifest lists every fault, one row per affected input line: the file, the line number
(1 is the header), the fault kind and its correct handling (the values the clean table must hold,
or the quarantine reason).

The manifest and the table of fault kinds are lesson 05's answer key. They are never written as
text where a student works: the table is stored compressed in this file (_SEALED_KEY) and the
manifest of a written export is compressed (manifest.sealed); `--plain-manifest` writes manifest.csv
for an instructor. Lesson 05's checks read both through this module; its hidden tests also generate
an export with another seed, so answers copied from one export do not pass.

Ratings lines are `event_id,user_id,movie_id,rating,rated_at,client`; films are
`movieId,title,genres`. The export was taken at EXPORTED_AT.
"""

from __future__ import annotations

import argparse
import base64
import csv
import io
import json
import math
import re
import shutil
import sys
import tempfile
import time
import zlib
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

VERSION = 2  # bump when the output changes, so cached exports are regenerated
EXPORTED_AT = 1_537_833_600  # 2018-09-25 00:00:00 UTC, the day after the last real rating
RATINGS_HEADER = "event_id,user_id,movie_id,rating,rated_at,client"
MOVIES_HEADER = "movieId,title,genres"
CLIENTS = ("web", "android", "ios")  # rate in stars
CLIENT_SHARES = (0.5, 0.3, 0.2)
TEN_POINT_CLIENT = "tv"  # the client that writes 0-10 (twice the stars)
LEGACY_PREFIX = "legacy-"  # ids migrated from the old system: same person, same number
TEST_PREFIX = "test-"  # QA test accounts
BOT_WINDOW_SECONDS = 5
HALF_STARS = tuple(x / 2 for x in range(1, 11))
GENRES = (
    "Action",
    "Adventure",
    "Animation",
    "Children",
    "Comedy",
    "Crime",
    "Documentary",
    "Drama",
    "Fantasy",
    "Film-Noir",
    "Horror",
    "IMAX",
    "Musical",
    "Mystery",
    "Romance",
    "Sci-Fi",
    "Thriller",
    "War",
    "Western",
    "(no genres listed)",
)

# The answer key of lesson 05: for every fault kind, the step below that plants it, its file, its correct
# handling (clean, or quarantine with a reason) and its default rate. It is stored compressed, not as
# text, so that no copy of the course shows it to a student who opens or searches this file; the
# generator and the course's checks read it at import. To change it, see encode_key.
_SEALED_KEY = (
    "eNqVVt1u8jAMfZdeR1MBccOrIBSF1pR8pElJ0nVo2rt/dkohaUvZrrbYPiepj3/4zk6iVd5lu++sbBslC+GBW9Nlu31mwVsJJS9M"
    "c8tYZoWXunIfhfvE07UVVmi0AB5S6AFjoY/mrm3AOiih7BnRjIxGlWCXKSNgzKcQ73zMpaEjy5isUCA0/g3oHpvzVc5dIRQQ3oPm"
    "jZH6V1DTem5OHJ9XBbCsG+OcPCrgzgvrlr9ljuTJXUtk0hXRHpXQlz8wDtAnmTae67YGKwsi7Iwt/8AXo5HTyxpTK+oGL1JKOiiM"
    "Lh3xJuel/D0ppDMhc87wEoX7JerU+taGlPf/cXItf0t0pR7wyNnqizYdWqSqA5+xIKv7eZEwQRKTA8tlyRsLJ/nVV7aCShS3u2nx"
    "2zprMNMnCYo6q9WhmHtjJ0t/Xn5LLRQ+vMa6V2QIrdFAaIQzCOoqZENZqBl1MDfC+nfqjyiQ9YiVIIrH+/C4TBHHk4CoQIy/isdp"
    "WbsYF0S7tsaHGVTXgpgGC+XCfEqYLx+PjVmbf/IoLqF4FF25eo/pzhKf0IgioJy34sbD0b3H3kDYuJm1CaYlYAXagsM6RcWcdChZ"
    "yFYw472ATYZcLwl+Qi4hTO+ZGZd/5JvXTYze1XbSoGR9jtvhPFoNaMy3c30wOJJWI+P6xSQl32o6CVNzMtPIlW/nRsTgmWmwwTUu"
    "J7Svp+WSf2zm6qFPxZzWRL95oWYvAnw1xvp7L+62fb/c+yDbrbd5zqIeQdOGtDUdH9bzfj+jMIuW2IHtX0nN0nGdRpLq7DmVyflQ"
    "n40WNjnTUmDpjwQKmFQFGw3HEBRXCEtncXjCTLGw6daNQgcxWLJEo4C4ili8GNN83KuJJfuGQqZlxZKxfTj8/Acfv0iN"
)


def encode_key(key: dict) -> str:
    """The text for _SEALED_KEY: `key` as compact JSON, zlib-compressed, base64 (read back by _read_key)."""
    return base64.b64encode(zlib.compress(json.dumps(key, separators=(",", ":")).encode("utf-8"), 9)).decode()


def _read_key() -> dict:
    return json.loads(zlib.decompress(base64.b64decode(_SEALED_KEY)))


_KEY = _read_key()
# kind -> (file, outcome, reason): "clean", or "quarantine" with the machine-readable reason.
FAULTS = {kind: (file, outcome, reason) for kind, (_, file, outcome, reason) in _KEY["faults"].items()}
_KIND_OF_STEP = {step: kind for kind, (step, *_) in _KEY["faults"].items()}
QUARANTINE_REASONS = tuple(sorted({reason for _, outcome, reason in FAULTS.values() if outcome == "quarantine"}))

# Rates: ratings faults are shares of the real rating rows; movie faults are shares of the films
# they can apply to (commas in the title; non-ASCII letters; the others: all films); the last four are
# counts (export_parts: files concatenated into the export, each with its own header line).
DEFAULT_RATES = dict(_KEY["rates"])
# The faults that change one real rating line, in the order rows are dealt out: (rate name, step).
ROW_FAULTS = tuple(rate for rate, _ in _KEY["row_faults"])
_ROW_STEPS = dict(_KEY["row_faults"])
MANIFEST_COLUMNS = [
    "file",
    "line",
    "kind",
    "outcome",
    "reason",
    "event_id",
    "userId",
    "movieId",
    "rating",
    "timestamp",
    "title",
    "genres",
]
MANIFEST_FILES = {"sealed": "manifest.sealed", "plain": "manifest.csv"}
MANIFEST_DTYPES = {
    "file": str,
    "line": "int64",
    "kind": str,
    "outcome": str,
    "reason": str,
    "event_id": "Int64",
    "userId": "Int64",
    "movieId": "Int64",
    "rating": "float64",
    "timestamp": "Int64",
    "title": str,
    "genres": str,
}

NOT_NUMERIC = ("four", "4 stars", "n/a", "?", "*****", "good")
OUT_OF_RANGE = ("0", "0.0", "-1", "5.5", "6", "7.5", "10", "99")
ISO_FORMATS = ("%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%d %H:%M:%S")
GENRE_SEPARATORS = ("|", ", ", ";", " / ", " | ")
DAY = 86_400


def normalise_spaces(title: str) -> str:
    """A title without leading, trailing or repeated spaces (the form the clean table holds)."""
    return re.sub(" {2,}", " ", title.strip(" "))


# ---------------------------------------------------------------- the export


@dataclass
class Export:
    """A generated export: the two files' text and the manifest of every planted fault."""

    seed: int
    rates: dict
    ratings_csv: str
    movies_csv: str
    manifest: pd.DataFrame = field(repr=False)

    def write(self, folder, manifest: str | None = "sealed") -> dict[str, Path]:
        """Write ratings.csv, movies.csv and the manifest into folder; return their paths.

        manifest: "sealed" (manifest.sealed, compressed: what a student's data folder holds), "plain"
        (manifest.csv, for an instructor to read) or None/False (the answer key left out).
        """
        if manifest and manifest not in MANIFEST_FILES:
            raise ValueError(f"manifest must be one of {sorted(MANIFEST_FILES)} or None, not {manifest!r}")
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        paths = {"ratings": folder / "ratings.csv", "movies": folder / "movies.csv"}
        paths["ratings"].write_bytes(self.ratings_csv.encode("utf-8"))
        paths["movies"].write_bytes(self.movies_csv.encode("utf-8"))
        if manifest:
            paths["manifest"] = folder / MANIFEST_FILES[manifest]
            text = manifest_csv(self.manifest).encode("utf-8")
            paths["manifest"].write_bytes(zlib.compress(text, 9) if manifest == "sealed" else text)
        return paths


def generate(
    seed: int = 0,
    rates: dict | None = None,
    ratings: pd.DataFrame | None = None,
    movies: pd.DataFrame | None = None,
    max_users: int | None = None,
) -> Export:
    """Plant faults in real ratings and films; the same arguments give the same export.

    rates overrides DEFAULT_RATES; ratings and movies default to ml-latest-small; max_users keeps
    a random subset of the real users (a smaller export for quick tests, same rates).
    """
    unknown = set(rates or {}) - set(DEFAULT_RATES)
    if unknown:
        raise ValueError(f"unknown rate(s) {sorted(unknown)}; known: {sorted(DEFAULT_RATES)}")
    rates = {**DEFAULT_RATES, **(rates or {})}
    if ratings is None or movies is None:
        from paper2prod import data

        ratings = data.load_ratings("ml-latest-small") if ratings is None else ratings
        movies = data.load_movies("ml-latest-small") if movies is None else movies
    # Independent streams, so changing a movie rate does not reshuffle the ratings faults.
    ratings_rng, movies_rng = (np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(2))
    ratings_text, rating_faults = _messy_ratings(ratings, movies, rates, ratings_rng, max_users)
    movies_text, movie_faults = _messy_movies(movies, rates, movies_rng)
    manifest = pd.DataFrame(rating_faults + movie_faults, columns=MANIFEST_COLUMNS)
    return Export(seed, rates, ratings_text, movies_text, _typed_manifest(manifest))


def _typed_manifest(manifest: pd.DataFrame) -> pd.DataFrame:
    manifest = manifest.copy()
    for column, dtype in MANIFEST_DTYPES.items():
        if dtype is str:
            manifest[column] = manifest[column].fillna("").astype(str)
        else:
            manifest[column] = manifest[column].astype(dtype)
    return manifest.sort_values(["file", "line"], ignore_index=True)


def manifest_csv(manifest: pd.DataFrame) -> str:
    return manifest[MANIFEST_COLUMNS].to_csv(index=False, lineterminator="\n")


def read_manifest(path) -> pd.DataFrame:
    """A manifest written by Export.write, sealed or plain."""
    path = Path(path)
    raw = path.read_bytes()
    text = zlib.decompress(raw) if path.name == MANIFEST_FILES["sealed"] else raw
    frame = pd.read_csv(
        io.BytesIO(text),
        dtype={c: ("string" if d is str else d) for c, d in MANIFEST_DTYPES.items()},
        keep_default_na=False,
        na_values={c: [""] for c, d in MANIFEST_DTYPES.items() if d is not str},
    )
    return _typed_manifest(frame)


# ---------------------------------------------------------------- ratings.csv


@dataclass
class _Line:
    key: tuple  # sort key: position in the export
    text: str
    fault: dict | None = None


def _fault(step: str, event_id=None, **expected) -> dict:
    """The manifest row of a fault planted by `step`: its kind, file and correct handling."""
    kind = _KIND_OF_STEP[step]
    file, outcome, reason = FAULTS[kind]
    return dict(file=file, kind=kind, outcome=outcome, reason=reason, event_id=event_id, **expected)


@dataclass
class _Row:
    """One real rating line while faults are planted in it: its index, fields and true values."""

    index: int
    fields: list
    event: int
    user: int
    film: int
    star: float
    when: int

    def clean(self) -> dict:
        return dict(userId=self.user, movieId=self.film, rating=self.star, timestamp=self.when)


@dataclass
class _Planting:
    """What the steps share while one ratings file is written."""

    rng: np.random.Generator
    lines: list
    n: int
    block_start: dict  # user -> index of the user's first line
    block_end: dict  # user -> index of the user's last line
    unknown_ids: list
    next_event: int
    sequence: object = field(default_factory=lambda: iter(range(1, 1 << 62)))

    def insert(self, where: int, text: str, fault: dict) -> None:
        """Another line, placed after real line `where` (inserted lines keep their order)."""
        self.lines.append(_Line((where, 1, next(self.sequence)), text, fault))


# Each step changes one real line (fields in place) and returns its manifest row; a few add lines.
def _ten_point(row: _Row, plant: _Planting) -> dict:
    row.fields[3], row.fields[5] = str(int(round(row.star * 2))), TEN_POINT_CLIENT
    return _fault("ten_point", row.event, **row.clean())


def _milliseconds(row: _Row, plant: _Planting) -> dict:
    row.fields[4] = str(row.when * 1000 + int(plant.rng.integers(0, 1000)))
    return _fault("milliseconds", row.event, **row.clean())


def _iso_date(row: _Row, plant: _Planting) -> dict:
    chosen = ISO_FORMATS[int(plant.rng.integers(len(ISO_FORMATS)))]
    row.fields[4] = time.strftime(chosen, time.gmtime(row.when))
    return _fault("iso_date", row.event, **row.clean())


def _legacy_prefix(row: _Row, plant: _Planting) -> dict:
    row.fields[1] = f"{LEGACY_PREFIX}{row.user}"
    return _fault("legacy_prefix", row.event, **row.clean())


def _foreign_film(row: _Row, plant: _Planting) -> dict:
    row.fields[2] = str(plant.unknown_ids.pop())
    return _fault("foreign_film", row.event)


def _impossible_stars(row: _Row, plant: _Planting) -> dict:
    row.fields[3] = OUT_OF_RANGE[int(plant.rng.integers(len(OUT_OF_RANGE)))]
    return _fault("impossible_stars", row.event)


def _blank_stars(row: _Row, plant: _Planting) -> dict:
    row.fields[3] = ""
    return _fault("blank_stars", row.event)


def _word_stars(row: _Row, plant: _Planting) -> dict:
    row.fields[3] = NOT_NUMERIC[int(plant.rng.integers(len(NOT_NUMERIC)))]
    return _fault("word_stars", row.event)


def _future_time(row: _Row, plant: _Planting) -> dict:
    row.fields[4] = str(EXPORTED_AT + int(plant.rng.integers(DAY, 10 * 365 * DAY)))
    return _fault("future_time", row.event)


def _wrong_width(row: _Row, plant: _Planting) -> dict:
    variant = int(plant.rng.integers(3))
    row.fields[:] = row.fields[:5] if variant == 0 else row.fields[:3] if variant == 1 else row.fields + ["retry"]
    return _fault("wrong_width", row.event)


def _retried_copy(row: _Row, plant: _Planting) -> None:
    """A retried batch wrote this line again, a little later; the first copy is clean."""
    later = min(row.index + int(plant.rng.integers(1, 40)), plant.n - 1)
    plant.insert(later, ",".join(row.fields), _fault("retried_copy", row.event))
    return None


def _rerated_older(row: _Row, plant: _Planting) -> dict:
    """The user rated the film again later: one or two newer lines replace this one."""
    made, plant.next_event = _reratings(row.user, row.film, row.star, row.when, plant.next_event, plant.rng)
    for text, fault in made:  # anywhere in the user's block, before or after
        where = int(plant.rng.integers(plant.block_start[row.user] - 1, plant.block_end[row.user] + 1))
        plant.insert(where, text, fault)
    return _fault("rerated_older", row.event)


_PLANT_STEPS = {
    step.__name__.lstrip("_"): step
    for step in (_ten_point, _milliseconds, _iso_date, _legacy_prefix, _foreign_film, _impossible_stars)
    + (_blank_stars, _word_stars, _future_time, _wrong_width, _retried_copy, _rerated_older)
}


def _deal_roles(n: int, rates: dict, rng: np.random.Generator) -> np.ndarray:
    """The step planted in each real row ("" for none): each row gets at most one fault, so the manifest
    names one correct handling per line."""
    roles = np.full(n, "", dtype=object)
    order, start = rng.permutation(n), 0
    for rate in ROW_FAULTS:
        count = int(round(rates[rate] * n))
        roles[order[start : start + count]] = _ROW_STEPS[rate]
        start += count
    if start > n:
        raise ValueError("the row fault rates add up to more than every row")
    return roles


def _messy_ratings(
    ratings: pd.DataFrame, movies: pd.DataFrame, rates: dict, rng: np.random.Generator, max_users: int | None
) -> tuple[str, list[dict]]:
    frame = ratings.sort_values(["userId", "movieId"], kind="stable", ignore_index=True)
    first_new_user = int(frame["userId"].max()) + 1
    if max_users:
        users = np.sort(frame["userId"].unique())
        keep = rng.choice(users, size=min(max_users, users.size), replace=False)
        frame = frame[frame["userId"].isin(keep)].reset_index(drop=True)
    n = len(frame)
    users, films = frame["userId"].to_numpy(), frame["movieId"].to_numpy()
    stars, times = frame["rating"].to_numpy(), frame["timestamp"].to_numpy()
    film_ids = np.sort(movies["movieId"].to_numpy())
    clients = rng.choice(CLIENTS, size=n, p=CLIENT_SHARES)
    roles = _deal_roles(n, rates, rng)
    plant = _Planting(
        rng=rng,
        lines=[],
        n=n,
        block_start={u: i for i, u in reversed(list(enumerate(users)))},
        block_end={u: i for i, u in enumerate(users)},
        unknown_ids=_foreign_film_ids(film_ids, int((roles == "foreign_film").sum()), rng),
        next_event=n + 1,
    )
    for i in range(n):
        event, user, film, star, when = i + 1, int(users[i]), int(films[i]), float(stars[i]), int(times[i])
        fields = [str(value) for value in (event, user, film, star, when, clients[i])]
        row = _Row(i, fields, event, user, film, star, when)
        fault = _PLANT_STEPS[roles[i]](row, plant) if roles[i] else None
        plant.lines.append(_Line((i, 0, 0), ",".join(row.fields), fault))
    _add_accounts(plant, frame, film_ids, first_new_user, rates)
    for _ in range(int(rates["export_parts"]) - 1):  # the parts were concatenated, headers and all
        where = int(rng.integers(0, max(1, n - 1)))
        plant.lines.append(_Line((where, 3, next(plant.sequence)), RATINGS_HEADER, _fault("concatenated_parts")))

    lines = sorted(plant.lines, key=lambda line: line.key)
    faults = [{**line.fault, "line": number} for number, line in enumerate(lines, start=2) if line.fault is not None]
    text = "\n".join([RATINGS_HEADER] + [line.text for line in lines]) + "\n"
    return text, faults


def _add_accounts(plant: _Planting, frame: pd.DataFrame, film_ids: np.ndarray, first_new_user: int, rates: dict):
    """The bot and the QA accounts: whole accounts, each between two real users' blocks."""
    rng = plant.rng
    bot_user = first_new_user + int(rng.integers(0, 50))
    bot_lines, plant.next_event = _bot(bot_user, film_ids, int(rates["bot_ratings"]), plant.next_event, rng)
    blocks = [bot_lines]
    popular = frame["movieId"].value_counts().index.to_numpy()[:300]
    for k in range(1, int(rates["qa_accounts"]) + 1):
        qa_lines, plant.next_event = _qa_account(f"{TEST_PREFIX}{k}", np.sort(popular), plant.next_event, rng)
        blocks.append(qa_lines)
    block_ends = sorted(plant.block_end.values())
    for block in blocks:
        where = block_ends[int(rng.integers(len(block_ends)))]
        plant.lines += [_Line((where, 2, next(plant.sequence)), text, fault) for text, fault in block]


def _foreign_film_ids(film_ids: np.ndarray, count: int, rng: np.random.Generator) -> list[int]:
    candidates = np.setdiff1d(np.arange(1, 2 * int(film_ids.max()) + 1), film_ids)
    return [int(x) for x in rng.choice(candidates, size=count, replace=False)]


def _reratings(
    user: int, film: int, star: float, when: int, next_event: int, rng: np.random.Generator
) -> tuple[list[tuple[str, dict]], int]:
    """One or two later ratings of the same film by the same user; the last one counts."""
    versions = 2 if rng.random() < 0.1 else 1
    made = []
    for version in range(versions):
        when = when + int(rng.integers(1, max(2, min(400 * DAY, EXPORTED_AT - when))))
        star = float(rng.choice([s for s in HALF_STARS if s != star]))
        client = CLIENTS[int(rng.integers(len(CLIENTS)))]
        text = f"{next_event},{user},{film},{star},{when},{client}"
        if version == versions - 1:
            fault = _fault("rerated_newest", next_event, userId=user, movieId=film, rating=star, timestamp=when)
        else:
            fault = _fault("rerated_older", next_event)
        made.append((text, fault))
        next_event += 1
    return made, next_event


def _bot(
    user: int, film_ids: np.ndarray, count: int, next_event: int, rng: np.random.Generator
) -> tuple[list[tuple[str, dict]], int]:
    """An account that rates thousands of films within a few seconds: nobody watches that fast."""
    count = min(count, film_ids.size)
    films = np.sort(rng.choice(film_ids, size=count, replace=False))
    start = EXPORTED_AT - int(rng.integers(DAY, 60 * DAY))
    seconds = start + np.sort(rng.integers(0, BOT_WINDOW_SECONDS, size=count))
    stars = rng.choice(HALF_STARS, size=count)
    made = []
    for film, second, star in zip(films, seconds, stars):
        made.append((f"{next_event},{user},{int(film)},{float(star)},{int(second)},web", _fault("bot", next_event)))
        next_event += 1
    return made, next_event


def _qa_account(
    user: str, popular: np.ndarray, next_event: int, rng: np.random.Generator
) -> tuple[list[tuple[str, dict]], int]:
    """A QA account: a few dozen ratings of popular films, clicked through during a test run."""
    count = int(rng.integers(15, 41))
    films = np.sort(rng.choice(popular, size=min(count, popular.size), replace=False))
    start = EXPORTED_AT - int(rng.integers(30 * DAY, 200 * DAY))
    made = []
    for film in films:
        star = float(rng.choice([1.0, 5.0]))
        second = start + int(rng.integers(0, 3600))
        made.append((f"{next_event},{user},{int(film)},{star},{second},web", _fault("qa_account", next_event)))
        next_event += 1
    return made, next_event


# ---------------------------------------------------------------- movies.csv


def _messy_movies(movies: pd.DataFrame, rates: dict, rng: np.random.Generator) -> tuple[str, list[dict]]:
    frame = movies.sort_values("movieId", ignore_index=True)
    ids = frame["movieId"].astype(int).tolist()
    titles, genres = frame["title"].tolist(), frame["genres"].tolist()
    truth = [normalise_spaces(t) for t in titles]
    # The real file already has a few titles with stray spaces: they are faults too.
    roles = ["stray_spaces" if t != c else "" for t, c in zip(titles, truth)]
    eligible = {  # step -> the films it can apply to
        "unquoted": lambda i: "," in truth[i] and '"' not in truth[i],
        "latin1": lambda i: not truth[i].isascii(),
        "no_year": lambda i: re.search(r" \(\d{4}\)$", truth[i]) is not None,
        "stray_spaces": lambda i: " " in truth[i],
        "genre_spelling": lambda i: genres[i] != "(no genres listed)",
    }
    relative_to_all = {"no_year", "stray_spaces", "genre_spelling"}
    for step, fits in eligible.items():
        pool = [i for i in range(len(ids)) if fits(i)]
        rate = rates[_KIND_OF_STEP[step]]
        count = int(round(rate * (len(ids) if step in relative_to_all else len(pool))))
        free = np.array([i for i in pool if not roles[i]], dtype=int)
        for i in rng.choice(free, size=min(count, free.size), replace=False):
            roles[int(i)] = step

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    out.write(MOVIES_HEADER + "\n")
    faults = []
    for i, (film, role) in enumerate(zip(ids, roles)):
        title, genre = truth[i], genres[i]
        expected = dict(movieId=film, title=truth[i], genres=genre)
        if role == "unquoted":  # the writer forgot to quote this one
            out.write(f"{film},{title},{genre}\n")
        else:
            if role == "latin1":  # UTF-8 bytes read back as Latin-1, then saved again
                title = title.encode("utf-8").decode("latin-1")
            elif role == "stray_spaces":
                title = titles[i] if titles[i] != truth[i] else _stray_spaces(title, rng)
            elif role == "no_year":  # nobody can restore it: keep the film, as it is
                title = re.sub(r" \(\d{4}\)$", "", title)
                expected["title"] = title
            elif role == "genre_spelling":
                genre = _messy_genres(genre, rng)
            writer.writerow([film, title, genre])
        if role:
            faults.append({**_fault(role), **expected, "line": i + 2})
    return out.getvalue(), faults


def _stray_spaces(title: str, rng: np.random.Generator) -> str:
    variant = int(rng.integers(3))
    if variant == 0:
        return " " * int(rng.integers(1, 3)) + title
    if variant == 1:
        return title + " " * int(rng.integers(1, 3))
    spaces = [m.start() for m in re.finditer(" ", title)]
    where = spaces[int(rng.integers(len(spaces)))]
    return title[:where] + "  " + title[where + 1 :]


def _messy_genres(genres: str, rng: np.random.Generator) -> str:
    styles = (str.lower, str.upper, str.capitalize)
    separator = GENRE_SEPARATORS[int(rng.integers(len(GENRE_SEPARATORS)))]
    style = styles[int(rng.integers(len(styles)))]
    messy = separator.join(style(g) for g in genres.split("|"))
    return messy if messy != genres else separator.join(g.lower() for g in genres.split("|"))


# ---------------------------------------------------------------- cache


def cache_folder(seed: int = 0) -> Path:
    from paper2prod import data

    return data.data_home() / "messy-export" / f"v{VERSION}-seed{seed}"


def cached_export(seed: int = 0) -> Path:
    """The export with default rates, generated once into a git-ignored folder (manifest sealed); its path."""
    folder = cache_folder(seed)
    if all((folder / name).is_file() for name in ("ratings.csv", "movies.csv", MANIFEST_FILES["sealed"])):
        return folder
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".staging-{folder.name}-", dir=folder.parent))
    try:
        generate(seed).write(staging)
        try:
            staging.rename(folder)  # atomic: a reader never sees half an export
        except OSError:
            if not folder.is_dir():  # another process may have just won the race
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return folder


def load(folder) -> Export:
    """An export written to a folder, read back with its manifest (sealed or plain)."""
    folder = Path(folder)
    manifests = [folder / name for name in MANIFEST_FILES.values() if (folder / name).is_file()]
    if not manifests:
        raise FileNotFoundError(f"{folder} holds no manifest ({' or '.join(MANIFEST_FILES.values())})")
    return Export(
        seed=-1,
        rates={},
        ratings_csv=(folder / "ratings.csv").read_bytes().decode("utf-8"),
        movies_csv=(folder / "movies.csv").read_bytes().decode("utf-8"),
        manifest=read_manifest(manifests[0]),
    )


# ---------------------------------------------------------------- checking a cleaning


@dataclass
class Report:
    """How a cleaning handled an export, measured against its manifest."""

    by_kind: pd.DataFrame  # kind, planted, handled
    input_rows: int  # data lines in ratings.csv
    clean_rows: int
    quarantined: int
    quarantined_by_reason: dict
    unknown_reasons: list
    lost_rows: list  # event ids of unfaulted lines missing from the clean table, or changed
    lost_films: list  # movie ids of unfaulted films missing from the clean films, or changed

    @property
    def planted(self) -> int:
        return int(self.by_kind["planted"].sum())

    @property
    def handled(self) -> int:
        return int(self.by_kind["handled"].sum())

    @property
    def share(self) -> float:
        return self.handled / self.planted if self.planted else 1.0

    @property
    def reconciled(self) -> bool:
        return self.input_rows == self.clean_rows + self.quarantined and not self.unknown_reasons

    def summary(self) -> str:
        return (
            f"{self.handled:,} of {self.planted:,} planted faults handled as the manifest says "
            f"({self.share:.2%}); unfaulted rows lost or changed: {len(self.lost_rows)}, films: "
            f"{len(self.lost_films)}; input rows {self.input_rows:,} = clean {self.clean_rows:,} + "
            f"quarantined {self.quarantined:,}: {'yes' if self.reconciled else 'NO'}"
        )


def _pandas(frame) -> pd.DataFrame:
    return frame.toPandas() if hasattr(frame, "toPandas") else frame


def score_cleaning(export, clean_ratings, quarantine, clean_movies) -> Report:
    """Compare a cleaning's output with the export's manifest.

    clean_ratings: event_id, userId, movieId, rating, timestamp; quarantine: event_id (null when
    the line has none), reason; clean_movies: movieId, title, genres. Spark or pandas frames.
    A planted fault is handled when its line ends where the manifest says with the values it
    says; an unfaulted line is lost when its event is not in the clean table with its own values.
    """
    export = export if isinstance(export, Export) else load(export)
    clean, held, films = _pandas(clean_ratings), _pandas(quarantine), _pandas(clean_movies)
    rows = defaultdict(list)  # event id -> the values of its rows in the clean table
    for row in clean[["event_id", "userId", "movieId", "rating", "timestamp"]].itertuples(index=False):
        rows[int(row.event_id)].append((int(row.userId), int(row.movieId), float(row.rating), int(row.timestamp)))
    film_rows = {int(m): (str(t), str(g)) for m, t, g in zip(films["movieId"], films["title"], films["genres"])}
    handled = _handled(export.manifest, rows, held, film_rows)
    planted = export.manifest["kind"].value_counts()
    lines = export.ratings_csv.split("\n")[1:-1]  # not splitlines(): titles may hold U+0085
    reasons = held["reason"].astype(str).value_counts()
    return Report(
        by_kind=pd.DataFrame(
            {
                "kind": list(FAULTS),
                "planted": [int(planted.get(k, 0)) for k in FAULTS],
                "handled": [handled[k] for k in FAULTS],
            }
        ),
        input_rows=len(lines),
        clean_rows=len(clean),
        quarantined=len(held),
        quarantined_by_reason={str(k): int(v) for k, v in reasons.items()},
        unknown_reasons=sorted(set(reasons.index) - set(QUARANTINE_REASONS)),
        lost_rows=_lost_rows(lines, export.manifest, rows),
        lost_films=_lost_films(export.movies_csv, export.manifest, film_rows),
    )


def _same(got: tuple, want: tuple) -> bool:
    return got[:2] == want[:2] and math.isclose(got[2], want[2], abs_tol=1e-9) and got[3] == want[3]


def _handled(manifest: pd.DataFrame, rows: dict, held: pd.DataFrame, film_rows: dict) -> Counter:
    """kind -> how many of its planted lines ended where the manifest says, with the values it says."""
    held_ids = Counter((None if pd.isna(e) else int(e), str(r)) for e, r in zip(held["event_id"], held["reason"]))
    # A retried copy's event stays in the clean table once (its first copy); other quarantined events leave it.
    kept_copy = _KIND_OF_STEP["retried_copy"]
    handled = Counter({kind: 0 for kind in FAULTS})
    for fault in manifest.itertuples(index=False):
        if fault.file == "movies.csv":
            ok = film_rows.get(int(fault.movieId)) == (fault.title, fault.genres)
        elif fault.outcome == "clean":
            want = (int(fault.userId), int(fault.movieId), float(fault.rating), int(fault.timestamp))
            ok = [_same(got, want) for got in rows.get(int(fault.event_id), [])] == [True]
        else:
            event = None if pd.isna(fault.event_id) else int(fault.event_id)
            stays = len(rows.get(event, [])) if event is not None else 0
            ok = held_ids[(event, fault.reason)] > 0 and stays <= (fault.kind == kept_copy)
            held_ids[(event, fault.reason)] -= ok
        handled[fault.kind] += ok
    return handled


def _lost_rows(lines: list[str], manifest: pd.DataFrame, rows: dict) -> list[int]:
    """Event ids of unfaulted ratings lines missing from the clean table, or changed."""
    faulted = set(manifest.loc[manifest["file"] == "ratings.csv", "line"].astype(int))
    lost = []
    for number, text in enumerate(lines, start=2):
        if number not in faulted:
            event, user, film, star, when, _ = text.split(",")
            want = (int(user), int(film), float(star), int(when))
            if not any(_same(got, want) for got in rows.get(int(event), [])):
                lost.append(int(event))
    return lost


def _lost_films(movies_csv: str, manifest: pd.DataFrame, film_rows: dict) -> list[int]:
    """Movie ids of unfaulted films missing from the clean films, or changed."""
    faulted = set(manifest.loc[manifest["file"] == "movies.csv", "movieId"].astype(int))
    fields = csv.reader(io.StringIO(movies_csv.split("\n", 1)[1]))
    return [int(f[0]) for f in fields if int(f[0]) not in faulted and film_rows.get(int(f[0])) != tuple(f[1:])]


# ---------------------------------------------------------------- command line


def _rate(text: str) -> tuple[str, float]:
    kind, _, value = text.partition("=")
    if kind not in DEFAULT_RATES or not value:
        raise argparse.ArgumentTypeError(f"expected KIND=VALUE with KIND one of {', '.join(DEFAULT_RATES)}")
    return kind, float(value)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m paper2prod.messy_export", description=__doc__.split("\n")[0])
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--out", required=True, help="folder for ratings.csv, movies.csv and the manifest")
    parser.add_argument(
        "--rate",
        type=_rate,
        action="append",
        default=[],
        metavar="KIND=VALUE",
        help="override a fault rate, e.g. --rate bot_ratings=1000 (repeatable)",
    )
    parser.add_argument("--max-users", type=int, default=None, help="keep a random subset of users")
    manifest = parser.add_mutually_exclusive_group()
    manifest.add_argument("--no-manifest", action="store_true", help="leave the answer key out")
    manifest.add_argument(
        "--plain-manifest", action="store_true", help="write the answer key as manifest.csv (instructors only)"
    )
    args = parser.parse_args(argv)
    export = generate(args.seed, dict(args.rate), max_users=args.max_users)
    paths = export.write(args.out, manifest=None if args.no_manifest else "plain" if args.plain_manifest else "sealed")
    print(f"wrote {', '.join(str(p) for p in paths.values())}")
    counts = export.manifest["kind"].value_counts()
    per_kind = ": " + ", ".join(f"{k} {counts.get(k, 0)}" for k in FAULTS) if args.plain_manifest else ""
    print(f"{len(export.manifest):,} faulty lines{per_kind}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
