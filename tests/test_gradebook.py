import nbformat

from paper2prod.gradebook import first_error_line, graded_outputs, nbgrader_env, output_text

ERROR = {"output_type": "error", "ename": "AssertionError", "evalue": "count each user once\nmore", "traceback": []}
STREAM = {"output_type": "stream", "name": "stdout", "text": "Looks good\n"}


def test_outputs_read_as_a_student_sees_them():
    assert output_text(ERROR) == "AssertionError: count each user once\nmore"
    assert output_text(STREAM) == "Looks good\n"
    assert output_text({"output_type": "execute_result", "data": {"text/plain": "42"}}) == "42"
    assert first_error_line([STREAM, ERROR]) == "AssertionError: count each user once"
    assert first_error_line([STREAM]) == ""


def test_graded_outputs_keyed_by_grade_id(tmp_path):
    notebook = nbformat.v4.new_notebook()
    graded = nbformat.v4.new_code_cell("assert False")
    graded.metadata["nbgrader"] = {"grade_id": "ex1_check"}
    graded.outputs = [nbformat.from_dict(ERROR)]
    notebook.cells = [nbformat.v4.new_code_cell("x = 1"), graded]
    nbformat.write(notebook, tmp_path / "lesson.ipynb")
    assert list(graded_outputs(tmp_path)) == ["ex1_check"]
    assert first_error_line(graded_outputs(tmp_path)["ex1_check"]).startswith("AssertionError")


def test_nbgrader_runs_from_this_environment(monkeypatch):
    import sys
    from pathlib import Path

    monkeypatch.setenv("PATH", "/usr/bin")
    assert nbgrader_env()["PATH"].split(":")[0] == str(Path(sys.executable).parent)
