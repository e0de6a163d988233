"""MovieLens data: registry, fetch (download or local mirror), verify, and loaders.

    python -m paper2prod.data list
    python -m paper2prod.data fetch ml-latest-small ml-100k
    python -m paper2prod.data verify ml-100k

Environment variables:

    PAPER2PROD_DATA_HOME    where installed data lives (default: datasets/data/ of the course
                            repository when the package runs from one, as `make setup` installs
                            it; otherwise, say after `pip install .`, the user's cache folder:
                            ~/.cache/paper2prod/datasets on Linux, ~/Library/Caches/... on macOS)
    PAPER2PROD_DATA_MIRROR  a folder holding NAME/ folders of extracted files; when set,
                            fetch copies from it instead of downloading (offline rooms, CI)

Every file is checked against the SHA-256 in the registry, paper2prod/registry.json (package
data, so an installed package finds it without the repository). A dataset is
built in a staging folder and renamed into place only when every file is right,
so a failure never leaves half-installed data behind.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import sys
import tempfile
import urllib.error
import urllib.request
import zipfile
from importlib import resources
from pathlib import Path

import pandas as pd
import platformdirs

REPO_ROOT = Path(__file__).resolve().parents[1]  # the course repository, for an editable install
MARKER = ".verified.json"  # written last: its presence means "complete and checked"
CHUNK = 1 << 20

RATING_COLUMNS = ["userId", "movieId", "rating", "timestamp"]
RATING_DTYPES = {"userId": "int32", "movieId": "int32", "rating": "float64", "timestamp": "int64"}
ML100K_GENRES = [
    "unknown",
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
    "Musical",
    "Mystery",
    "Romance",
    "Sci-Fi",
    "Thriller",
    "War",
    "Western",
]
ML100K_SPLITS = ["u1", "u2", "u3", "u4", "u5", "ua", "ub"]


class DataError(RuntimeError):
    """Data is missing, corrupt or unreachable; the message says what to do."""


# ---------------------------------------------------------------- registry and places


def registry() -> dict:
    return json.loads(resources.files("paper2prod").joinpath("registry.json").read_text())


def entry(name: str) -> dict:
    known = registry()
    if name not in known:
        raise DataError(f"unknown dataset {name!r}; known: {', '.join(known)}")
    return known[name]


def in_course_repository() -> bool:
    """Does the package run from the course repository (an editable install), not site-packages?"""
    return (REPO_ROOT / "pyproject.toml").is_file() and (REPO_ROOT / "datasets").is_dir()


def data_home() -> Path:
    chosen = os.environ.get("PAPER2PROD_DATA_HOME")
    if chosen:
        return Path(chosen).expanduser()
    if in_course_repository():
        return REPO_ROOT / "datasets" / "data"
    return Path(platformdirs.user_cache_dir("paper2prod")) / "datasets"


def mirror_dir() -> Path | None:
    value = os.environ.get("PAPER2PROD_DATA_MIRROR")
    return Path(value).expanduser().resolve() if value else None


def installed(name: str) -> bool:
    return (data_home() / name / MARKER).is_file()


def path(name: str) -> Path:
    """Folder of an installed dataset, fetching it first if needed."""
    if not installed(name):
        fetch(name)
    return data_home() / name


# ---------------------------------------------------------------- checking files


def sha256_of(file: Path) -> str:
    return file_digest(file, "sha256")


def file_digest(file: Path, algorithm: str) -> str:
    digest = hashlib.new(algorithm)
    with open(file, "rb") as handle:
        for block in iter(lambda: handle.read(CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def _check_file(file: Path, expected: dict, where: str) -> None:
    if not file.is_file():
        raise DataError(f"{where}: {file.name} is missing; re-copy the dataset folder or run fetch again")
    size = file.stat().st_size
    if size != expected["bytes"]:
        raise DataError(
            f"{where}: {file.name} has {size:,} bytes, expected {expected['bytes']:,} "
            "(truncated or a different version); replace it and run fetch again"
        )
    actual = sha256_of(file)
    if actual != expected["sha256"]:
        raise DataError(
            f"{where}: {file.name} is corrupt (SHA-256 {actual[:12]}..., expected "
            f"{expected['sha256'][:12]}...); replace it and run fetch again"
        )


def verify(name: str) -> list[str]:
    """Problems with an installed dataset (an empty list means all files are right)."""
    folder = data_home() / name
    if not installed(name):
        return [f"{name} is not installed (run: python -m paper2prod.data fetch {name})"]
    files = entry(name)["files"] or json.loads((folder / MARKER).read_text())["files"]
    problems = []
    for file_name, expected in files.items():
        try:
            _check_file(folder / file_name, expected, name)
        except DataError as error:
            problems.append(str(error))
    return problems


# ---------------------------------------------------------------- installing


def fetch(name: str, force: bool = False, progress: bool = True) -> Path:
    """Install a dataset from the mirror (if PAPER2PROD_DATA_MIRROR is set) or GroupLens."""
    info = entry(name)
    target = data_home() / name
    if installed(name) and not force:
        return target
    mirror = mirror_dir()
    if mirror is not None:
        source = mirror / name
        if not source.is_dir():
            raise DataError(
                f"the mirror {mirror} has no folder {name}/; copy the extracted dataset "
                "there, or unset PAPER2PROD_DATA_MIRROR to download from GroupLens"
            )
        if not info["files"]:
            raise DataError(
                f"{name} is download-only (no per-file checksums to check a mirror "
                "against); unset PAPER2PROD_DATA_MIRROR to download it"
            )
        return _install(name, lambda staging: _copy_from_mirror(source, staging, info, progress))
    return _install(name, lambda staging: _download_into(staging, name, info, progress))


def _install(name: str, fill) -> Path:
    """Fill a staging folder, then swap it into place in one rename."""
    home = data_home()
    home.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".staging-{name}-", dir=home))
    try:
        files = fill(staging)
        (staging / MARKER).write_text(json.dumps({"name": name, "files": files}, indent=1))
        target = home / name
        if target.exists():
            old = Path(tempfile.mkdtemp(prefix=f".old-{name}-", dir=home))
            target.rename(old / name)
            staging.rename(target)
            shutil.rmtree(old, ignore_errors=True)
        else:
            staging.rename(target)
        return target
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _copy_from_mirror(source: Path, staging: Path, info: dict, progress: bool) -> dict:
    from tqdm.auto import tqdm

    files = info["files"]
    with tqdm(
        total=sum(f["bytes"] for f in files.values()),
        unit="B",
        unit_scale=True,
        desc=f"copy {source.name}",
        disable=not progress,
    ) as bar:
        for file_name, expected in files.items():
            _check_file(source / file_name, expected, f"mirror {source}")
            shutil.copyfile(source / file_name, staging / file_name)
            _check_file(staging / file_name, expected, f"copy of {source}")
            bar.update(expected["bytes"])
    return files


def _download_into(staging: Path, name: str, info: dict, progress: bool) -> dict:
    archive = _download(info["url"], data_home() / ".downloads" / f"{name}.zip", progress)
    expected_md5 = info.get("archive_md5")
    if expected_md5 and file_digest(archive, "md5") != expected_md5:
        archive.unlink()
        raise DataError(f"the download of {name} is corrupt (MD5 mismatch); it was deleted, run fetch again")
    try:
        with zipfile.ZipFile(archive) as zipped:
            prefix = info["archive_folder"] + "/"
            for member in zipped.infolist():
                if member.is_dir() or not member.filename.startswith(prefix):
                    continue
                relative = member.filename[len(prefix) :]
                if "/" in relative or relative.startswith("."):
                    continue  # only the dataset's own top-level files
                with zipped.open(member) as src, open(staging / relative, "wb") as dst:
                    shutil.copyfileobj(src, dst)
    except zipfile.BadZipFile:
        archive.unlink()
        raise DataError(f"the download of {name} is not a valid zip file; it was deleted, run fetch again") from None
    files = info["files"]
    for file_name, expected in files.items():
        _check_file(staging / file_name, expected, f"download of {name}")
    archive.unlink()
    if not files:  # download-only entries: record what we got so verify can check it later
        files = {f.name: {"sha256": sha256_of(f), "bytes": f.stat().st_size} for f in sorted(staging.iterdir())}
    return files


def _download(url: str, destination: Path, progress: bool) -> Path:
    """Download with resume: a .part file keeps what arrived before an interruption."""
    from tqdm.auto import tqdm

    destination.parent.mkdir(parents=True, exist_ok=True)
    part = destination.with_suffix(destination.suffix + ".part")
    have = part.stat().st_size if part.exists() else 0
    request = urllib.request.Request(url, headers={"Range": f"bytes={have}-"} if have else {})
    try:
        response = urllib.request.urlopen(request, timeout=60)
    except urllib.error.HTTPError as error:
        if error.code == 416 and have:  # already complete
            part.rename(destination)
            return destination
        raise DataError(
            f"could not download {url}: HTTP {error.code}; try again later, or use a "
            "local mirror (PAPER2PROD_DATA_MIRROR, see datasets/README.md)"
        ) from None
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise DataError(
            f"could not download {url}: {reason}. Check your internet connection, or "
            "set PAPER2PROD_DATA_MIRROR to a folder of extracted datasets "
            "(see datasets/README.md)"
        ) from None
    resumed = response.status == 206
    mode = "ab" if resumed else "wb"
    total = response.headers.get("Content-Length")
    total = int(total) + (have if resumed else 0) if total else None
    try:
        with (
            response,
            open(part, mode) as out,
            tqdm(
                total=total,
                initial=have if resumed else 0,
                unit="B",
                unit_scale=True,
                desc=f"download {destination.stem}",
                disable=not progress,
            ) as bar,
        ):
            for block in iter(lambda: response.read(CHUNK), b""):
                out.write(block)
                bar.update(len(block))
    except OSError as error:
        raise DataError(f"the download of {url} was interrupted ({error}); run fetch again to resume") from None
    if total is not None and part.stat().st_size != total:
        raise DataError(
            f"the download of {url} stopped early ({part.stat().st_size:,} of {total:,} "
            "bytes); run fetch again to resume"
        )
    part.rename(destination)
    return destination


# ---------------------------------------------------------------- pandas loaders


def require_columns(frame, columns: list[str], what: str, error: type[Exception] = DataError):
    """The frame (pandas or Spark) if it has every column, else `error` naming what is missing and
    what is there. One check for the loaders and the evaluation protocol."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise error(f"{what} lacks column(s) {missing}; it has {list(frame.columns)}")
    return frame


def load_ratings(name: str = "ml-latest-small") -> pd.DataFrame:
    """All ratings as userId, movieId, rating, timestamp (seconds since 1970, UTC)."""
    folder = path(name)
    if name == "ml-100k":
        return _read_tab(folder / "u.data")
    if name == "ml-1m":
        frame = pd.read_csv(folder / "ratings.dat", sep="::", engine="python", names=RATING_COLUMNS)
        return frame.astype(RATING_DTYPES)
    frame = pd.read_csv(folder / "ratings.csv", dtype=RATING_DTYPES)
    return require_columns(frame, RATING_COLUMNS, f"{name}/ratings.csv")[RATING_COLUMNS]


def load_movies(name: str = "ml-latest-small") -> pd.DataFrame:
    """Films as movieId, title, genres ('|'-separated, as in ml-latest-small)."""
    folder = path(name)
    if name == "ml-100k":
        raw = pd.read_csv(
            folder / "u.item",
            sep="|",
            encoding="latin-1",
            header=None,
            names=["movieId", "title", "release", "video", "url"] + ML100K_GENRES,
        )
        flags = raw[ML100K_GENRES].to_numpy(bool)
        genres = ["|".join(g for g, on in zip(ML100K_GENRES, row) if on) or "(no genres listed)" for row in flags]
        return pd.DataFrame(
            {"movieId": raw["movieId"].astype("int32"), "title": raw["title"].fillna(""), "genres": genres}
        )
    if name == "ml-1m":
        frame = pd.read_csv(
            folder / "movies.dat", sep="::", engine="python", encoding="latin-1", names=["movieId", "title", "genres"]
        )
    else:
        frame = pd.read_csv(folder / "movies.csv", dtype={"movieId": "int32", "title": str, "genres": str})
    return require_columns(frame, ["movieId", "title", "genres"], f"{name} movies")


def load_split(split: str = "u1") -> tuple[pd.DataFrame, pd.DataFrame]:
    """One of ml-100k's official splits: (train, test) for u1..u5 (5-fold) or ua/ub."""
    if split not in ML100K_SPLITS:
        raise DataError(f"unknown ml-100k split {split!r}; choose one of {ML100K_SPLITS}")
    folder = path("ml-100k")
    return _read_tab(folder / f"{split}.base"), _read_tab(folder / f"{split}.test")


def _read_tab(file: Path) -> pd.DataFrame:
    return pd.read_csv(file, sep="\t", names=RATING_COLUMNS, dtype=RATING_DTYPES)


# ---------------------------------------------------------------- Spark loaders


def ratings_schema():
    from pyspark.sql.types import DoubleType, IntegerType, LongType, StructField, StructType

    return StructType(
        [
            StructField("userId", IntegerType(), False),
            StructField("movieId", IntegerType(), False),
            StructField("rating", DoubleType(), False),
            StructField("timestamp", LongType(), False),
        ]
    )


def movies_schema():
    from pyspark.sql.types import IntegerType, StringType, StructField, StructType

    return StructType(
        [
            StructField("movieId", IntegerType(), False),
            StructField("title", StringType(), True),
            StructField("genres", StringType(), True),
        ]
    )


def spark_ratings(spark, name: str = "ml-latest-small"):
    """Ratings as a Spark DataFrame with an explicit schema (no inference pass)."""
    folder = path(name)
    if name == "ml-100k":
        return spark.read.csv(str(folder / "u.data"), sep="\t", schema=ratings_schema())
    if name == "ml-1m":
        return spark.createDataFrame(load_ratings(name), schema=ratings_schema())
    return spark.read.csv(str(folder / "ratings.csv"), header=True, schema=ratings_schema(), mode="FAILFAST")


def spark_movies(spark, name: str = "ml-latest-small"):
    """Films as a Spark DataFrame: movieId, title, genres."""
    if name in ("ml-100k", "ml-1m"):
        return spark.createDataFrame(load_movies(name), schema=movies_schema())
    file = path(name) / "movies.csv"
    # Titles with commas are quoted, and quotes inside titles are doubled ("").
    return spark.read.csv(str(file), header=True, schema=movies_schema(), quote='"', escape='"', mode="FAILFAST")


def spark_split(spark, split: str = "u1"):
    """An official ml-100k split as two Spark DataFrames (train, test)."""
    train, test = load_split(split)
    return (spark.createDataFrame(train, schema=ratings_schema()), spark.createDataFrame(test, schema=ratings_schema()))


# ---------------------------------------------------------------- command line


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m paper2prod.data", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("list", help="datasets in the registry and whether they are installed")
    for command in ("fetch", "verify"):
        sub = commands.add_parser(command)
        sub.add_argument("names", nargs="+", metavar="NAME")
        if command == "fetch":
            sub.add_argument("--force", action="store_true", help="install again even if present")
    args = parser.parse_args(argv)

    if args.command == "list":
        for name, info in registry().items():
            state = "installed" if installed(name) else "not installed"
            print(f"{name:16} {state:14} {info['title']}")
        print(f"data home: {data_home()}   mirror: {mirror_dir() or '(none; downloads from GroupLens)'}")
        return 0
    status = 0
    for name in args.names:
        try:
            if args.command == "fetch":
                was = installed(name) and not args.force
                where = fetch(name, force=args.force)
                print(f"{name}: {'already installed' if was else 'installed'} in {where}")
            else:
                problems = verify(name)
                print(f"{name}: all files verified" if not problems else "\n".join(problems))
                status = status or (1 if problems else 0)
        except DataError as error:
            print(f"error: {error}", file=sys.stderr)
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
