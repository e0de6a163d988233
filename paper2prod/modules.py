"""Import a loose .py file (a lesson's module, a prototype under test) as a module: the one way the
course does it, in notebooks, tests and tools alike."""

from __future__ import annotations

import sys
import types
from pathlib import Path


def load_module(file: Path | str, name: str | None = None) -> types.ModuleType:
    """Import a .py file as a module, afresh every time (a notebook edits and re-runs it).

    Compiling the source directly, rather than importlib.reload, never picks up a stale cached
    bytecode file written in the same second. The module is registered in sys.modules before it
    runs (dataclasses look their module up while it loads), so other code (a pytest file, say) can
    `import` it by name.
    """
    file = Path(file)
    name = name or file.stem
    module = types.ModuleType(name)
    module.__file__ = str(file)
    sys.modules[name] = module
    exec(compile(file.read_text(), str(file), "exec"), module.__dict__)
    return module
