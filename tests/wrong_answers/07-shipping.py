"""Typical wrong answers for 07-shipping, bundled (each bundle is a full notebook run).

The job's and serving.py's wrong versions are made from the reference cells in the solution notebook
by replacing one piece, so they stay in step with it; each replacement is checked to have happened.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from shipping_reference import JOB_CELL, SERVING_CELL, cell_source


def patched(cell: str, old: str, new: str) -> str:
    source = cell_source(cell)
    assert source.count(old) == 1, f"the reference {cell} changed; update this wrong answer ({old[:40]!r})"
    return source.replace(old, new)


VERDICT = """    difference = compare(challenger, score_version(champion))  # paired: the same users, the same resamples
    if difference.high < 0:"""

# The means, without the interval: a lower mean within the noise is refused.
COMPARES_MEANS = patched(
    SERVING_CELL,
    VERDICT,
    """    difference = compare(challenger, score_version(champion))
    if difference.mean < 0:""",
)

# Unpaired: an interval for each version, refused only when they do not overlap.
UNPAIRED = patched(
    SERVING_CELL,
    VERDICT,
    """    from paper2prod.evaluation import bootstrap_interval
    new, old = bootstrap_interval(challenger), bootstrap_interval(score_version(champion))
    difference = compare(challenger, score_version(champion))
    if new.high < old.low:""",
)

# Against the newest version folder instead of the one served.
NEWEST_VERSION = patched(
    SERVING_CELL,
    """    champion = serving_version(root)
    if champion is None:""",
    """    champion = serving_version(root)
    if champion is None:
        return True, "no version is served yet"
    champion = max(p.name for p in Path(root).iterdir() if is_complete(root, p.name))
    if champion is None:""",
)

# A rollback that "cleans up" the versions after the one it returns to.
ROLLBACK_DELETES = patched(
    SERVING_CELL,
    """    point_to(root, version, f"rollback from {serving_version(root)}")""",
    """    import shutil
    for newer in Path(root).iterdir():
        if newer.is_dir() and newer.name > version:
            shutil.rmtree(newer)
    point_to(root, version, f"rollback from {serving_version(root)}")""",
)

# logging.basicConfig: configures once, so later runs' lines go to a stream nobody reads.
BASIC_CONFIG = patched(
    JOB_CELL,
    "    setup_logging(args.log_level)\n",
    """    logging.basicConfig(level=logging.WARNING, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    log.setLevel(args.log_level)
""",
)

# "Just re-run it": the job deletes an existing version instead of refusing.
OVERWRITES_VERSION = patched(
    JOB_CELL,
    """    if target.exists():
        log.error(""",
    """    if target.exists():
        shutil.rmtree(target)  # start clean
    if False:
        log.error(""",
)

# Refuses a re-run without saying how to run again.
NO_RERUN_HINT = patched(
    JOB_CELL,
    """        log.error("model version %s already exists in %s; nothing was changed (a re-run needs a new "
                  "--model-version, e.g. %s-2)", args.model_version, root, args.model_version)""",
    """        log.error("model version %s already exists", args.model_version)""",
)

METADATA_FIRST = '''class ModelMismatch(Exception):
    """The saved model is not the one the serving code expects."""


def save_model_version(model, root, version, metadata):
    folder = Path(root) / version
    if folder.exists():
        raise FileExistsError(f"model version {version} already exists in {root}")
    folder.mkdir(parents=True)
    record = {**metadata, "version": version, "created_at": datetime.now(timezone.utc).isoformat()}
    (folder / "metadata.json").write_text(json.dumps(record))
    model.write().save(str(folder / "model"))
    return folder


def load_model_version(root, version, expected):
    folder = Path(root) / version
    if not (folder / "metadata.json").is_file():
        raise FileNotFoundError(folder)
    metadata = json.loads((folder / "metadata.json").read_text())
    problems = [f"{key}: expected {want!r}, found {metadata.get(key)!r}" for key, want in expected.items()
                if metadata.get(key) != want]
    if problems:
        raise ModelMismatch(f"refusing version {version}: " + "; ".join(problems))
    return ALSModel.load(str(folder / "model")), metadata
'''


# Refuses nothing: rolls back to whatever name it is given, a crashed run's folder included.
ROLLBACK_UNCHECKED = patched(
    SERVING_CELL,
    """    if not is_complete(root, version):
        raise ValueError(f"cannot roll back to {version}: no complete version of that name in {root}")
""",
    """    if not (Path(root) / str(version)).is_dir():
        raise ValueError(f"cannot roll back to {version}: no such folder")
""",
)

# Compares with the first version ever served (the start of the history), not the one served now.
FIRST_SERVED = patched(
    SERVING_CELL,
    """    champion = serving_version(root)
    if champion is None:""",
    """    champion = serving_version(root)
    if champion is not None:
        champion = json.loads((Path(root) / POINTER).read_text())["history"][0]["version"]
    if champion is None:""",
)

# A missing key passes when serving expects None (metadata.get(key) is None), and the caller's dict is changed.
NAIVE_LOOKUP = METADATA_FIRST.replace(
    """    folder.mkdir(parents=True)
    record = {**metadata, "version": version, "created_at": datetime.now(timezone.utc).isoformat()}
    (folder / "metadata.json").write_text(json.dumps(record))
    model.write().save(str(folder / "model"))
    return folder""",
    """    model.write().save(str(folder / "model"))
    record = metadata
    record.update(version=version, created_at=datetime.now(timezone.utc).isoformat())
    (folder / "metadata.json").write_text(json.dumps(record))
    return folder""",
)
assert NAIVE_LOOKUP != METADATA_FIRST

# The job forgets to move the pointer: a version that passed the gate is written but never served.
NO_POINT_TO = patched(
    JOB_CELL,
    """        if promote:
            serving.point_to(root, args.model_version, summary["promotion"]["reason"])
""",
    "",
)


def alert(condition: str, skip_small: bool = True, reset: bool = True) -> str:
    skip = '        if row["users"] < min_users:\n            continue\n' if skip_small else ""
    keep = "streak + 1 if alarm else 0" if reset else "streak + 1 if alarm else streak"
    return f"""def quality_alert(quality, launch, min_users=10, months_in_a_row=2):
    streak = 0
    for month, row in quality.iterrows():
{skip}        alarm = {condition}
        streak = {keep}
        if streak >= months_in_a_row:
            return month
    return None
"""


WRONG_ANSWERS = [
    dict(
        name="means-basicconfig-metadata-first",
        cells={
            "ex1_serving": COMPARES_MEANS,
            "ex2_job": BASIC_CONFIG,
            "ex3_versions": METADATA_FIRST,
            "ex4_alert": alert('row["mean"] < launch.mean'),
        },
        # basicConfig binds the job's lines to the first redirected stderr, so the run check sees none either.
        loses=["ex1_serving_check", "ex2_cli_check", "ex2_run_check", "ex3_versions_check", "ex4_alert_check"],
        says={
            "ex1_serving_check": "compare the interval with 0",
            "ex2_cli_check": "setup_logging",
            "ex2_run_check": "setup_logging",
            "ex3_versions_check": "write the metadata last",
            "ex4_alert_check": "launch",
        },
    ),
    dict(
        name="unpaired-overwrite-small-months",
        cells={
            "ex1_serving": UNPAIRED,
            "ex2_job": OVERWRITES_VERSION,
            "ex4_alert": alert('row["high"] < launch.low', skip_small=False),
        },
        loses=["ex1_serving_check", "ex2_run_check", "ex4_alert_check"],
        says={
            "ex1_serving_check": "compare(challenger, champion)",
            "ex2_run_check": "already exists",
            "ex4_alert_check": "min_users",
        },
    ),
    dict(
        name="rollback-deletes-no-hint-no-reset",
        cells={
            "ex1_serving": ROLLBACK_DELETES,
            "ex2_job": NO_RERUN_HINT,
            "ex4_alert": alert('row["high"] < launch.low', reset=False),
        },
        loses=["ex1_serving_check", "ex2_run_check", "ex4_alert_check"],
        says={
            "ex1_serving_check": "every version folder",
            "ex2_run_check": "new --model-version",
            "ex4_alert_check": "starts the count again",
        },
    ),
    dict(
        name="newest-not-served",
        cells={"ex1_serving": NEWEST_VERSION},
        loses=["ex1_serving_check"],
        says="serving_version(root)",
    ),
    dict(
        name="unchecked-rollback-naive-lookup-no-pointer-mean-reference",
        cells={
            "ex1_serving": ROLLBACK_UNCHECKED,
            "ex2_job": NO_POINT_TO,
            "ex3_versions": NAIVE_LOOKUP,
            "ex4_alert": alert('row["high"] < launch.mean'),
        },
        loses=["ex1_serving_check", "ex2_run_check", "ex3_versions_check", "ex4_alert_check"],
        says={
            "ex1_serving_check": "incomplete or missing",
            "ex2_run_check": "serving.point_to",
            "ex3_versions_check": "metadata dict",
            "ex4_alert_check": "launch interval",
        },
    ),
    dict(
        name="first-served-fixed-two-months",
        cells={
            "ex1_serving": FIRST_SERVED,
            "ex4_alert": """def quality_alert(quality, launch, min_users=10, months_in_a_row=2):
    previous = None
    for month, row in quality.iterrows():
        if row["users"] < min_users:
            continue
        alarm = row["high"] < launch.low
        if alarm and (previous or months_in_a_row == 1):
            return month
        previous = alarm
    return None
""",
        },
        loses=["ex1_serving_check", "ex4_alert_check"],
        says={"ex1_serving_check": "neither the newest nor the first", "ex4_alert_check": "months_in_a_row=3"},
    ),
]
