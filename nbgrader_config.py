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
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback",
                            "spark-warehouse", "metastore_db", "derby.log"]

# A cold Spark JVM plus ALS can take well over nbgrader's default of 30 s per cell.
c.ExecutePreprocessor.timeout = 600
c.Execute.timeout = 600
c.ExecutePreprocessor.kernel_name = "python3"

# What a student sees in place of a solution.
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"
