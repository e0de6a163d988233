"""Typical wrong answers for 07-shipping (checked by tools/near_misses.py inside nbval's run of the solution, which runs each
wrong cell beside an otherwise correct notebook).

The job's and serving.py's wrong versions are made from the reference cells in the solution notebook
by replacing one piece, so they stay in step with it; each replacement is checked to have happened.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from shipping_reference import JOB_CELL, SERVING_CELL, cell_source

from tools.near_misses import single_cell


def patched(cell: str, old: str, new: str) -> str:
    return also(cell_source(cell), old, new)


def also(source: str, old: str, new: str) -> str:
    """A second mistake in an already patched cell (one the other test cell of that exercise catches)."""
    assert source.count(old) == 1, f"the reference changed; update this wrong answer ({old[:40]!r})"
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

# Near misses of the command line (ex2_cli_check), each paired below with a mistake in main that only
# ex2_run_check catches. "Nearly right": the default from the text's 1% misread as 0.1.
SHARE_DEFAULT = """    parser.add_argument("--max-bad-share", type=share, default=0.01,"""
OVERWRITES_TENTH = also(OVERWRITES_VERSION, SHARE_DEFAULT, SHARE_DEFAULT.replace("0.01", "0.1"))
# A float is a float: 1.5 (150% of the rows may be bad) is accepted.
NO_RERUN_HINT_FLOAT = also(NO_RERUN_HINT, SHARE_DEFAULT, SHARE_DEFAULT.replace("type=share", "type=float"))
# The environment read in main: a scheduler's PAPER2PROD_SPARK_MASTER never shows in args.master.
NO_POINT_TO_MASTER_IN_MAIN = also(
    also(
        NO_POINT_TO,
        'parser.add_argument("--master", default=os.environ.get("PAPER2PROD_SPARK_MASTER"),',
        'parser.add_argument("--master", default=None,',
    ),
    "spark = spark or start_spark(args.master)",
    'spark = spark or start_spark(args.master or os.environ.get("PAPER2PROD_SPARK_MASTER"))',
)
# --log-level takes any text; and main stops the session it was given (the notebook's, mid-lesson).
FREE_LEVEL_STOPS_SPARK = also(
    patched(
        JOB_CELL,
        """    parser.add_argument("--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"])""",
        """    parser.add_argument("--log-level", default="INFO")""",
    ),
    "        if own_session and spark is not None:\n",
    "        if spark is not None:\n",
)
# --model-version defaults to today, so a forgotten argument silently names the run; and the bad-input error
# line does not say which version users still get.
DATED_VERSION_SILENT_ERROR = also(
    patched(
        JOB_CELL,
        'parser.add_argument("--model-version", required=True,',
        'parser.add_argument("--model-version", default=time.strftime("%Y-%m-%d"),',
    ),
    'log.error("bad input: %s; serving %s unchanged", error, serving.serving_version(root))',
    'log.error("bad input: %s", error)',
)

EX3 = cell_source("ex3_versions")


def versions(old: str, new: str) -> str:
    return also(EX3, old, new)


# No check of its own: Spark refuses to save over model/, with its own exception instead of FileExistsError.
SPARK_REFUSES = versions(
    """    if folder.exists():
        raise FileExistsError(f"model version {version} already exists in {root}; pick a new version")
""",
    "",
)
# (metadata, model): the order the student finds natural, not the one asked for.
SWAPPED = versions(
    'return ALSModel.load(str(folder / "model")), metadata', 'return metadata, ALSModel.load(str(folder / "model"))'
)
# Compares only the keys the metadata has: a key it lacks is never a mismatch.
PRESENT_KEYS_ONLY = versions("if metadata.get(key, missing) != want]", "if key in metadata and metadata[key] != want]")
# The refusal lists the fields but not which version it refused.
MISMATCH_NAMES_NO_VERSION = versions(
    'raise ModelMismatch(f"refusing to load model version {version}: " + "; ".join(problems))',
    'raise ModelMismatch("; ".join(problems))',
)

# Against the previous month instead of the launch value: a slow slide never alarms.
PREVIOUS_MONTH = """def quality_alert(quality, launch, min_users=10, months_in_a_row=2):
    streak, reference_low = 0, launch.low
    for month, row in quality.iterrows():
        if row["users"] < min_users:
            continue
        streak = streak + 1 if row["high"] < reference_low else 0
        reference_low = row["low"]
        if streak >= months_in_a_row:
            return month
    return None
"""

# Near misses of ex1 alone, each an entry of its own after the bundles (cheap: ex1's segment only).
PROMOTE_REASON = '    return True, f"not worse than the serving version {champion} beyond the interval: {difference}"'
SERVING_NEAR_MISSES = [
    # Refused unless the whole interval is at or above 0: a lower mean within the noise is refused.
    (
        "low-below-zero-refuses",
        patched(SERVING_CELL, "    if difference.high < 0:", "    if difference.low < 0:"),
        "compare the interval with 0",
    ),
    # The champion minus the challenger: the sign flips, so a worse challenger is promoted.
    (
        "compare-swapped",
        patched(
            SERVING_CELL, "compare(challenger, score_version(champion))", "compare(score_version(champion), challenger)"
        ),
        "is worse beyond the",
    ),
    # A promotion that does not say against what, or by how much.
    (
        "bare-promotion-reason",
        patched(SERVING_CELL, PROMOTE_REASON, '    return True, "promoted"'),
        "a promotion's reason too names",
    ),
    # The reason over two lines: the job logs it as one line.
    (
        "reason-on-two-lines",
        patched(SERVING_CELL, PROMOTE_REASON, PROMOTE_REASON.replace(" beyond", "\\nbeyond")),
        "the reason is one line",
    ),
    # A missing version raises FileNotFoundError, which the command line does not turn into exit code 3.
    (
        "rollback-file-not-found",
        patched(
            SERVING_CELL,
            '        raise ValueError(f"cannot roll back',
            '        raise FileNotFoundError(f"cannot roll back',
        ),
        "must raise ValueError",
    ),
    # serving.json written by hand: the history of changes is lost.
    (
        "rollback-without-history",
        patched(
            SERVING_CELL,
            '    point_to(root, version, f"rollback from {serving_version(root)}")',
            '    (Path(root) / POINTER).write_text(json.dumps({"version": version}))',
        ),
        "keeps serving.json's history",
    ),
]


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
        name="unpaired-overwrite-tenth-spark-refuses-small-months",
        cells={
            "ex1_serving": UNPAIRED,
            "ex2_job": OVERWRITES_TENTH,
            "ex3_versions": SPARK_REFUSES,
            "ex4_alert": alert('row["high"] < launch.low', skip_small=False),
        },
        loses=["ex1_serving_check", "ex2_cli_check", "ex2_run_check", "ex3_versions_check", "ex4_alert_check"],
        says={
            "ex1_serving_check": "compare(challenger, champion)",
            "ex2_cli_check": "--max-bad-share 0.01",
            "ex2_run_check": "already exists",
            "ex3_versions_check": "check whether root/version exists first",
            "ex4_alert_check": "min_users",
        },
    ),
    dict(
        name="rollback-deletes-no-hint-float-swapped-no-reset",
        cells={
            "ex1_serving": ROLLBACK_DELETES,
            "ex2_job": NO_RERUN_HINT_FLOAT,
            "ex3_versions": SWAPPED,
            "ex4_alert": alert('row["high"] < launch.low', reset=False),
        },
        loses=["ex1_serving_check", "ex2_cli_check", "ex2_run_check", "ex3_versions_check", "ex4_alert_check"],
        says={
            "ex1_serving_check": "every version folder",
            "ex2_cli_check": "use type=share",
            "ex2_run_check": "new --model-version",
            "ex3_versions_check": "(model, metadata) in that order",
            "ex4_alert_check": "starts the count again",
        },
    ),
    dict(
        name="newest-not-served-free-level-stops-spark-present-keys-previous-month",
        cells={
            "ex1_serving": NEWEST_VERSION,
            "ex2_job": FREE_LEVEL_STOPS_SPARK,
            "ex3_versions": PRESENT_KEYS_ONLY,
            "ex4_alert": PREVIOUS_MONTH,
        },
        # The run check replaces the stopped session, so every later cell still runs.
        loses=["ex1_serving_check", "ex2_cli_check", "ex2_run_check", "ex3_versions_check", "ex4_alert_check"],
        says={
            "ex1_serving_check": "serving_version(root)",
            "ex2_cli_check": "--log-level must be one of the four levels",
            "ex2_run_check": "stop only a session main started itself",
            "ex3_versions_check": "a missing one too",
            "ex4_alert_check": "launch",
        },
    ),
    dict(
        name="unchecked-rollback-naive-lookup-no-pointer-master-in-main-mean-reference",
        cells={
            "ex1_serving": ROLLBACK_UNCHECKED,
            "ex2_job": NO_POINT_TO_MASTER_IN_MAIN,
            "ex3_versions": NAIVE_LOOKUP,
            "ex4_alert": alert('row["high"] < launch.mean'),
        },
        loses=["ex1_serving_check", "ex2_cli_check", "ex2_run_check", "ex3_versions_check", "ex4_alert_check"],
        says={
            "ex1_serving_check": "incomplete or missing",
            "ex2_cli_check": "PAPER2PROD_SPARK_MASTER",
            "ex2_run_check": "serving.point_to",
            "ex3_versions_check": "metadata dict",
            "ex4_alert_check": "launch interval",
        },
    ),
    dict(
        name="first-served-dated-version-silent-error-unnamed-mismatch-fixed-two-months",
        cells={
            "ex1_serving": FIRST_SERVED,
            "ex2_job": DATED_VERSION_SILENT_ERROR,
            "ex3_versions": MISMATCH_NAMES_NO_VERSION,
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
        loses=["ex1_serving_check", "ex2_cli_check", "ex2_run_check", "ex3_versions_check", "ex4_alert_check"],
        says={
            "ex1_serving_check": "neither the newest nor the first",
            "ex2_cli_check": "--model-version should be required",
            "ex2_run_check": "names the version still served",
            "ex3_versions_check": "names the version it refuses",
            "ex4_alert_check": "months_in_a_row=3",
        },
    ),
]
WRONG_ANSWERS += single_cell("ex1_serving", *SERVING_NEAR_MISSES)
