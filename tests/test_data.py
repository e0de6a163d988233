"""Data access: registry, mirror install, verify, download, failures that lose nothing, loaders."""

import hashlib
import http.server
import io
import json
import shutil
import threading
import zipfile
from pathlib import Path

import pytest

from paper2prod import data

SHARED = Path(__file__).resolve().parents[2] / "shared" / "datasets"


@pytest.fixture
def home(tmp_path, monkeypatch):
    """A private data home, so tests never touch the real installed data."""
    monkeypatch.setenv("PAPER2PROD_DATA_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


@pytest.fixture
def mirror(tmp_path, monkeypatch):
    """A writable copy of the real mirror's ml-100k (small enough to copy)."""
    source = Path(data.mirror_dir() or SHARED)
    if not (source / "ml-100k").is_dir():
        pytest.skip("no data mirror (set PAPER2PROD_DATA_MIRROR)")
    copy = tmp_path / "mirror"
    shutil.copytree(source / "ml-100k", copy / "ml-100k")
    monkeypatch.setenv("PAPER2PROD_DATA_MIRROR", str(copy))
    return copy


def leftovers(home: Path):
    return sorted(p.name for p in home.iterdir()) if home.exists() else []


def test_registry_lists_every_file_with_a_checksum():
    reg = data.registry()
    assert {"ml-latest-small", "ml-100k", "ml-1m", "ml-25m"} <= set(reg)
    for name in ("ml-latest-small", "ml-100k"):
        for file_name, info in reg[name]["files"].items():
            assert len(info["sha256"]) == 64 and info["bytes"] > 0, (name, file_name)
    splits = {f"{s}.{part}" for s in data.ML100K_SPLITS for part in ("base", "test")}
    assert splits <= set(reg["ml-100k"]["files"])
    assert reg["ml-1m"]["download_only"] and reg["ml-25m"]["download_only"]


def test_fetch_from_mirror_installs_and_verifies(home, mirror):
    target = data.fetch("ml-100k", progress=False)
    assert target == home / "ml-100k" and data.installed("ml-100k")
    assert data.verify("ml-100k") == []
    assert leftovers(home) == ["ml-100k"], "no staging folders may remain"


def test_corrupt_mirror_file_fails_clearly_and_installs_nothing(home, mirror):
    (mirror / "ml-100k" / "u3.test").write_bytes(b"1\t2\t3\t4\n" * 20000)
    with pytest.raises(data.DataError, match=r"u3\.test"):
        data.fetch("ml-100k", progress=False)
    assert not data.installed("ml-100k")
    assert leftovers(home) == [], "a failed install must leave nothing behind"


def test_truncated_and_missing_files_are_named(home, mirror):
    (mirror / "ml-100k" / "u.data").write_bytes((mirror / "ml-100k" / "u.data").read_bytes()[:1000])
    with pytest.raises(data.DataError, match=r"u\.data has 1,000 bytes"):
        data.fetch("ml-100k", progress=False)
    (mirror / "ml-100k" / "u.data").unlink()
    with pytest.raises(data.DataError, match=r"u\.data is missing"):
        data.fetch("ml-100k", progress=False)


def test_failed_refetch_keeps_the_good_copy(home, mirror):
    data.fetch("ml-100k", progress=False)
    (mirror / "ml-100k" / "u.item").write_text("broken")
    with pytest.raises(data.DataError):
        data.fetch("ml-100k", force=True, progress=False)
    assert data.verify("ml-100k") == [], "the installed copy must survive a failed re-fetch"


def test_mirror_without_the_dataset_says_so(home, mirror):
    with pytest.raises(data.DataError, match="has no folder ml-latest-small"):
        data.fetch("ml-latest-small", progress=False)


def test_verify_notices_damage_after_install(home, mirror):
    data.fetch("ml-100k", progress=False)
    (home / "ml-100k" / "u1.base").write_text("oops")
    problems = data.verify("ml-100k")
    assert len(problems) == 1 and "u1.base" in problems[0]


def test_unknown_dataset_and_split():
    with pytest.raises(data.DataError, match="unknown dataset"):
        data.entry("ml-42")
    with pytest.raises(data.DataError, match="unknown ml-100k split"):
        data.load_split("u9")


def test_cli_reports_errors_in_one_line(home, mirror, capsys):
    (mirror / "ml-100k" / "u.user").write_text("x")
    assert data.main(["fetch", "ml-100k"]) == 1
    err = capsys.readouterr().err
    errors = [line for line in err.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1 and "u.user" in errors[0] and "Traceback" not in err
    assert data.main(["list"]) == 0


# ----------------------------------------------------------------- downloading


def _zip_of(folder: Path, prefix: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for file in sorted(folder.iterdir()):
            archive.write(file, f"{prefix}/{file.name}")
    return buffer.getvalue()


@pytest.fixture
def server(mirror):
    """A loopback HTTP server that serves ml-100k.zip, honouring Range requests."""
    payload = {"body": _zip_of(mirror / "ml-100k", "ml-100k"), "cut": None}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            body = payload["body"]
            start = int(self.headers["Range"].split("=")[1].split("-")[0]) if self.headers.get("Range") else 0
            self.send_response(206 if start else 200)
            self.send_header("Content-Length", str(len(body) - start))
            self.end_headers()
            chunk = body[start : payload["cut"]] if payload["cut"] else body[start:]
            self.wfile.write(chunk)

        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield payload, f"http://127.0.0.1:{httpd.server_address[1]}/ml-100k.zip"
    httpd.shutdown()


@pytest.fixture
def use_url(monkeypatch):
    def use(url, md5):
        real = data.registry()
        real["ml-100k"] = {**real["ml-100k"], "url": url, "archive_md5": md5}
        monkeypatch.setattr(data, "registry", lambda: real)
        monkeypatch.delenv("PAPER2PROD_DATA_MIRROR", raising=False)

    return use


def test_download_installs_and_checks_every_file(home, server, use_url):
    payload, url = server
    use_url(url, hashlib.md5(payload["body"]).hexdigest())
    data.fetch("ml-100k", progress=False)
    assert data.verify("ml-100k") == []
    assert leftovers(home) == [".downloads", "ml-100k"]
    assert list((home / ".downloads").iterdir()) == [], "the archive is removed after install"


def test_interrupted_download_resumes(home, server, use_url):
    payload, url = server
    use_url(url, hashlib.md5(payload["body"]).hexdigest())
    payload["cut"] = 100_000
    with pytest.raises(data.DataError, match="stopped early"):
        data.fetch("ml-100k", progress=False)
    assert not data.installed("ml-100k")
    assert (home / ".downloads" / "ml-100k.zip.part").stat().st_size == 100_000
    payload["cut"] = None
    data.fetch("ml-100k", progress=False)
    assert data.verify("ml-100k") == []


def test_corrupt_download_is_rejected(home, server, use_url):
    payload, url = server
    use_url(url, "0" * 32)
    with pytest.raises(data.DataError, match="corrupt"):
        data.fetch("ml-100k", progress=False)
    assert not data.installed("ml-100k")


def test_offline_gives_advice(home, use_url):
    use_url("http://127.0.0.1:9/ml-100k.zip", None)
    with pytest.raises(data.DataError, match="PAPER2PROD_DATA_MIRROR"):
        data.fetch("ml-100k", progress=False)
    assert not data.installed("ml-100k")


# ----------------------------------------------------------------- loaders


def test_pandas_loaders_have_the_documented_shape():
    ratings = data.load_ratings("ml-latest-small")
    assert list(ratings.columns) == data.RATING_COLUMNS
    assert len(ratings) == 100_836 and ratings.userId.nunique() == 610 and ratings.movieId.nunique() == 9_724
    assert (ratings.movieId.value_counts() == 1).sum() == 3_446
    movies = data.load_movies("ml-latest-small")
    assert len(movies) == 9_742 and list(movies.columns) == ["movieId", "title", "genres"]
    old = data.load_movies("ml-100k")
    assert old.loc[old.movieId == 1, "genres"].item() == "Animation|Children|Comedy"
    for split in ("u1", "u5", "ua"):
        train, test = data.load_split(split)
        assert len(train) + len(test) == 100_000
        assert not set(zip(train.userId, train.movieId)) & set(zip(test.userId, test.movieId))


def test_a_file_with_wrong_columns_is_reported(tmp_path, monkeypatch):
    home = tmp_path / "home"
    (home / "ml-latest-small").mkdir(parents=True)
    (home / "ml-latest-small" / data.MARKER).write_text(json.dumps({"files": {}}))
    (home / "ml-latest-small" / "movies.csv").write_text("id,name,genres\n1,Toy Story,Animation\n")
    monkeypatch.setenv("PAPER2PROD_DATA_HOME", str(home))
    with pytest.raises(data.DataError, match=r"lacks column\(s\) \['movieId', 'title'\]"):
        data.load_movies("ml-latest-small")
