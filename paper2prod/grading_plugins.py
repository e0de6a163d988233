"""The course's nbgrader plug-ins, named in a course folder's settings (`autograde.classroom_settings`).

A plain module: importing it imports nbgrader, so only grading imports it (`import paper2prod` and
a student's notebook never do).
- `GuardedExecute` runs a submission in a scratch folder outside the course, so relative paths
  cannot reach the gradebook or other students' work; a kernel that dies (os._exit, os.kill, out of
  memory) costs the cells from there on, each with the reason, instead of the whole submission.
- `ScrubFeedback` removes hidden tests, tracebacks and the grader's folders from feedback pages.
- `GetFinalGrades` (feedback) and `LateGradesCsv` (`nbgrader export`) take the late penalty from the
  final score, after the written answers are graded; non-submitters on the roster export as 0.
"""

from __future__ import annotations

import shutil
import tempfile

from nbclient.exceptions import DeadKernelError
from nbgrader.api import MissingEntry
from nbgrader.plugins import CsvExportPlugin
from nbgrader.preprocessors import Execute, GetGrades, NbGraderPreprocessor

from paper2prod.autograde import _error_output, late_penalty, scrub_notebook


class GuardedExecute(Execute):
    """nbgrader's Execute, run in a scratch folder and surviving a kernel that dies."""

    def preprocess(self, nb, resources=None, km=None):
        resources = resources if resources is not None else {}
        metadata = resources.setdefault("metadata", {})
        home = metadata.get("path") or "."
        self._kernel_died = False
        with tempfile.TemporaryDirectory(prefix="paper2prod-grading-") as scratch:
            # The files that came with the notebook (a lesson's modules), not the course around it.
            shutil.copytree(
                home, scratch, dirs_exist_ok=True, ignore=shutil.ignore_patterns("*.ipynb", ".ipynb_checkpoints")
            )
            metadata["path"] = scratch
            try:
                return super().preprocess(nb, resources, km)
            finally:
                metadata["path"] = home

    def preprocess_cell(self, cell, resources, index):
        if self._kernel_died:
            if cell.cell_type == "code":
                cell.outputs = [
                    _error_output("KernelDied", "not run: the kernel died in an earlier cell (see that cell's message)")
                ]
            return cell, resources
        try:
            return super().preprocess_cell(cell, resources, index)
        except DeadKernelError:
            self._kernel_died = True
            cell.outputs.append(
                _error_output(
                    "KernelDied",
                    "the kernel died while running this cell (os._exit, os.kill, sys.exit in a "
                    "thread, or out of memory); this cell and every cell after it score zero",
                )
            )
            return cell, resources

    def _cleanup_kernel(self):
        try:
            super()._cleanup_kernel()
        except Exception:  # a dead kernel cannot be shut down politely
            pass


class ScrubFeedback(NbGraderPreprocessor):
    """Feedback without hidden tests (nbgrader's own shows them: jupyter/nbgrader#917) and without
    the grader's folders."""

    def preprocess(self, nb, resources):
        scrub_notebook(nb)
        return nb, resources


class GetFinalGrades(GetGrades):
    """nbgrader's GetGrades, with the late penalty taken from the notebook's final score."""

    def preprocess(self, nb, resources):
        nb, resources = super().preprocess(nb, resources)
        from nbgrader.api import Gradebook

        with Gradebook(self.db_url) as gradebook:
            notebook = gradebook.find_submission_notebook(self.notebook_id, self.assignment_id, self.student_id)
            score = notebook.score
            penalty = late_penalty(score, notebook.assignment.total_seconds_late)
        resources["nbgrader"]["late_penalty"] = penalty
        resources["nbgrader"]["score"] = score - penalty
        return nb, resources


class LateGradesCsv(CsvExportPlugin):
    """nbgrader's CSV export (same columns), with the late penalty taken from the final score.

    A student on the roster (`nbgrader db student import`) who handed nothing in gets a row with 0."""

    COLUMNS = (
        "assignment", "duedate", "timestamp", "student_id", "last_name", "first_name", "email",
        "raw_score", "late_submission_penalty", "score", "max_score",
    )  # fmt: skip

    def export(self, gradebook) -> None:
        import csv

        destination = self.to or "grades.csv"
        self.log.info("Exporting grades to %s", destination)
        with open(destination, "w", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=self.COLUMNS)
            writer.writeheader()
            for assignment in gradebook.assignments:
                if self.assignment and assignment.name not in map(str, self.assignment):
                    continue
                for student in gradebook.students:
                    if self.student and student.id not in map(str, self.student):
                        continue
                    row = dict(
                        assignment=assignment.name, duedate=assignment.duedate, student_id=student.id,
                        last_name=student.last_name, first_name=student.first_name, email=student.email,
                        max_score=assignment.max_score, timestamp=None, raw_score=0.0,
                        late_submission_penalty=0.0, score=0.0,
                    )  # fmt: skip
                    try:
                        submission = gradebook.find_submission(assignment.name, student.id)
                    except MissingEntry:  # never handed in: 0
                        pass
                    else:
                        penalty = late_penalty(submission.score, submission.total_seconds_late)
                        row.update(
                            timestamp=submission.timestamp, raw_score=submission.score,
                            late_submission_penalty=penalty, score=max(0.0, submission.score - penalty),
                        )  # fmt: skip
                    writer.writerow({k: "" if v is None else str(v) for k, v in row.items()})
