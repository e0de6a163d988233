"""Typical wrong answers for 07-shipping, bundled three submissions deep (each is a full notebook run).

The job's wrong versions are made from the reference job in the solution notebook by replacing one
piece, so they stay in step with it; each replacement is checked to have happened.
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from shipping_reference import job_cell_source  # noqa: E402


def patched_job(old: str, new: str) -> str:
    source = job_cell_source()
    assert source.count(old) == 1, f"the reference job changed; update this wrong answer ({old[:40]!r})"
    return source.replace(old, new)


# "Just re-run it": the job deletes an existing version instead of refusing.
OVERWRITES_VERSION = patched_job(
    """    if target.exists():
        log.error("model version %s already exists in %s; nothing was changed", args.model_version, args.output)
        return EXIT_OUTPUT_EXISTS
""",
    """    if target.exists():
        shutil.rmtree(target)  # start clean
""")

# Counts parsed as plain integers: --top-n 0 and negative counts are accepted.
ACCEPTS_ZERO_TOP_N = patched_job(
    """    parser.add_argument("--top-n", type=positive_int, default=10, help="recommendations per user")""",
    """    parser.add_argument("--top-n", type=int, default=10, help="recommendations per user")""")

FINGERPRINT_OF_ROW_ORDER = '''import hashlib


def fingerprint(ratings):
    columns = ["userId", "movieId", "rating", "timestamp"]
    return hashlib.sha256(ratings[columns].to_csv(index=False).encode()).hexdigest()
'''

PSI_OF_COUNTS = '''def psi(reference_counts, current_counts, floor=1e-4):
    expected = np.maximum(np.asarray(reference_counts, dtype=float), floor)
    actual = np.maximum(np.asarray(current_counts, dtype=float), floor)
    return float(np.sum((actual - expected) * np.log(actual / expected)))
'''

LOADS_WHATEVER_IS_THERE = '''class ModelMismatch(Exception):
    """The saved model is not the one the serving code expects."""


def save_model_version(model, root, version, metadata):
    folder = Path(root) / version
    if folder.exists():
        raise FileExistsError(f"model version {version} already exists in {root}")
    model.write().save(str(folder / "model"))
    record = {**metadata, "version": version, "created_at": datetime.now(timezone.utc).isoformat()}
    (folder / "metadata.json").write_text(json.dumps(record))
    return folder


def load_model_version(root, version, expected):
    folder = Path(root) / version
    if not (folder / "metadata.json").is_file():
        raise FileNotFoundError(folder)
    return ALSModel.load(str(folder / "model")), json.loads((folder / "metadata.json").read_text())
'''

NO_FALLBACK = '''def build_lookup(recommendations):
    ordered = recommendations.sort_values(["userId", "rank"])
    return {int(u): [int(m) for m in films] for u, films in ordered.groupby("userId")["movieId"]}


def recommend(lookup, fallback, user_id, n=10):
    return list(lookup.get(user_id, [])[:n])
'''

COMPARES_SETS = '''def compare_runs(local, cluster):
    first = {u: set(g) for u, g in local.groupby("userId")["movieId"]}
    second = {u: set(g) for u, g in cluster.groupby("userId")["movieId"]}
    users = set(first) | set(second)
    both = local.merge(cluster, on=["userId", "movieId"])
    diff = float((both["score_x"] - both["score_y"]).abs().max()) if len(both) else 0.0
    return {"users": len(users), "identical_lists": sum(first.get(u) == second.get(u) for u in users),
            "max_score_difference": diff}
'''

SECONDS_NOT_MILLISECONDS = '''def p50_p99(seconds):
    p50, p99 = np.percentile(seconds, [50, 99])
    return float(p50), float(p99)
'''

SMALL_MONTHS_RESET = '''def retrain_month(drift, psi_limit=0.25, unseen_limit=0.2, min_ratings=200, months_in_a_row=2):
    streak = 0
    for month, row in drift.iterrows():
        alarm = row["n_ratings"] >= min_ratings and (row["psi"] > psi_limit or row["unseen_share"] > unseen_limit)
        streak = streak + 1 if alarm else 0
        if streak >= months_in_a_row:
            return month
    return None
'''

WRONG_ANSWERS = [
    dict(name="overwrite-rowhash-counts",
         cells={"ex1_job": OVERWRITES_VERSION, "ex3_fingerprint": FINGERPRINT_OF_ROW_ORDER, "ex5_psi": PSI_OF_COUNTS},
         loses=["ex1_run_check", "ex3_fingerprint_check", "ex5_psi_check"],
         says={"ex1_run_check": "already exists", "ex3_fingerprint_check": "sort the rows",
               "ex5_psi_check": "shares"}),
    dict(name="no-refusal-no-fallback-sets",
         cells={"ex3_versions": LOADS_WHATEVER_IS_THERE, "ex4_lookup": NO_FALLBACK, "ex2_compare": COMPARES_SETS},
         loses=["ex3_versions_check", "ex4_lookup_check", "ex2_compare_check"],
         says={"ex3_versions_check": "must refuse", "ex4_lookup_check": "Use the fallback",
               "ex2_compare_check": "not sets"}),
    dict(name="zero-top-n-seconds-small-months",
         cells={"ex1_job": ACCEPTS_ZERO_TOP_N, "ex4_percentiles": SECONDS_NOT_MILLISECONDS,
                "ex5_retrain": SMALL_MONTHS_RESET},
         loses=["ex1_cli_check", "ex4_percentiles_check", "ex5_retrain_check"],
         says={"ex1_cli_check": "positive_int", "ex4_percentiles_check": "Convert seconds to milliseconds",
               "ex5_retrain_check": "skipped"}),
]
