"""The lines that give an exercise away: every solution block and hidden-test block of a lesson.

    answer_lines("04-recommend-for-me")  ->  {normalised line: where it comes from}

Used to prove that what students get (a student copy, a feedback page) holds no answer. Lines are
compared with whitespace collapsed; lines that say nothing on their own are skipped: short ones,
`pass`, `return x`, brackets, comments, imports of the course package, and lines the lesson's
student release itself shows (those are given, not answers).
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat

from paper2prod.gradebook import grade_id
from tools.notebooks import LESSONS, SOLUTIONS

BLOCKS = re.compile(r"### BEGIN (SOLUTION|HIDDEN TESTS)\n(.*?)### END \1", re.S)
MIN_LENGTH = 24
TRIVIAL = re.compile(
    r"^(pass|return \w+|raise NotImplementedError\(\)|[\[\]\(\)\{\},:;\s]*|#.*"
    r"|(from|import) paper2prod.*|\"\"\".*|else:|try:|finally:|break|continue"
    r"|except( \(?\w+(\.\w+)*(, \w+(\.\w+)*)*\)?( as \w+)?)?:)$"
)  # a bare handler line, one exception or a tuple of them, says nothing about the answer
# Idioms that occur in answers but give nothing away (they appear in the course's own helpers too).
COMMON_IDIOMS = {
    "target.parent.mkdir(parents=True, exist_ok=True)",
    "rng = np.random.default_rng(seed)",
    "for _ in range(iterations):",
}


def normalise(line: str) -> str:
    return " ".join(line.split())


def significant(line: str) -> bool:
    return len(line) >= MIN_LENGTH and not TRIVIAL.match(line) and line not in COMMON_IDIOMS


def _text_lines(text: str) -> set[str]:
    return {normalise(line) for line in text.splitlines()}


def given_lines(lesson: str, lessons: Path = LESSONS) -> set[str]:
    """Every line of the lesson's student release (its notebooks and files)."""
    given = set()
    for path in (lessons / lesson).rglob("*"):
        if path.suffix == ".ipynb":
            given |= {
                normalise(line) for cell in nbformat.read(path, as_version=4).cells for line in cell.source.splitlines()
            }
        elif path.is_file():
            given |= _text_lines(path.read_text(errors="replace"))
    return given


def answer_lines(lesson: str, solutions: Path = SOLUTIONS, lessons: Path = LESSONS) -> dict[str, str]:
    given = given_lines(lesson, lessons)
    found = {}
    for notebook in sorted((solutions / lesson).glob("*.ipynb")):
        for cell in nbformat.read(notebook, as_version=4).cells:
            where = grade_id(cell) or "?"
            for kind, block in BLOCKS.findall(cell.source + "\n"):
                for line in map(normalise, block.splitlines()):
                    if significant(line) and line not in given:
                        found.setdefault(line, f"{lesson} {where} ({kind.lower()})")
    return found


def hits(text: str, answers: dict[str, str]) -> list[str]:
    """The answer lines that occur in a text (compared line by line, whitespace collapsed)."""
    lines = _text_lines(text)
    return sorted(f"{where}: {line}" for line, where in answers.items() if line in lines)


def visible_text(html_text: str) -> str:
    """What a reader sees of an HTML page: tags, scripts and styles removed, entities decoded."""
    import html

    text = re.sub(r"<(script|style)\b.*?</\1>", "", html_text, flags=re.S | re.I)
    return html.unescape(re.sub(r"<[^>]+>", "", text))


def hidden_test_lines(lesson: str) -> dict[str, str]:
    return {line: where for line, where in answer_lines(lesson).items() if where.endswith("(hidden tests)")}
