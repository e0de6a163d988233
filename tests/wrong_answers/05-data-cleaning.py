"""Typical wrong answers for 05-data-cleaning, bundled into three submissions (each is a whole
notebook run). Each named test cell must score zero, every other one full marks, and the
feedback must show the hint in `says`. The end-to-end cell (e2e_clean_export_check) runs the
whole cleaning against the manifest, so each of the issue's three typical mistakes loses it too."""

# 1. "Drop every row with any problem": repairable rows (legacy ids, the 0-10 client, milliseconds,
#    ISO dates) are quarantined instead of repaired.
DROPS_REPAIRABLE_ROWS = """def repair_values(parsed):
    number = F.col("rated_at").try_cast("long")
    needs_work = (F.col("user_id").startswith("legacy-") | (F.col("client") == "tv") | number.isNull()
                  | (number > 100_000_000_000))
    table = parsed.select("event_id", F.col("user_id").try_cast("int").alias("userId"), "movieId", "rating",
                          number.alias("timestamp"), "user_id", "client", "rated_at")
    reason = (F.when(F.col("user_id").startswith("test-"), "test_account")
              .when(needs_work, "malformed_line")
              .when(~F.col("rating").isin(HALF_STARS), "rating_out_of_range")
              .when(F.col("timestamp") > EXPORTED_AT, "timestamp_in_future"))
    return split_by_reason(table.withColumn("reason", reason), ["event_id", "userId", "movieId", "rating", "timestamp"])
"""

RECONCILE_NEVER_RAISES = """def reconcile(n_input_rows, clean, quarantine):
    reasons = quarantine.groupBy("reason").count().toPandas().sort_values("reason")
    return pd.concat([pd.Series({"clean": clean.count()}), reasons.set_index("reason")["count"]])
"""

CONTRACT_WITHOUT_UNIQUENESS = """def check_contract(clean, movies):
    expected = [("event_id", "bigint"), ("userId", "int"), ("movieId", "int"), ("rating", "double"),
                ("timestamp", "bigint")]
    if clean.dtypes != expected:
        raise ContractError(f"schema: got {clean.dtypes}")
    if clean.dropna().count() != clean.count():
        raise ContractError("no nulls: some values are null")
    if clean.filter(~F.col("rating").isin(HALF_STARS)).count():
        raise ContractError("rating range: broken")
    if clean.filter((F.col("timestamp") <= 0) | (F.col("timestamp") > EXPORTED_AT)).count():
        raise ContractError("timestamp range: broken")
    if clean.join(movies, "movieId", "left_anti").count():
        raise ContractError("films exist: broken")
"""

# 2. "Keep the first rating instead of the latest" in the re-ratings.
KEEPS_FIRST_RATING = """def resolve_rows(repaired, movies):
    known = movies.select("movieId", F.lit(True).alias("known_film")).distinct()
    per_minute = repaired.groupBy("userId", F.floor(F.col("timestamp") / 60).alias("minute")).count()
    bots = per_minute.filter(F.col("count") > 1000).select("userId", F.lit(True).alias("bot")).distinct()
    copy_number = F.row_number().over(Window.partitionBy(*CLEAN_COLUMNS).orderBy("event_id"))
    flagged = (repaired.join(known, "movieId", "left").join(bots, "userId", "left")
               .withColumn("reason", F.when(copy_number > 1, "duplicate_row")
                           .when(F.col("known_film").isNull(), "unknown_film")
                           .when(F.col("bot").isNotNull(), "bot_account")))
    kept, rejected = split_by_reason(flagged, CLEAN_COLUMNS)
    oldest_first = Window.partitionBy("userId", "movieId").orderBy("timestamp", "event_id")
    ranked = kept.withColumn("reason", F.when(F.row_number().over(oldest_first) > 1, "superseded"))
    clean, superseded = split_by_reason(ranked, CLEAN_COLUMNS)
    return clean, rejected.unionByName(superseded)
"""

HEADER_AS_MALFORMED = """def parse_ratings(raw):
    unreadable = (F.col("event_id").try_cast("long").isNull() | F.col("movie_id").try_cast("int").isNull()
                  | F.col("user_id").isNull() | F.col("rated_at").isNull() | F.col("client").isNull())
    reason = (F.when(F.col("_corrupt_record").isNotNull() | unreadable, "malformed_line")
              .when(F.col("rating").isNull() | (F.trim("rating") == ""), "rating_missing")
              .when(F.col("rating").try_cast("double").isNull(), "rating_not_numeric"))
    flagged = raw.withColumn("reason", reason).select(
        F.col("event_id").try_cast("long").alias("event_id"), "user_id",
        F.col("movie_id").try_cast("int").alias("movieId"), F.col("rating").try_cast("double").alias("rating"),
        "rated_at", "client", "reason", "_corrupt_record")
    return split_by_reason(flagged, ["event_id", "user_id", "movieId", "rating", "rated_at", "client"])
"""

# 3. "Forget the 0-10 client": its ratings are taken as stars (and 6 to 10 then look out of range).
FORGETS_TEN_POINT_CLIENT = """def repair_values(parsed):
    user_id = F.regexp_replace("user_id", "^legacy-", "").try_cast("int")
    number = F.col("rated_at").try_cast("long")
    seconds = (F.when(number.isNull(), F.col("rated_at").try_cast("timestamp").cast("long"))
               .when(number > 100_000_000_000, F.floor(number / 1000))
               .otherwise(number))
    table = parsed.select("event_id", user_id.alias("userId"), "movieId", "rating",
                          seconds.cast("long").alias("timestamp"), "user_id")
    reason = (F.when(F.col("user_id").startswith("test-"), "test_account")
              .when(F.col("userId").isNull() | F.col("timestamp").isNull(), "malformed_line")
              .when(~F.col("rating").isin(HALF_STARS), "rating_out_of_range")
              .when(F.col("timestamp") > EXPORTED_AT, "timestamp_in_future"))
    return split_by_reason(table.withColumn("reason", reason), ["event_id", "userId", "movieId", "rating", "timestamp"])
"""

PROFILE_COUNTS_HEADER = """n_input_rows = spark.read.text(str(RATINGS_FILE)).count()
n_corrupt = raw.filter(F.col("_corrupt_record").isNotNull()).count()
ten_point_client = "tv"
n_iso_timestamps = raw.filter(F.col("rated_at").contains("-")).count()
n_ms_timestamps = raw.filter(F.col("rated_at").try_cast("long") > 100_000_000_000).count()
busiest_second_user = raw.groupBy("user_id", "rated_at").count().orderBy(F.desc("count")).first()["user_id"]
"""

_PROFILE_RIGHT_COUNT = PROFILE_COUNTS_HEADER.replace(
    "n_input_rows = spark.read.text(str(RATINGS_FILE)).count()", "n_input_rows = raw.count()"
)
PROFILE_BUSIEST_USER_OVERALL = _PROFILE_RIGHT_COUNT.replace(
    'busiest_second_user = raw.groupBy("user_id", "rated_at")', 'busiest_second_user = raw.groupBy("user_id")'
)
PROFILE_MOST_ACTIVE_CLIENT = _PROFILE_RIGHT_COUNT.replace('ten_point_client = "tv"', 'ten_point_client = "web"')

NAIVE_WITH_STRICT_CAST = """def raw_but_parseable(raw):
    return raw.select(F.col("event_id").cast("long").alias("event_id"), F.col("user_id").cast("int").alias("userId"),
                      F.col("movie_id").cast("int").alias("movieId"), F.col("rating").cast("double").alias("rating"),
                      F.col("rated_at").cast("long").alias("timestamp")).dropna()
"""

WRONG_ANSWERS = [
    dict(
        name="drops-repairable-rows",
        cells={
            "ex4_repair": DROPS_REPAIRABLE_ROWS,
            "ex3_reconcile": RECONCILE_NEVER_RAISES,
            "ex7_contract": CONTRACT_WITHOUT_UNIQUENESS,
            "ex1_profile": PROFILE_MOST_ACTIVE_CLIENT,
        },
        loses=[
            "ex4_repair_check",
            "e2e_clean_export_check",
            "ex3_reconcile_check",
            "ex7_contract_check",
            "ex1_profile_check",
        ],
        says={
            "ex4_repair_check": "can be repaired",
            "e2e_clean_export_check": "do not drop it",
            "ex3_reconcile_check": "must raise an AssertionError",
            "ex7_contract_check": "add the 'unique events' rule",
            "ex1_profile_check": "another client sends more",
        },
    ),
    dict(
        name="keeps-first-rating",
        cells={
            "ex6_resolve": KEEPS_FIRST_RATING,
            "ex1_profile": PROFILE_BUSIEST_USER_OVERALL,
            "ex2_parse": HEADER_AS_MALFORMED,
        },
        loses=["ex6_resolve_check", "e2e_clean_export_check", "ex1_profile_check", "ex2_parse_check"],
        says={
            "ex6_resolve_check": "keep the latest rating",
            "e2e_clean_export_check": "keep the latest rating",
            "ex1_profile_check": "not by user alone",
            "ex2_parse_check": "'repeated_header'",
        },
    ),
    dict(
        name="forgets-0-10-client",
        cells={
            "ex4_repair": FORGETS_TEN_POINT_CLIENT,
            "ex1_profile": PROFILE_COUNTS_HEADER,
            "ex8_naive": NAIVE_WITH_STRICT_CAST,
        },
        loses=["ex4_repair_check", "e2e_clean_export_check", "ex1_profile_check", "ex8_naive_check"],
        says={
            "ex4_repair_check": "0-10 scale",
            "e2e_clean_export_check": "0-10 scale",
            "ex1_profile_check": "which is the header",
            "ex8_naive_check": "try_cast",
        },
    ),
]
