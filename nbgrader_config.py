"""nbgrader settings for this course: instructor sources in solutions/, the
student release in lessons/. Paths are relative to this file's folder."""

import os

c = get_config()  # noqa: F821  (provided by nbgrader)

c.CourseDirectory.root = os.path.dirname(os.path.abspath(__file__))
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "lessons"
c.CourseDirectory.submitted_directory = "submitted"
c.CourseDirectory.autograded_directory = "autograded"
c.CourseDirectory.feedback_directory = "feedback"
c.CourseDirectory.ignore = [
    ".ipynb_checkpoints",
    "*.pyc",
    "__pycache__",
    "feedback",
    "spark-warehouse",
    "metastore_db",
    "derby.log",
    "decision.json",  # what a run of lesson 06 decided: an output, never released with the lesson
]

# Timeouts (a cold Spark JVM needs more than nbgrader's 30 s per cell), the message a timeout prints,
# and the classroom plug-ins: submissions run in a scratch folder and survive a dying kernel, feedback
# without hidden tests, unreadable notebooks graded as blank with a reason, the late penalty.
# `make setup` installs the timeouts into the environment too, for validate anywhere.
from paper2prod.autograde import classroom_settings  # noqa: E402

classroom_settings(c)

# What a student sees in place of a solution.
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"
