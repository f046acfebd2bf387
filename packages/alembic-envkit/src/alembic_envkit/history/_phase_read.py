"""Read the deploy phase a revision file declares (``phase = "expand"`` or
``"contract"``) from its source, without running it where it is a literal.
"""

from __future__ import annotations

import ast
import typing as t

from .._errors import revision_error
from ._parse import parse

if t.TYPE_CHECKING:
    from types import ModuleType

#: The phases a revision may declare.
PHASES = ("expand", "contract")

#: What a phase's value is when the file does not say it literally.
_COMPUTED = object()


def read_phase(path: str, module: t.Callable[[], ModuleType]) -> str | None:
    """The phase a revision file declares, read from its source; a phase
    that is not a literal is read from the imported ``module()``.

    :raises RevisionError: If the phase is neither ``"expand"`` nor
        ``"contract"``.
    """
    try:
        with open(path, "rb") as f:
            tree = parse(f.read(), path)
    except (OSError, SyntaxError, ValueError):
        tree = None

    value: object = None if tree is not None else _COMPUTED

    for node in tree.body if tree is not None else ():
        found = phase_assignment(node)

        if found is not None:
            value = found

    if value is _COMPUTED:
        value = getattr(module(), "phase", None)

    if value is None or isinstance(value, str) and value in PHASES:
        return value

    raise revision_error(
        f"Revision file {path} sets phase = {value!r}, which is neither 'expand'"
        ' nor \'contract\'. Write phase = "expand" or phase = "contract", or'
        " remove it."
    )


def phase_assignment(node: ast.stmt) -> object | None:
    """The value of a module-level ``phase = ...``; :data:`_COMPUTED` when
    it is not a literal; ``None`` when the statement does not set it.
    """
    if isinstance(node, ast.Assign):
        targets, value = node.targets, node.value
    elif isinstance(node, ast.AnnAssign) and node.value is not None:
        targets, value = [node.target], node.value
    else:
        return None

    if not any(isinstance(n, ast.Name) and n.id == "phase" for n in targets):
        return None

    try:
        return t.cast(object, ast.literal_eval(value))
    except ValueError:
        return _COMPUTED
