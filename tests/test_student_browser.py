"""A class student's path in a real browser: JupyterLab on a student copy, lesson 00 run and validated;
and lesson 00 fetched and submitted through nbgrader's Assignments tab and a real exchange.

A copy at UPTO=00 is built into a temporary folder outside the repository; `make lab` starts JupyterLab
there (this environment, no second install; no token, a free port, set in a Jupyter config folder of
the test's own); headless Chromium (Debian's, driven by Playwright through `executable_path`) opens
lesson 00 with a student's answers in place, runs all cells from the Run menu, presses the notebook's
Validate button and reads the dialog. Lesson 00 is the smallest lesson: about a Spark start and a few
counts, twice (the browser's run, then validate's).

A class that hands in with nbgrader: an instructor's scratch course releases lesson 00 to an exchange
folder; JupyterLab runs in a student's home folder with the class's exchange settings; in the
Assignments tab the student fetches the lesson, works in it, and submits; `nbgrader collect` then finds
the student's notebook in the course. No notebook runs in this part.
"""

import contextlib
import getpass
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import nbformat
import pytest

from tools import student_copy
from tools.grading import Course, replace_cell
from tools.notebooks import SOLUTIONS
from tools.slides.browser import CHROMIUM_FLAGS, find_chromium

pytestmark = pytest.mark.browser

LESSON = "00-setup"
SUCCESS = "Success! Your notebook passes all the tests."
START_SECONDS = 120  # JupyterLab's start on a loaded machine
RUN_SECONDS = 600  # a run of lesson 00 (a cold Spark start included), at most nbgrader's cell timeout


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _get(url: str):
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.loads(response.read())


def _solved(release: Path) -> None:
    """A student's answers in the release notebook: the solutions' code (without nbgrader's markers)
    and written answers."""
    notebook = nbformat.read(release, as_version=4)
    solution = nbformat.read(SOLUTIONS / LESSON / release.name, as_version=4)
    notebooks = {release.name: notebook}
    for cell in solution.cells:
        grading = cell.metadata.get("nbgrader", {})
        if grading.get("solution"):
            code = "\n".join(line for line in cell.source.splitlines() if "### " not in line)
            notebooks = replace_cell(notebooks, grading["grade_id"], code)
    nbformat.write(notebooks[release.name], release)


def _config_folder(folder: Path, port: int, nbgrader: str = "") -> Path:
    """A Jupyter config folder (JUPYTER_CONFIG_DIR) of the test's own: no token, this port, and
    nbgrader settings a class's server would have (its exchange)."""
    folder.mkdir(parents=True, exist_ok=True)
    server = {
        "ServerApp": {"ip": "127.0.0.1", "port": port, "port_retries": 0, "open_browser": False},
        "IdentityProvider": {"token": ""},
        "PasswordIdentityProvider": {"hashed_password": ""},
    }
    (folder / "jupyter_server_config.json").write_text(json.dumps(server))
    if nbgrader:
        (folder / "nbgrader_config.py").write_text(nbgrader)
    return folder


def _environment(copy: Path, config: Path) -> dict:
    from paper2prod import data

    return {
        **{k: v for k, v in os.environ.items() if not k.startswith(("MAKE", "MFLAGS", "JUPYTER"))},
        "JUPYTER_CONFIG_DIR": str(config),
        "JUPYTER_RUNTIME_DIR": str(config / "runtime"),
        # The kernel imports the copy's package, and reads the data this environment already has.
        "PYTHONPATH": str(copy),
        "PAPER2PROD_DATA_HOME": str(data.data_home()),
    }


@contextlib.contextmanager
def _server(command: list[str], cwd: Path, env: dict, port: int):
    """JupyterLab started by `command`; its URL once it answers. Stopped (its process group) after."""
    log_path = Path(env["JUPYTER_CONFIG_DIR"]) / "lab.log"
    with log_path.open("w") as log:
        server = subprocess.Popen(
            command, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + START_SECONDS
            while True:
                try:
                    _get(f"{url}/api/status")
                    break
                except OSError:
                    if server.poll() is not None or time.monotonic() > deadline:
                        pytest.fail(f"{' '.join(command)} did not start JupyterLab:\n{log_path.read_text()[-3000:]}")
                    time.sleep(0.5)
            yield url
        finally:
            if server.poll() is None:
                os.killpg(server.pid, signal.SIGTERM)  # the server and its kernels: the group started here
                try:
                    server.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    os.killpg(server.pid, signal.SIGKILL)
                    server.wait()


@pytest.fixture(scope="module")
def copy(tmp_path_factory):
    """A class's copy at lesson 00, outside the repository."""
    if find_chromium() is None:
        pytest.skip("Chromium is not installed; on Debian or Ubuntu: make browser (apt-get install -y chromium)")
    pytest.importorskip("playwright.sync_api", reason="Playwright is not installed (make setup installs it)")
    folder = tmp_path_factory.mktemp("student") / "paper2prod-class"
    student_copy.build(folder, LESSON[:2])
    assert student_copy.ROOT not in folder.parents, "the copy must live outside the course repository"
    return folder


@pytest.fixture(scope="module")
def lab(copy, tmp_path_factory):
    """JupyterLab started by `make lab` in the student copy, with a student's answers in lesson 00."""
    _solved(copy / "lessons" / LESSON / f"{LESSON}.ipynb")
    port = _free_port()
    env = _environment(copy, _config_folder(tmp_path_factory.mktemp("jupyter-config"), port))
    # -o setup: this environment is set up already; make must not install the copy into it.
    with _server(["make", "lab", f"VENV={sys.prefix}", "-o", "setup"], copy, env, port) as url:
        yield url, copy


def _wait_until_idle(url: str, seconds: float) -> None:
    """Until every kernel of the server has been idle for two polls in a row."""
    deadline, idle = time.monotonic() + seconds, 0
    while idle < 2:
        try:
            states = [kernel["execution_state"] for kernel in _get(f"{url}/api/kernels")]
        except urllib.error.HTTPError as error:
            # jupyter_server answers 500 when asked in the instant a kernel starts (its last_activity
            # is not set yet): a kernel that is not idle, not a failure.
            if error.code != 500:
                raise
            states = ["starting"]
        idle = idle + 1 if states and all(state == "idle" for state in states) else 0
        assert time.monotonic() < deadline, f"the kernel is still {states} after {seconds} s"
        time.sleep(1)


def test_a_student_runs_and_validates_lesson_00_in_jupyterlab(lab):
    from playwright.sync_api import sync_playwright

    url, copy = lab
    notebook_path = copy / "lessons" / LESSON / f"{LESSON}.ipynb"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=find_chromium(), headless=True, args=CHROMIUM_FLAGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.set_default_timeout(1000 * START_SECONDS)
            page.goto(f"{url}/lab/tree/{LESSON}/{LESSON}.ipynb")
            validate = page.locator(".jp-NotebookPanel .validate-button").first
            validate.wait_for(state="visible")
            _wait_until_idle(url, START_SECONDS)

            page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
            page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Run All Cells$")).click()
            # Run All queues every cell; the kernel is busy until the last one has run.
            page.wait_for_function(
                "() => [...document.querySelectorAll('.jp-InputPrompt')].some(p => p.textContent.includes('*'))",
                timeout=30_000,
            )
            _wait_until_idle(url, RUN_SECONDS)

            validate.click()  # saves the notebook, then runs nbgrader validate on the server
            dialog = page.locator(".jp-Dialog").filter(has=page.locator(".validation-success, .validation-failed"))
            dialog.wait_for(state="visible", timeout=1000 * RUN_SECONDS)
            message = dialog.inner_text()
        finally:
            browser.close()

    assert SUCCESS in message, f"Validate in JupyterLab did not succeed; the dialog says:\n{message}"
    saved = nbformat.read(notebook_path, as_version=4)
    code = [cell for cell in saved.cells if cell.cell_type == "code"]
    errors = [o for cell in code for o in cell.get("outputs", []) if o.get("output_type") == "error"]
    assert not errors, f"the run in the browser raised: {[(e['ename'], e['evalue']) for e in errors]}"
    assert all(cell.execution_count for cell in code), "Run All Cells left cells unrun"
    passed = [cell for cell in code if "Looks good" in json.dumps(cell.get("outputs", []))]
    assert passed, "no visible check said 'Looks good' in the browser's run"


# ---------------------------------------------------------------- a class with nbgrader's exchange

COURSE_ID = "paper2prod-class"


@pytest.fixture(scope="module")
def assignments_lab(copy, tmp_path_factory):
    """A class student's JupyterLab in their home folder (the environment of the copy), with lesson 00
    released by an instructor's scratch course to a real exchange folder."""
    where = tmp_path_factory.mktemp("class")
    exchange = where / "exchange"
    exchange.mkdir()
    exchange.chmod(0o777)  # every student writes their submissions into it
    settings = f"c.Exchange.root = {str(exchange)!r}\nc.CourseDirectory.course_id = {COURSE_ID!r}\n"
    course = Course.create([LESSON], where=where)
    (course.root / "nbgrader_config.py").write_text((course.root / "nbgrader_config.py").read_text() + settings)
    course.nbgrader("release_assignment", LESSON)
    home = where / "home"
    home.mkdir()
    port = _free_port()
    env = _environment(copy, _config_folder(where / "jupyter-config", port, settings))
    command = [str(Path(sys.prefix) / "bin" / "jupyter"), "lab", f"--notebook-dir={home}"]
    with _server(command + (["--allow-root"] if os.getuid() == 0 else []), home, env, port) as url:
        yield url, home, course


def test_a_class_student_fetches_and_submits_lesson_00_in_the_assignments_tab(assignments_lab):
    from playwright.sync_api import sync_playwright

    url, home, course = assignments_lab
    fetched_notebook = home / LESSON / f"{LESSON}.ipynb"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=find_chromium(), headless=True, args=CHROMIUM_FLAGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.set_default_timeout(1000 * START_SECONDS)
            page.goto(f"{url}/lab")
            page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Nbgrader$")).click()
            page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Assignment List$")).click()
            page.locator("#released_assignments_list").get_by_role("button", name="Fetch").click()
            submit = page.locator("#fetched_assignments_list").get_by_role("button", name="Submit")
            submit.wait_for(state="visible")
            assert fetched_notebook.exists(), f"Fetch put nothing in {fetched_notebook}"
            _solved(fetched_notebook)  # the student's work
            submit.click()
            page.locator("#submitted_assignments_list").get_by_text(LESSON).first.wait_for(state="visible")
        finally:
            browser.close()

    course.nbgrader("collect", LESSON)
    student = getpass.getuser()
    submitted = course.root / "submitted" / student / LESSON / f"{LESSON}.ipynb"
    assert submitted.exists(), f"`nbgrader collect` found no submission of {student} for {LESSON}"
    assert submitted.read_bytes() == fetched_notebook.read_bytes(), "the submission is not the student's notebook"
