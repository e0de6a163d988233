"""The messy export generator of lesson 05 (paper2prod/messy_export.py): determinism, every fault kind
present, the manifest true to the files (and complete), the answer key never readable as text, and the
scorer that grades a cleaning."""

import calendar
import csv
import io
import pathlib
import re
import time
from collections import Counter, defaultdict

import pandas as pd
import pytest

from paper2prod import data
from paper2prod import messy_export as mx

RATINGS_KINDS = {k for k, (file, _, _) in mx.FAULTS.items() if file == "ratings.csv"}


@pytest.fixture(scope="module")
def export():
    return mx.generate(seed=0)


@pytest.fixture(scope="module")
def film_ids():
    return set(data.load_movies("ml-latest-small")["movieId"].astype(int))


def ratings_lines(export):
    return export.ratings_csv.split("\n")[:-1]  # not splitlines(): titles may contain U+0085


def perfect_cleaning(export):
    """The tables a flawless cleaning produces, built from the manifest and the unfaulted lines."""
    manifest = export.manifest
    faulted = set(manifest.loc[manifest["file"] == "ratings.csv", "line"])
    clean = []
    for number, text in enumerate(ratings_lines(export)[1:], start=2):
        if number not in faulted:
            event, user, film, star, when, _ = text.split(",")
            clean.append((int(event), int(user), int(film), float(star), int(when)))
    for row in manifest[(manifest["file"] == "ratings.csv") & (manifest["outcome"] == "clean")].itertuples():
        clean.append((int(row.event_id), int(row.userId), int(row.movieId), float(row.rating), int(row.timestamp)))
    held = [
        (None if pd.isna(row.event_id) else int(row.event_id), row.reason)
        for row in manifest[manifest["outcome"] == "quarantine"].itertuples()
    ]
    movies = data.load_movies("ml-latest-small")
    films = {
        int(m): (mx.normalise_spaces(t), g) for m, t, g in zip(movies["movieId"], movies["title"], movies["genres"])
    }
    for row in manifest[manifest["file"] == "movies.csv"].itertuples():
        films[int(row.movieId)] = (row.title, row.genres)
    return (
        pd.DataFrame(clean, columns=["event_id", "userId", "movieId", "rating", "timestamp"]),
        pd.DataFrame(held, columns=["event_id", "reason"]).astype({"event_id": "Int64"}),
        pd.DataFrame([(m, t, g) for m, (t, g) in films.items()], columns=["movieId", "title", "genres"]),
    )


# ---------------------------------------------------------------- determinism and parameters


def test_same_seed_gives_byte_identical_files(tmp_path, export):
    assert mx.main(["--seed", "0", "--out", str(tmp_path / "a")]) == 0
    again = mx.generate(seed=0)
    again.write(tmp_path / "b")
    export.write(tmp_path / "c")
    for name in ("ratings.csv", "movies.csv", "manifest.sealed"):
        first = (tmp_path / "a" / name).read_bytes()
        assert first == (tmp_path / "b" / name).read_bytes() == (tmp_path / "c" / name).read_bytes(), name


def test_another_seed_gives_another_export(export):
    other = mx.generate(seed=1, max_users=100)
    assert other.ratings_csv != export.ratings_csv
    assert mx.generate(seed=1, max_users=100).ratings_csv == other.ratings_csv


def test_rates_are_parameters():
    small = mx.generate(
        seed=3, max_users=50, rates={"bot_ratings": 1200, "qa_accounts": 1, "export_parts": 3, "timestamp_iso": 0.0}
    )
    kinds = small.manifest["kind"].value_counts()
    assert kinds["bot_account"] == 1200 and kinds["repeated_header"] == 2 and "timestamp_iso" not in kinds
    assert small.manifest.loc[small.manifest["kind"] == "test_account", "event_id"].notna().all()
    with pytest.raises(ValueError, match="unknown rate"):
        mx.generate(seed=0, rates={"typo": 1})


@pytest.mark.parametrize("form", ["sealed", "plain"])
def test_manifest_round_trips_through_its_file(tmp_path, export, form):
    paths = export.write(tmp_path, manifest=form)
    assert paths["manifest"].name == mx.MANIFEST_FILES[form]
    loaded = mx.load(tmp_path)
    assert loaded.ratings_csv == export.ratings_csv and loaded.movies_csv == export.movies_csv
    assert mx.manifest_csv(loaded.manifest) == mx.manifest_csv(export.manifest)


def test_an_export_without_manifest_cannot_be_scored(tmp_path, export):
    assert sorted(export.write(tmp_path, manifest=None)) == ["movies", "ratings"]
    with pytest.raises(FileNotFoundError, match="holds no manifest"):
        mx.load(tmp_path)
    with pytest.raises(ValueError, match="manifest must be one of"):
        export.write(tmp_path, manifest=True)


# ---------------------------------------------------------------- the answer key is never text


def answer_key_words():
    """Every fault kind and quarantine reason: the words of lesson 05's answer key."""
    return set(mx.FAULTS) | set(mx.QUARANTINE_REASONS)


def test_the_package_holds_no_answer_key_as_text():
    """A student copy ships paper2prod: no file of it may name a fault kind or its handling."""
    package = pathlib.Path(mx.__file__).parent
    files = [p for p in package.rglob("*") if p.is_file() and "__pycache__" not in p.parts]
    found = {
        str(p.relative_to(package)): sorted(w for w in answer_key_words() if w in p.read_text(errors="replace"))
        for p in files
    }
    assert len(answer_key_words()) == 24 and len(mx.QUARANTINE_REASONS) == 11
    assert not {name: words for name, words in found.items() if words}


def test_the_sealed_key_is_the_key():
    sealed = mx.encode_key(mx._read_key())
    assert sealed == mx._SEALED_KEY and re.fullmatch(r"[A-Za-z0-9+/=]+", sealed)
    assert set(mx.DEFAULT_RATES) >= set(mx.ROW_FAULTS) and len(mx.FAULTS) == 21


def test_a_written_export_holds_no_answer_key_as_text(tmp_path, export):
    """The cached export lives in the student's data folder: its manifest is sealed, not readable."""
    written = export.write(tmp_path)
    for name, path in written.items():
        text = path.read_bytes().decode("latin-1")
        assert not [w for w in answer_key_words() if w in text], name
    plain = export.write(tmp_path / "instructor", manifest="plain")["manifest"].read_text()
    assert all(reason in plain for reason in mx.QUARANTINE_REASONS)


def test_cached_export_is_written_once(tmp_path, monkeypatch):
    monkeypatch.setattr(mx, "cache_folder", lambda seed=0: tmp_path / f"seed{seed}")
    monkeypatch.setattr(
        mx,
        "generate",
        lambda seed=0: mx.Export(seed, {}, "a\n", "b\n", mx._typed_manifest(pd.DataFrame(columns=mx.MANIFEST_COLUMNS))),
    )
    folder = mx.cached_export(5)
    stamp = (folder / "ratings.csv").stat().st_mtime_ns
    assert mx.cached_export(5) == folder and (folder / "ratings.csv").stat().st_mtime_ns == stamp
    assert sorted(p.name for p in tmp_path.iterdir()) == ["seed5"]  # no staging folder left behind


# ---------------------------------------------------------------- the manifest is true and complete


def test_every_fault_kind_is_planted(export):
    counts = export.manifest["kind"].value_counts()
    assert set(counts.index) == set(mx.FAULTS), set(mx.FAULTS) - set(counts.index)
    lines = len(ratings_lines(export)) - 1
    real = len(data.load_ratings("ml-latest-small"))
    # Realistic rates: the 0-10 client is a few percent, the rare faults are rare but there.
    assert counts["rating_0_10_scale"] == round(mx.DEFAULT_RATES["rating_0_10_scale"] * real)
    assert counts["bot_account"] == mx.DEFAULT_RATES["bot_ratings"]
    assert counts["repeated_header"] == mx.DEFAULT_RATES["export_parts"] - 1
    assert 0.08 < len(export.manifest) / lines < 0.15


def test_manifest_columns_follow_the_fault_table(export):
    for row in export.manifest.itertuples():
        file, outcome, reason = mx.FAULTS[row.kind]
        assert (row.file, row.outcome, row.reason) == (file, outcome, reason)
    assert set(export.manifest["reason"]) - {""} == set(mx.QUARANTINE_REASONS)


def test_each_ratings_fault_is_in_its_line(export, film_ids):
    lines = ratings_lines(export)
    by_pair = defaultdict(list)  # (user, film) -> [(timestamp, line number)] for the re-rating checks
    for number, text in enumerate(lines[1:], start=2):
        fields = text.split(",")
        if len(fields) == 6 and fields[4].isdigit() and fields[1].isdigit():
            by_pair[(fields[1], fields[2])].append((int(fields[4]), number))
    first_line = {}
    for number, text in enumerate(lines, start=1):
        first_line.setdefault(text, number)
    bot_lines = []
    for row in export.manifest[export.manifest["file"] == "ratings.csv"].itertuples():
        text = lines[row.line - 1]
        fields = text.split(",")
        kind = row.kind
        if kind == "repeated_header":
            assert text == mx.RATINGS_HEADER
            continue
        assert int(fields[0]) == row.event_id, (row, text)
        if kind == "wrong_field_count":
            assert len(fields) != 6
            continue
        assert len(fields) == 6, (row, text)
        event, user, film, star, when, client = fields
        if row.outcome == "clean":
            expected_user = f"{mx.LEGACY_PREFIX}{row.userId}" if kind == "user_id_prefixed" else str(row.userId)
            assert (user, int(film)) == (expected_user, row.movieId), (row, text)
        if kind == "rating_0_10_scale":
            assert client == mx.TEN_POINT_CLIENT and float(star) == 2 * row.rating and int(when) == row.timestamp
        elif kind == "timestamp_milliseconds":
            assert int(when) > 10**11 and int(when) // 1000 == row.timestamp and float(star) == row.rating
        elif kind == "timestamp_iso":
            parsed = calendar.timegm(time.strptime(when.replace("T", " ").rstrip("Z"), "%Y-%m-%d %H:%M:%S"))
            assert parsed == row.timestamp and not when.isdigit()
        elif kind == "user_id_prefixed":
            assert float(star) == row.rating and int(when) == row.timestamp
        elif kind == "rating_out_of_range":
            assert float(star) not in mx.HALF_STARS and client != mx.TEN_POINT_CLIENT
        elif kind == "rating_missing":
            assert star == ""
        elif kind == "rating_not_numeric":
            with pytest.raises(ValueError):
                float(star)
        elif kind == "timestamp_future":
            assert int(when) > mx.EXPORTED_AT
        elif kind == "unknown_film":
            assert int(film) not in film_ids
        elif kind == "duplicate_row":
            assert first_line[text] < row.line, f"line {row.line} duplicates no earlier line"
        elif kind in ("rerating_superseded", "rerating_latest"):
            versions = sorted(by_pair[(user, film)])
            assert len(versions) >= 2
            newest = versions[-1][1] == row.line
            assert newest == (kind == "rerating_latest"), (row, versions)
            if newest:
                assert float(star) == row.rating and int(when) == row.timestamp
        elif kind == "bot_account":
            bot_lines.append((user, int(when)))
        elif kind == "test_account":
            assert user.startswith(mx.TEST_PREFIX)
    users = {user for user, _ in bot_lines}
    seconds = [when for _, when in bot_lines]
    assert len(users) == 1 and int(next(iter(users))) > 610 and max(seconds) - min(seconds) < mx.BOT_WINDOW_SECONDS


def test_unlisted_ratings_lines_are_clean(export, film_ids):
    """Completeness: a line the manifest does not list has no fault at all."""
    faulted = set(export.manifest.loc[export.manifest["file"] == "ratings.csv", "line"])
    pairs, events = Counter(), Counter()
    for number, text in enumerate(ratings_lines(export)[1:], start=2):
        if number in faulted:
            continue
        event, user, film, star, when, client = text.split(",")
        assert float(star) in mx.HALF_STARS and client in mx.CLIENTS, text
        assert 0 < int(when) <= mx.EXPORTED_AT and int(film) in film_ids and user.isdigit(), text
        pairs[(user, film)] += 1
        events[event] += 1
    assert max(pairs.values()) == 1 and max(events.values()) == 1


def test_each_movie_fault_is_in_its_line(export):
    rows = list(csv.reader(io.StringIO(export.movies_csv)))
    assert rows[0] == mx.MOVIES_HEADER.split(",")
    originals = data.load_movies("ml-latest-small").set_index("movieId")
    faulted = set()
    for row in export.manifest[export.manifest["file"] == "movies.csv"].itertuples():
        fields = rows[row.line - 1]
        faulted.add(row.line)
        assert int(fields[0]) == row.movieId
        if row.kind == "unquoted_comma":
            assert len(fields) > 3 and ",".join(fields[1:-1]) == row.title and fields[-1] == row.genres
            continue
        film, title, genres = fields
        if row.kind == "title_mojibake":
            assert title != row.title and title.encode("latin-1").decode("utf-8") == row.title
        elif row.kind == "title_whitespace":
            assert title != row.title and mx.normalise_spaces(title) == row.title
        elif row.kind == "title_year_missing":
            assert title == row.title and originals.loc[row.movieId, "title"].startswith(title + " (")
        elif row.kind == "genres_inconsistent":
            assert genres != row.genres and genres.lower().replace(" ", "") != ""
            tokens = [t.strip() for t in genres.replace(";", "|").replace(",", "|").replace("/", "|").split("|")]
            assert [t.lower() for t in tokens] == [g.lower() for g in row.genres.split("|")]
    for number, fields in enumerate(rows[1:], start=2):
        if number not in faulted:
            film, title, genres = fields
            assert (title, genres) == (originals.loc[int(film), "title"], originals.loc[int(film), "genres"])
            assert title == mx.normalise_spaces(title)


# ---------------------------------------------------------------- the scorer that grades a cleaning


def test_a_perfect_cleaning_scores_full_marks(export):
    clean, held, films = perfect_cleaning(export)
    report = mx.score_cleaning(export, clean, held, films)
    assert report.share == 1.0 and report.reconciled and not report.lost_rows and not report.lost_films, (
        report.summary()
    )
    assert report.quarantined_by_reason["bot_account"] == mx.DEFAULT_RATES["bot_ratings"]


def test_typical_mistakes_score_below_99_percent(export):
    clean, held, films = perfect_cleaning(export)
    manifest = export.manifest
    tv = set(manifest.loc[manifest["kind"] == "rating_0_10_scale", "event_id"].astype(int))
    forgot_tv = clean.assign(rating=[r * 2 if e in tv else r for e, r in zip(clean["event_id"], clean["rating"])])
    assert mx.score_cleaning(export, forgot_tv, held, films).share < 0.99

    latest = manifest.loc[manifest["kind"] == "rerating_latest", "event_id"].astype(int)
    older = manifest.loc[manifest["kind"] == "rerating_superseded", "event_id"].astype(int)
    first = clean[~clean["event_id"].isin(set(latest))]
    report = mx.score_cleaning(export, first, held, films)
    assert report.share < 0.99 and not report.reconciled
    assert report.by_kind.set_index("kind").loc["rerating_latest", "handled"] == 0
    assert len(older) > 0

    # Dropping every row that needed a repair: nothing lost, but far from 99% handled.
    repaired = manifest[(manifest["file"] == "ratings.csv") & (manifest["outcome"] == "clean")]
    dropped = clean[~clean["event_id"].isin(set(repaired["event_id"].astype(int)))]
    held_more = pd.concat([held, repaired[["event_id"]].assign(reason="malformed_line")], ignore_index=True)
    report = mx.score_cleaning(export, dropped, held_more, films)
    assert report.share < 0.99 and report.reconciled and not report.lost_rows


def test_losing_one_clean_row_is_noticed(export):
    clean, held, films = perfect_cleaning(export)
    faulted = set(export.manifest["event_id"].dropna().astype(int))
    victim = next(e for e in clean["event_id"] if e not in faulted)
    report = mx.score_cleaning(export, clean[clean["event_id"] != victim], held, films)
    assert report.lost_rows == [victim] and not report.reconciled
    changed = films.assign(title=films["title"].where(films["movieId"] != 2, "Jumanji"))
    assert mx.score_cleaning(export, clean, held, changed).lost_films == [2]
