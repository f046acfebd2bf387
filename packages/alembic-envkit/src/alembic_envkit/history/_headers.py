"""Read a revision file's header without running it: the module docstring
and the literal assignments of ``revision``, ``down_revision``,
``branch_labels`` and ``depends_on``. When a file sets one of them any other
way (computed, assigned twice, inside an ``if``), it is imported instead, as
Alembic would.
"""

from __future__ import annotations

import ast
import importlib.util
import os
import re
import sys
import typing as t

from .._errors import revision_error
from ._parse import parse

#: What a revision file declares: revision id, down revisions, branch labels,
#: dependencies, full docstring and the file's real path.
Header: t.TypeAlias = tuple[
    str,
    "str | tuple[str, ...] | None",
    tuple[str, ...],
    "str | tuple[str, ...] | None",
    str,
    str,
]

_KEYS = ("revision", "down_revision", "branch_labels", "depends_on")


def read_header(path: str) -> Header | None:
    """Read a revision file's header without running it; ``None`` when it
    cannot be read that way and the file must be imported.

    :param path: The revision file.
    """
    try:
        with open(path, "rb") as f:
            tree = parse(f.read(), path)
    except (OSError, SyntaxError, ValueError, UnicodeDecodeError):
        return None  # Importing it reports the error as Python would.

    values: dict[str, t.Any] = {}

    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            if _binds_key(node, only_global=True):
                return None

            continue

        target = _literal_assignment(node)

        if target is not None:
            name, value = target

            if name in values:
                return None

            values[name] = value
        elif _binds_key(node, only_global=False):
            return None

    if "revision" not in values or not isinstance(values["revision"], str):
        return None

    down = _revision_tuple(values.get("down_revision"))
    labels = _revision_tuple(values.get("branch_labels"))
    depends = _revision_tuple(values.get("depends_on"))

    if down is False or labels is False or depends is False:
        return None

    docstring = ast.get_docstring(tree, clean=sys.version_info >= (3, 13)) or ""
    return (
        values["revision"],
        _scalar(down),
        tuple(labels or ()),
        _scalar(depends),
        docstring.strip(),
        path,
    )


def _literal_assignment(node: ast.stmt) -> tuple[str, t.Any] | None:
    """The key and value of ``key = literal`` or ``key: type = literal``."""
    if isinstance(node, ast.Assign):
        if len(node.targets) != 1:
            return None

        target, value = node.targets[0], node.value
    elif isinstance(node, ast.AnnAssign) and node.value is not None:
        target, value = node.target, node.value
    else:
        return None

    if not isinstance(target, ast.Name) or target.id not in _KEYS:
        return None

    try:
        return target.id, ast.literal_eval(value)
    except ValueError:
        return target.id, _NOT_LITERAL


_NOT_LITERAL = object()


def _binds_key(node: ast.AST, *, only_global: bool) -> bool:
    """Whether a statement could set one of the header's names some other
    way: a loop, an import, a ``global`` statement, a star import.
    """
    for child in ast.walk(node):
        if isinstance(child, ast.Global) and set(child.names) & set(_KEYS):
            return True

        if only_global:
            continue

        if isinstance(child, ast.Name) and child.id in _KEYS:
            if isinstance(child.ctx, (ast.Store, ast.Del)):
                return True
        elif isinstance(child, ast.alias):
            if child.name == "*" or (child.asname or child.name) in _KEYS:
                return True
        elif isinstance(child, ast.Call):
            func = child.func

            if isinstance(func, ast.Name) and func.id in ("globals", "exec", "vars"):
                return True

    return False


def _revision_tuple(value: t.Any) -> tuple[str, ...] | None | t.Literal[False]:
    """``None``, a string or a sequence of strings as a tuple; ``False`` for
    anything else.
    """
    if value is None:
        return None

    if isinstance(value, str):
        return (value,)

    if isinstance(value, (tuple, list)) and all(isinstance(v, str) for v in value):
        return tuple(value)

    return False


def _scalar(value: tuple[str, ...] | None) -> str | tuple[str, ...] | None:
    if not value:
        return None

    return value[0] if len(value) == 1 else value


def import_header(path: str) -> Header:
    """Run a revision file to learn its header, as Alembic does."""

    if not os.path.exists(path):
        raise ImportError(f"Can't find Python file {path}")

    name = "_alembic_envkit_revision_" + re.sub(r"\W", "_", path)
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    revision = getattr(module, "revision", None)

    if revision is None:
        legacy = re.match(r"([a-f0-9]+)\.py$", os.path.basename(path))

        if legacy is None:
            raise revision_error(
                f"Cannot tell the revision id of {path}: it sets no 'revision'."
                " Declare revision = '<id>' in the file."
            )

        revision = legacy.group(1)

    def as_tuple(key: str) -> tuple[str, ...]:
        value = getattr(module, key, None)

        if not value:
            return ()

        return (value,) if isinstance(value, str) else tuple(value)

    return (
        str(revision),
        _scalar(as_tuple("down_revision")),
        as_tuple("branch_labels"),
        _scalar(as_tuple("depends_on")),
        (module.__doc__ or "").strip(),
        path,
    )
