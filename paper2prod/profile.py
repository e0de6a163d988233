"""Your own ratings, by title: find films in a MovieLens catalogue and turn a profile into rows.

    from paper2prod import profile
    profile.search(movies, "beauty and the beast")       # what is there, with ids and years
    mine = profile.resolve(movies, {"Toy Story": 5, "The Shining (1980)": 1})
    rows = profile.as_ratings(mine, user_id=611)           # userId, movieId, rating, timestamp

Titles are matched the way a person types them: case, accents and punctuation do not
matter, "The Lion King" finds "Lion King, The (1994)", and the alternative title in
brackets counts too ("Sen to Chihiro no kamikakushi" finds Spirited Away). Add the
year in brackets when several films share a title. Every problem in a profile (an
unknown title, an ambiguous one, a rating off the half-star scale, a film rated
twice) is reported at once in one ProfileError, with candidates to choose from.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Mapping

import pandas as pd

# A ready persona so the lesson runs unattended: loves animation and family films,
# dislikes horror. Titles are written as a person would type them.
PERSONA: dict[str, float] = {
    "Toy Story": 5.0,
    "Toy Story 2": 4.5,
    "The Lion King": 5.0,
    "Beauty and the Beast (1991)": 4.5,
    "Finding Nemo": 5.0,
    "Monsters, Inc.": 4.5,
    "Shrek": 4.0,
    "The Incredibles": 4.5,
    "Aladdin (1992)": 4.0,
    "Spirited Away": 5.0,
    "My Neighbor Totoro": 5.0,
    "WALL-E": 5.0,
    "Ratatouille": 4.5,
    "Mary Poppins": 4.0,
    "Babe (1995)": 4.0,
    "Up (2009)": 5.0,
    "The Jungle Book (1967)": 4.5,
    "The Shining (1980)": 1.0,
    "The Exorcist (1973)": 0.5,
    "Saw (2004)": 0.5,
    "The Texas Chainsaw Massacre (1974)": 0.5,
    "Halloween (1978)": 1.0,
    "Scream (1996)": 1.5,
    "The Ring (2002)": 1.0,
    "A Nightmare on Elm Street (1984)": 1.0,
    "Poltergeist (1982)": 1.0,
}

PROFILE_TIMESTAMP = 1_700_000_000  # one fixed time (November 2023) keeps every run identical
RATING_STEPS = [x / 2 for x in range(1, 11)]  # 0.5, 1.0, ..., 5.0
_ARTICLES = ("the", "a", "an", "les", "la", "le", "l'", "il", "el", "der", "die", "das", "los", "las")
_YEAR = re.compile(r"\s*\((\d{4})(?:[-–]\d{0,4})?\)\s*$")
_LAST_BRACKET = re.compile(r"^(.*\S)\s*\(([^()]*)\)$")


class ProfileError(ValueError):
    """A profile could not be resolved; the message lists every problem and what to do."""


# ---------------------------------------------------------------- normalising titles


def _plain(text: str) -> str:
    """Lower case, no accents or apostrophes, words separated by single spaces.

    'WALL·E' and 'WALL-E' both give 'wall e'; "Schindler's" gives 'schindlers'.
    """
    if not text.isascii():  # most titles are: skip the slow accent stripping for them
        text = unicodedata.normalize("NFKD", text)
        text = "".join(char for char in text if not unicodedata.combining(char))
    text = re.sub(r"['’`]", "", text.lower())
    return " ".join(re.sub(r"[^0-9a-z]+", " ", text).split())


def _article_first(name: str) -> str:
    """'Lion King, The' -> 'The Lion King' (MovieLens puts articles last)."""
    for article in _ARTICLES:
        suffix = ", " + article
        if name.lower().endswith(suffix):
            joiner = "" if article.endswith("'") else " "  # "L'Homme", but "The Lion King"
            return name[-len(article) :] + joiner + name[: -len(suffix)]
    return name


def split_year(title: str) -> tuple[str, int | None]:
    """'Toy Story (1995)' -> ('Toy Story', 1995); titles without a year give None."""
    match = _YEAR.search(title)
    if not match:
        return title.strip(), None
    return title[: match.start()].strip(), int(match.group(1))


def title_keys(title: str) -> set[str]:
    """Every normalised name a MovieLens title answers to (main and bracketed titles)."""
    name, _ = split_year(title)
    names = []
    while (match := _LAST_BRACKET.match(name)) and match.group(2).strip():
        name, alias = match.group(1), match.group(2)
        names.append(re.sub(r"^a\.?k\.?a\.?\s+", "", alias.strip(), flags=re.IGNORECASE))
    names.append(name)
    keys = set()
    for each in names:
        keys.add(_plain(each))
        keys.add(_plain(_article_first(each)))
    keys.discard("")
    return keys


def _query(text: str) -> tuple[str, int | None]:
    name, year = split_year(str(text))
    return _plain(_article_first(name)), year


# ---------------------------------------------------------------- looking films up

_INDEX_CACHE: dict[int, pd.DataFrame] = {}


def _index(movies: pd.DataFrame) -> pd.DataFrame:
    """One row per (key, film): the lookup table behind search and resolve.

    Built once per catalogue (recognised by a hash of its ids and titles), because
    normalising ten thousand titles for every look-up would make resolve slow.
    """
    fingerprint = int(pd.util.hash_pandas_object(movies[["movieId", "title"]], index=False).sum())
    if fingerprint not in _INDEX_CACHE:
        rows = [
            (key, int(movie_id), title, split_year(title)[1])
            for movie_id, title in zip(movies["movieId"], movies["title"])
            for key in title_keys(title)
        ]
        _INDEX_CACHE.clear()  # one catalogue at a time is all a notebook needs
        _INDEX_CACHE[fingerprint] = pd.DataFrame(rows, columns=["key", "movieId", "title", "year"])
    return _INDEX_CACHE[fingerprint]


def _films(movies: pd.DataFrame, ids) -> pd.DataFrame:
    chosen = movies[movies["movieId"].isin(list(ids))]
    return chosen[["movieId", "title", "genres"]].reset_index(drop=True)


def matches(movies: pd.DataFrame, text: str) -> pd.DataFrame:
    """Films whose title is exactly `text` (after normalising; a year in brackets must agree)."""
    return _matches(movies, _index(movies), text)


def _matches(movies: pd.DataFrame, index: pd.DataFrame, text: str) -> pd.DataFrame:
    key, year = _query(text)
    hits = index[(index["key"] == key) & ((index["year"] == year) if year else True)]
    return _films(movies, hits["movieId"].unique())


def search(movies: pd.DataFrame, text: str, limit: int = 10) -> pd.DataFrame:
    """Films whose title contains `text`: exact matches first, then titles that start with
    it ('Star Wars' -> 'Star Wars: Episode IV - A New Hope'), then the shortest titles."""
    key, year = _query(text)
    if not key:
        raise ProfileError("search needs some letters or digits, e.g. search(movies, 'toy story')")
    index = _index(movies)
    found = index[index["key"].str.contains(key, regex=False)]
    if year:
        found = found[found["year"] == year]
    found = found.assign(
        exact=found["key"] == key,
        # whole words only: 'star wars' starts 'star wars episode iv', not 'star warsaw'
        prefix=found["key"].str.startswith(key + " "),
        length=found["title"].str.len(),
    )
    found = found.sort_values(["exact", "prefix", "length", "movieId"], ascending=[False, False, True, True])
    ids = list(dict.fromkeys(found["movieId"]))[:limit]
    result = movies.set_index("movieId").loc[ids, ["title", "genres"]].reset_index()
    return result


def suggestions(movies: pd.DataFrame, text: str, limit: int = 5) -> list[str]:
    """Titles that look like `text`: for typos ('Toy Stroy') and partial names."""
    key, _ = _query(text)
    if not key:
        return []
    index = _index(movies)
    # A title that starts with what was typed ('Star Wars' -> 'Star Wars: Episode IV - ...') is
    # a better guess than a spelling neighbour ('Star Maps'), so those come first.
    starting = index[index["key"].str.startswith(key + " ")]["movieId"].unique()
    found = search(movies, text, limit)
    titles = found.loc[found["movieId"].isin(starting), "title"].tolist()
    near = difflib.get_close_matches(key, index["key"].unique().tolist(), n=limit, cutoff=0.75)
    titles += [t for k in near for t in index.loc[index["key"] == k, "title"]]
    titles += found["title"].tolist()
    return list(dict.fromkeys(titles))[:limit]


# ---------------------------------------------------------------- whole profiles


def _valid_rating(value) -> bool:
    try:
        return float(value) in RATING_STEPS
    except (TypeError, ValueError):
        return False


def resolve(movies: pd.DataFrame, rated: Mapping[str, float]) -> pd.DataFrame:
    """Turn {title: rating} into rows of movieId, title, rating, in the order given.

    Raises ProfileError listing every title that is unknown or ambiguous, every rating
    off the 0.5-5.0 half-star scale, and every film named twice.
    """
    if not isinstance(rated, Mapping) or not rated:
        raise ProfileError(
            "a profile is a non-empty dict of {title: rating}, e.g. {'Toy Story': 5.0, 'The Shining (1980)': 1.0}"
        )
    problems, rows, first_name = [], [], {}
    index = _index(movies)
    for text, rating in rated.items():
        if not _valid_rating(rating):
            problems.append(f"- {text!r}: rating {rating!r} is not on the scale 0.5, 1.0, ..., 5.0")
            continue
        found = _matches(movies, index, text)
        if found.empty:
            near = suggestions(movies, text)
            hint = f" Did you mean: {'; '.join(near)}?" if near else " Try profile.search(movies, 'part of the title')."
            problems.append(f"- {text!r}: no film with this title.{hint}")
        elif len(found) > 1:
            choices = "; ".join(found["title"])
            name, year = split_year(found["title"].iloc[0])
            example = f"{split_year(str(text))[0]} ({year})" if year else name
            problems.append(
                f"- {text!r} is ambiguous ({len(found)} films): {choices}. Add the year in brackets, e.g. {example!r}."
            )
        else:
            movie_id, title = int(found["movieId"].iloc[0]), found["title"].iloc[0]
            if movie_id in first_name:
                problems.append(f"- {text!r} and {first_name[movie_id]!r} are the same film, {title}: rate it once.")
                continue
            first_name[movie_id] = text
            rows.append((movie_id, title, float(rating)))
    if problems:
        raise ProfileError(f"{len(problems)} problem(s) in the profile:\n" + "\n".join(problems))
    return pd.DataFrame(rows, columns=["movieId", "title", "rating"]).astype({"movieId": "int32"})


def as_ratings(resolved: pd.DataFrame, user_id: int, timestamp: int = PROFILE_TIMESTAMP) -> pd.DataFrame:
    """A resolved profile as MovieLens rating rows: userId, movieId, rating, timestamp."""
    frame = pd.DataFrame(
        {
            "userId": int(user_id),
            "movieId": resolved["movieId"],
            "rating": resolved["rating"],
            "timestamp": int(timestamp),
        }
    )
    return frame.astype({"userId": "int32", "movieId": "int32", "rating": "float64", "timestamp": "int64"})
