"""The messy export of lesson 05: real MovieLens ratings and films, as a product's database hands them over.

    python -m paper2prod.messy_export --seed 0 --out DIR [--rate KIND=VALUE ...] [--max-users N]

writes DIR/ratings.csv, DIR/movies.csv and DIR/manifest.csv. From Python:

    export = generate(seed=0)          # in memory: ratings_csv, movies_csv (text), manifest (pandas)
    export.write(folder)               # the three files (manifest=False leaves the answer key out)
    folder = cached_export(seed=0)     # generated once under the data home (git-ignored), then reused
    report = score_cleaning(export, clean_ratings, quarantine, clean_movies)

The input is the real ml-latest-small (via paper2prod.data), so the output is MovieLens-derived
data under the MovieLens licence (GroupLens, University of Minnesota: no endorsement implied, cite
Harper and Konstan 2015, no commercial use, redistribution only under the same conditions). The
course generates it on demand and never commits it. The same seed and rates give byte-identical
files. The manifest lists every fault, one row per affected input line: the file, the line number
(1 is the header), the fault kind, and the correct handling, either `clean` with the values the
clean table must hold, or `quarantine` with the machine-readable reason.

Ratings lines are `event_id,user_id,movie_id,rating,rated_at,client`; films are
`movieId,title,genres`. The export was taken at EXPORTED_AT; see FAULTS for every kind planted.
"""

from __future__ import annotations

import argparse
import csv
import io
import math
import re
import shutil
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

VERSION = 1  # bump when the output changes, so cached exports are regenerated
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

# Every fault kind: the file it is in, and its correct handling (clean, or quarantine with a reason).
FAULTS = {
    "duplicate_row": ("ratings.csv", "quarantine", "duplicate_row"),
    "rerating_superseded": ("ratings.csv", "quarantine", "superseded"),
    "rerating_latest": ("ratings.csv", "clean", ""),
    "rating_0_10_scale": ("ratings.csv", "clean", ""),
    "rating_out_of_range": ("ratings.csv", "quarantine", "rating_out_of_range"),
    "rating_missing": ("ratings.csv", "quarantine", "rating_missing"),
    "rating_not_numeric": ("ratings.csv", "quarantine", "rating_not_numeric"),
    "timestamp_milliseconds": ("ratings.csv", "clean", ""),
    "timestamp_iso": ("ratings.csv", "clean", ""),
    "timestamp_future": ("ratings.csv", "quarantine", "timestamp_in_future"),
    "unknown_film": ("ratings.csv", "quarantine", "unknown_film"),
    "user_id_prefixed": ("ratings.csv", "clean", ""),
    "wrong_field_count": ("ratings.csv", "quarantine", "malformed_line"),
    "repeated_header": ("ratings.csv", "quarantine", "repeated_header"),
    "bot_account": ("ratings.csv", "quarantine", "bot_account"),
    "test_account": ("ratings.csv", "quarantine", "test_account"),
    "unquoted_comma": ("movies.csv", "clean", ""),
    "title_mojibake": ("movies.csv", "clean", ""),
    "title_whitespace": ("movies.csv", "clean", ""),
    "title_year_missing": ("movies.csv", "clean", ""),
    "genres_inconsistent": ("movies.csv", "clean", ""),
}
QUARANTINE_REASONS = tuple(sorted({reason for _, outcome, reason in FAULTS.values() if outcome == "quarantine"}))

# Rates: ratings faults are shares of the real rating rows; movie faults are shares of the films
# they can apply to (unquoted_comma: titles with a comma; title_mojibake: titles with non-ASCII
# letters; the others: all films); the last group are counts.
DEFAULT_RATES = {
    "rating_0_10_scale": 0.03,
    "timestamp_milliseconds": 0.015,
    "timestamp_iso": 0.01,
    "rerating": 0.01,
    "duplicate_row": 0.005,
    "user_id_prefixed": 0.005,
    "unknown_film": 0.002,
    "rating_out_of_range": 0.001,
    "rating_missing": 0.001,
    "rating_not_numeric": 0.0005,
    "timestamp_future": 0.0005,
    "wrong_field_count": 0.0005,
    "unquoted_comma": 0.02,
    "title_mojibake": 0.3,
    "title_whitespace": 0.01,
    "title_year_missing": 0.003,
    "genres_inconsistent": 0.03,
    "export_parts": 5,  # files concatenated into the export, each with its own header line
    "bot_ratings": 2500,
    "test_accounts": 3,
}
ROW_FAULTS = (
    "rating_0_10_scale",
    "timestamp_milliseconds",
    "timestamp_iso",
    "rerating",
    "duplicate_row",
    "user_id_prefixed",
    "unknown_film",
    "rating_out_of_range",
    "rating_missing",
    "rating_not_numeric",
    "timestamp_future",
    "wrong_field_count",
)
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

    def write(self, folder, manifest: bool = True) -> dict[str, Path]:
        """Write ratings.csv, movies.csv (and manifest.csv) into folder; return their paths."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        paths = {"ratings": folder / "ratings.csv", "movies": folder / "movies.csv"}
        paths["ratings"].write_bytes(self.ratings_csv.encode("utf-8"))
        paths["movies"].write_bytes(self.movies_csv.encode("utf-8"))
        if manifest:
            paths["manifest"] = folder / "manifest.csv"
            paths["manifest"].write_bytes(manifest_csv(self.manifest).encode("utf-8"))
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
    frame = pd.read_csv(
        path,
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


def _fault(kind: str, event_id=None, **expected) -> dict:
    file, outcome, reason = FAULTS[kind]
    return dict(file=file, kind=kind, outcome=outcome, reason=reason, event_id=event_id, **expected)


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

    # Each real row gets at most one fault, so the manifest names one correct handling per line.
    roles = np.full(n, "", dtype=object)
    order, start = rng.permutation(n), 0
    for kind in ROW_FAULTS:
        count = int(round(rates[kind] * n))
        roles[order[start : start + count]] = kind
        start += count
    if start > n:
        raise ValueError("the row fault rates add up to more than every row")

    block_start = {u: i for i, u in reversed(list(enumerate(users)))}
    block_end = {u: i for i, u in enumerate(users)}
    unknown_ids = _unknown_film_ids(film_ids, int((roles == "unknown_film").sum()), rng)
    next_event = n + 1
    sequence = iter(range(1, 1 << 62))
    lines: list[_Line] = []
    for i in range(n):
        event, user, film, star, when = i + 1, int(users[i]), int(films[i]), float(stars[i]), int(times[i])
        fields = [str(event), str(user), str(film), str(star), str(when), str(clients[i])]
        role, fault = roles[i], None
        clean = dict(userId=user, movieId=film, rating=star, timestamp=when)
        if role == "rating_0_10_scale":
            fields[3], fields[5] = str(int(round(star * 2))), TEN_POINT_CLIENT
            fault = _fault(role, event, **clean)
        elif role == "timestamp_milliseconds":
            fields[4] = str(when * 1000 + int(rng.integers(0, 1000)))
            fault = _fault(role, event, **clean)
        elif role == "timestamp_iso":
            fields[4] = time.strftime(ISO_FORMATS[int(rng.integers(len(ISO_FORMATS)))], time.gmtime(when))
            fault = _fault(role, event, **clean)
        elif role == "user_id_prefixed":
            fields[1] = f"{LEGACY_PREFIX}{user}"
            fault = _fault(role, event, **clean)
        elif role == "unknown_film":
            fields[2] = str(unknown_ids.pop())
            fault = _fault(role, event)
        elif role == "rating_out_of_range":
            fields[3] = OUT_OF_RANGE[int(rng.integers(len(OUT_OF_RANGE)))]
            fault = _fault(role, event)
        elif role == "rating_missing":
            fields[3] = ""
            fault = _fault(role, event)
        elif role == "rating_not_numeric":
            fields[3] = NOT_NUMERIC[int(rng.integers(len(NOT_NUMERIC)))]
            fault = _fault(role, event)
        elif role == "timestamp_future":
            fields[4] = str(EXPORTED_AT + int(rng.integers(DAY, 10 * 365 * DAY)))
            fault = _fault(role, event)
        elif role == "wrong_field_count":
            variant = int(rng.integers(3))
            fields = fields[:5] if variant == 0 else fields[:3] if variant == 1 else fields + ["retry"]
            fault = _fault(role, event)
        elif role == "duplicate_row":  # a retried batch wrote this line again, a little later
            later = min(i + int(rng.integers(1, 40)), n - 1)
            lines.append(_Line((later, 1, next(sequence)), ",".join(fields), _fault(role, event)))
        elif role == "rerating":
            fault = _fault("rerating_superseded", event)
            new_lines, next_event = _reratings(user, film, star, when, next_event, rng)
            for text, new_fault in new_lines:  # anywhere in the user's block, before or after
                where = int(rng.integers(block_start[user] - 1, block_end[user] + 1))
                lines.append(_Line((where, 1, next(sequence)), text, new_fault))
        lines.append(_Line((i, 0, 0), ",".join(fields), fault))

    block_ends = sorted(block_end.values())
    bot_user = first_new_user + int(rng.integers(0, 50))
    bot_lines, next_event = _bot(bot_user, film_ids, int(rates["bot_ratings"]), next_event, rng)
    blocks = [bot_lines]
    popular = frame["movieId"].value_counts().index.to_numpy()[:300]
    for k in range(1, int(rates["test_accounts"]) + 1):
        test_lines, next_event = _test_account(f"{TEST_PREFIX}{k}", np.sort(popular), next_event, rng)
        blocks.append(test_lines)
    for block in blocks:  # whole accounts, between two real users' blocks
        where = block_ends[int(rng.integers(len(block_ends)))]
        lines += [_Line((where, 2, next(sequence)), text, fault) for text, fault in block]
    for _ in range(int(rates["export_parts"]) - 1):  # the parts were concatenated, headers and all
        where = int(rng.integers(0, max(1, n - 1)))
        lines.append(_Line((where, 3, next(sequence)), RATINGS_HEADER, _fault("repeated_header")))

    lines.sort(key=lambda line: line.key)
    faults = []
    for number, line in enumerate(lines, start=2):
        if line.fault is not None:
            faults.append({**line.fault, "line": number})
    text = "\n".join([RATINGS_HEADER] + [line.text for line in lines]) + "\n"
    return text, faults


def _unknown_film_ids(film_ids: np.ndarray, count: int, rng: np.random.Generator) -> list[int]:
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
            fault = _fault("rerating_latest", next_event, userId=user, movieId=film, rating=star, timestamp=when)
        else:
            fault = _fault("rerating_superseded", next_event)
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
        made.append(
            (f"{next_event},{user},{int(film)},{float(star)},{int(second)},web", _fault("bot_account", next_event))
        )
        next_event += 1
    return made, next_event


def _test_account(
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
        made.append((f"{next_event},{user},{int(film)},{star},{second},web", _fault("test_account", next_event)))
        next_event += 1
    return made, next_event


# ---------------------------------------------------------------- movies.csv


def _messy_movies(movies: pd.DataFrame, rates: dict, rng: np.random.Generator) -> tuple[str, list[dict]]:
    frame = movies.sort_values("movieId", ignore_index=True)
    ids = frame["movieId"].astype(int).tolist()
    titles, genres = frame["title"].tolist(), frame["genres"].tolist()
    truth = [normalise_spaces(t) for t in titles]
    # The real file already has a few titles with stray spaces: they are faults too.
    roles = ["title_whitespace" if t != c else "" for t, c in zip(titles, truth)]
    eligible = {
        "unquoted_comma": lambda i: "," in truth[i] and '"' not in truth[i],
        "title_mojibake": lambda i: not truth[i].isascii(),
        "title_year_missing": lambda i: re.search(r" \(\d{4}\)$", truth[i]) is not None,
        "title_whitespace": lambda i: " " in truth[i],
        "genres_inconsistent": lambda i: genres[i] != "(no genres listed)",
    }
    relative_to_all = {"title_year_missing", "title_whitespace", "genres_inconsistent"}
    for kind, fits in eligible.items():
        pool = [i for i in range(len(ids)) if fits(i)]
        count = int(round(rates[kind] * (len(ids) if kind in relative_to_all else len(pool))))
        free = np.array([i for i in pool if not roles[i]], dtype=int)
        for i in rng.choice(free, size=min(count, free.size), replace=False):
            roles[int(i)] = kind

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    out.write(MOVIES_HEADER + "\n")
    faults = []
    for i, (film, role) in enumerate(zip(ids, roles)):
        title, genre = truth[i], genres[i]
        expected = dict(movieId=film, title=truth[i], genres=genre)
        if role == "unquoted_comma":  # the writer forgot to quote this one
            out.write(f"{film},{title},{genre}\n")
        else:
            if role == "title_mojibake":  # UTF-8 bytes read back as Latin-1, then saved again
                title = title.encode("utf-8").decode("latin-1")
            elif role == "title_whitespace":
                title = titles[i] if titles[i] != truth[i] else _stray_spaces(title, rng)
            elif role == "title_year_missing":  # nobody can restore it: keep the film, as it is
                title = re.sub(r" \(\d{4}\)$", "", title)
                expected["title"] = title
            elif role == "genres_inconsistent":
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
    """The export with default rates, generated once into a git-ignored folder; its path."""
    folder = cache_folder(seed)
    if all((folder / name).is_file() for name in ("ratings.csv", "movies.csv", "manifest.csv")):
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
    """An export written to a folder, read back (with its manifest)."""
    folder = Path(folder)
    return Export(
        seed=-1,
        rates={},
        ratings_csv=(folder / "ratings.csv").read_bytes().decode("utf-8"),
        movies_csv=(folder / "movies.csv").read_bytes().decode("utf-8"),
        manifest=read_manifest(folder / "manifest.csv"),
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
    manifest = export.manifest
    rows = defaultdict(list)
    for row in clean[["event_id", "userId", "movieId", "rating", "timestamp"]].itertuples(index=False):
        rows[int(row.event_id)].append((int(row.userId), int(row.movieId), float(row.rating), int(row.timestamp)))
    held_ids = Counter((None if pd.isna(e) else int(e), str(r)) for e, r in zip(held["event_id"], held["reason"]))
    film_rows = {int(m): (str(t), str(g)) for m, t, g in zip(films["movieId"], films["title"], films["genres"])}

    def same(got, want):
        return got[:2] == want[:2] and math.isclose(got[2], want[2], abs_tol=1e-9) and got[3] == want[3]

    handled = Counter()
    for fault in manifest.itertuples(index=False):
        kind, ok = fault.kind, False
        if fault.file == "movies.csv":
            ok = film_rows.get(int(fault.movieId)) == (fault.title, fault.genres)
        elif fault.outcome == "clean":
            want = (int(fault.userId), int(fault.movieId), float(fault.rating), int(fault.timestamp))
            ok = [same(got, want) for got in rows.get(int(fault.event_id), [])] == [True]
        else:
            event = None if pd.isna(fault.event_id) else int(fault.event_id)
            # A duplicate's event stays in the clean table once (its first copy); others leave it.
            allowed = 1 if kind == "duplicate_row" else 0
            if held_ids[(event, fault.reason)] > 0 and (event is None or len(rows.get(event, [])) <= allowed):
                held_ids[(event, fault.reason)] -= 1
                ok = True
        handled[kind] += ok
    planted = manifest["kind"].value_counts()
    by_kind = pd.DataFrame({"kind": list(FAULTS)})
    by_kind["planted"] = [int(planted.get(k, 0)) for k in FAULTS]
    by_kind["handled"] = [int(handled.get(k, 0)) for k in FAULTS]

    lines = export.ratings_csv.split("\n")[1:-1]  # not splitlines(): titles may hold U+0085
    faulted = set(manifest.loc[manifest["file"] == "ratings.csv", "line"].astype(int))
    lost_rows = []
    for number, text in enumerate(lines, start=2):
        if number not in faulted:
            event, user, film, star, when, _ = text.split(",")
            want = (int(user), int(film), float(star), int(when))
            if not any(same(got, want) for got in rows.get(int(event), [])):
                lost_rows.append(int(event))
    faulted_films = set(manifest.loc[manifest["file"] == "movies.csv", "movieId"].astype(int))
    lost_films = []
    for fields in csv.reader(io.StringIO(export.movies_csv.split("\n", 1)[1])):
        film = int(fields[0])
        if film not in faulted_films and film_rows.get(film) != tuple(fields[1:]):
            lost_films.append(film)
    reasons = held["reason"].astype(str).value_counts()
    return Report(
        by_kind=by_kind,
        input_rows=len(lines),
        clean_rows=len(clean),
        quarantined=len(held),
        quarantined_by_reason={str(k): int(v) for k, v in reasons.items()},
        unknown_reasons=sorted(set(reasons.index) - set(QUARANTINE_REASONS)),
        lost_rows=lost_rows,
        lost_films=lost_films,
    )


# ---------------------------------------------------------------- command line


def _rate(text: str) -> tuple[str, float]:
    kind, _, value = text.partition("=")
    if kind not in DEFAULT_RATES or not value:
        raise argparse.ArgumentTypeError(f"expected KIND=VALUE with KIND one of {', '.join(DEFAULT_RATES)}")
    return kind, float(value)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m paper2prod.messy_export", description=__doc__.split("\n")[0])
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--out", required=True, help="folder for ratings.csv, movies.csv, manifest.csv")
    parser.add_argument(
        "--rate",
        type=_rate,
        action="append",
        default=[],
        metavar="KIND=VALUE",
        help="override a fault rate, e.g. --rate bot_ratings=1000 (repeatable)",
    )
    parser.add_argument("--max-users", type=int, default=None, help="keep a random subset of users")
    parser.add_argument("--no-manifest", action="store_true", help="leave the answer key out")
    args = parser.parse_args(argv)
    export = generate(args.seed, dict(args.rate), max_users=args.max_users)
    paths = export.write(args.out, manifest=not args.no_manifest)
    counts = export.manifest["kind"].value_counts()
    print(f"wrote {', '.join(str(p) for p in paths.values())}")
    print(f"{len(export.manifest):,} faulty lines: " + ", ".join(f"{k} {counts.get(k, 0)}" for k in FAULTS))
    return 0


if __name__ == "__main__":
    sys.exit(main())
