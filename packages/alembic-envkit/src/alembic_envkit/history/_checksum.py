"""Checksums of what a revision file runs, one for its upgrade and one for
its downgrade, so that a revision edited after it was applied can be told
from one that was only reformatted.

A checksum is the SHA-256 of a normal form of the file: its syntax tree,
written out without positions, comments, formatting or docstrings. Ruff
format, Black, CRLF or LF line endings, quote styles, parentheses, and
edits to comments or docstrings leave it unchanged; a change to a call's
arguments, a constant, a name, or the order or number of statements
changes it.

What each direction covers: the module's top-level statements, less the
four identifier assignments (``revision``, ``down_revision``,
``branch_labels``, ``depends_on``, annotated or not, so that re-parenting a
revision keeps its checksums) and less the other direction's top-level
functions. The upgrade leaves out ``downgrade`` and every ``downgrade_*``
function; the downgrade leaves out ``upgrade`` and every ``upgrade_*``
(the multi-database template's ``upgrade_<name>`` functions). Imports,
constants, helper functions and classes are in both, since both run them.
An identifier assignment of another shape (``revision, down_revision =
...``) and a function defined inside an ``if`` stay in both directions.

The normal form, and the reasons for each rule:

- Statements that compile to no code are left out of every statement
  list: ``pass`` and an expression statement that is a lone constant. This
  removes docstrings (the module's, a function's, a class's) wherever a
  formatter may take a string for one, and strings used as comments, and
  gives one form to an empty body: ``def f(): "doc"``, ``def f(): pass``
  and ``def f(): ...`` are the same function, so removing a docstring never
  leaves a body to tell apart. (Dropping only the first statement's string
  would make ``def f(): "doc"`` and ``def f(): pass`` differ.)
- Each node is its class name and its fields, by name, in sorted order.
  Fields that are ``None`` or empty lists are left out, so the fields that
  newer Pythons add with such defaults (``type_params`` in 3.12) change
  nothing; positions are never written. Sorting the names keeps the form
  independent of the order of ``_fields``.
- A constant is its type and its value (``int:0x1``, ``float:1.0``,
  ``bool:True``, ``str:"1"``, ``bytes:31``): ``1``, ``1.0``, ``True``,
  ``"1"`` and ``b"1"`` all differ. Strings are written with ASCII escapes,
  so the form does not depend on the Unicode database of the Python that
  made it, and integers in hexadecimal, which has no length limit. The
  ``u`` prefix (``Constant.kind``) is left out: it changes nothing.
- An f-string's adjacent literal parts are joined, and empty ones
  dropped, before it is written, and an f-string without placeholders is
  written as the plain string it is. Python 3.12.1 adds an empty part to a
  format specification holding a placeholder (``f"{a:>{w}}"``) that 3.10,
  3.11 and 3.13 do not; the snippet in the tests pins this.
- Bytes are given to ``ast.parse`` as they are, which decodes them as
  Python decodes a source file, rather than through
  ``importlib.util.decode_source``: the same text, without a second pass.

:data:`ALGORITHM` is the version of these rules. A change to them that
changes any checksum must raise it, so that checksums stored under one
version are never compared with checksums made under another.

A file that is not Python, or cannot be decoded, raises ``SyntaxError``
naming the file: the caller reports it, as it would a failed import. The
module reads source text; it imports neither Alembic nor SQLAlchemy and
runs nothing of the revision.
"""

from __future__ import annotations

import ast
import hashlib
import json
import os
import threading
import typing as t

#: The lock every ``ast.parse`` of this package takes: CPython 3.11 and
#: 3.12 build syntax trees in state the threads share (see ``_parse.py``).
#: Here, so that this module loads on its own.
PARSE_LOCK = threading.Lock()


#: The version of the normal form and checksum. Stored beside each pair of
#: checksums; raise it with any change that changes a checksum.
ALGORITHM = 1

_IDENTIFIERS = frozenset(("revision", "down_revision", "branch_labels", "depends_on"))

#: Each node class's opening text and its field names, sorted, each with
#: its label; filled on first use.
_FIELDS: dict[type[ast.AST], tuple[str, tuple[tuple[str, str], ...]]] = {}


def revision_checksums(
    source: bytes | str, *, filename: str = "<unknown>"
) -> tuple[str, str]:
    """The checksums of a revision's upgrade and of its downgrade, as
    hexadecimal SHA-256 digests.

    :param source: The revision file's text. Bytes are decoded as Python
        decodes a source file: a PEP 263 coding comment or a UTF-8 byte
        order mark is honoured, UTF-8 otherwise.
    :param filename: The file's name, for the error message.
    :return: ``(upgrade, downgrade)``.
    :raise SyntaxError: The source is not valid Python.
    """
    upgrade, downgrade = normal_form(source, filename=filename)
    return _sha256(upgrade), _sha256(downgrade)


def file_checksums(path: str | os.PathLike[str]) -> tuple[str, str]:
    """The checksums of the revision file at ``path``, as
    :func:`revision_checksums` makes them.

    :param path: The revision file.
    :return: ``(upgrade, downgrade)``.
    :raise OSError: The file cannot be read.
    :raise SyntaxError: The file is not valid Python.
    """
    with open(path, "rb") as f:
        source = f.read()

    return revision_checksums(source, filename=os.fspath(path))


def normal_form(source: bytes | str, *, filename: str = "<unknown>") -> tuple[str, str]:
    """The normal forms of a revision's upgrade and of its downgrade: the
    text whose SHA-256 digest is its checksum.

    :param source: The revision file's text, as for
        :func:`revision_checksums`.
    :param filename: The file's name, for the error message.
    :return: ``(upgrade, downgrade)``.
    :raise SyntaxError: The source is not valid Python.
    """
    # Each statement is written once; the directions share most of them.
    forms = [
        (node, _form(node))
        for node in _kept(_parse(source, filename))
        if not _is_identifier(node)
    ]
    upgrade = [form for node, form in forms if not _is_function_of(node, "downgrade")]
    downgrade = [form for node, form in forms if not _is_function_of(node, "upgrade")]
    return _join(upgrade), _join(downgrade)


def _parse(source: bytes | str, filename: str) -> list[ast.stmt]:
    """The top-level statements of ``source``."""
    if isinstance(source, str):
        # Python skips a byte order mark in a file, not in a string.
        source = source.removeprefix("\ufeff")

    try:
        # Given bytes, the parser decodes them as it decodes a file (coding
        # comment, byte order mark) and reads CR and CRLF as LF, in string
        # literals too.
        with PARSE_LOCK:
            return ast.parse(source, filename).body
    except SyntaxError as e:
        # Some errors, such as a null byte, come without the file's name.
        e.filename = e.filename or filename
        raise
    except ValueError as e:
        # Before Python 3.11.4, a null byte raises ValueError.
        raise SyntaxError(str(e), (filename, 1, 0, None)) from e


def _is_identifier(node: ast.stmt) -> bool:
    """Whether ``node`` assigns one of the revision identifiers, with or
    without an annotation, and nothing else.
    """
    if isinstance(node, ast.Assign):
        return all(
            isinstance(target, ast.Name) and target.id in _IDENTIFIERS
            for target in node.targets
        )

    if isinstance(node, ast.AnnAssign):
        return isinstance(node.target, ast.Name) and node.target.id in _IDENTIFIERS

    return False


def _is_function_of(node: ast.stmt, direction: str) -> bool:
    """Whether ``node`` defines ``direction`` or a ``direction_*``
    function.
    """
    return isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and (
        node.name == direction or node.name.startswith(direction + "_")
    )


def _join(forms: list[str]) -> str:
    """The normal form of a list of statements, from theirs."""
    return "[" + "".join(form + "," for form in forms) + "]"


def _form(root: ast.AST) -> str:
    """The normal form of a node.

    The tree is walked with a stack rather than recursion, so that a deeply
    nested expression cannot exhaust Python's recursion limit. The stack
    holds nodes and lists still to write, and text already written out.
    """
    out: list[str] = []
    stack: list[ast.AST | list[t.Any] | str] = [root]

    while stack:
        item = stack.pop()

        if isinstance(item, str):
            out.append(item)
        elif isinstance(item, list):
            parts: list[ast.AST | list[t.Any] | str] = ["["]

            for element in item:
                parts.append(_value(element))
                parts.append(",")

            parts.append("]")
            stack.extend(reversed(parts))
        elif isinstance(item, ast.Constant):
            out.append(_constant(item.value))
        elif isinstance(item, ast.JoinedStr):
            values = _joined(item.values)

            if not values:
                out.append(_constant(""))
            elif len(values) == 1 and isinstance(values[0], ast.Constant):
                out.append(_constant(values[0].value))
            else:
                stack.extend(reversed(["JoinedStr(", "values=", values, ",", ")"]))
        else:
            stack.extend(reversed(_node_parts(item)))

    return "".join(out)


def _node_parts(node: ast.AST) -> list[ast.AST | list[t.Any] | str]:
    """A node as its class name and its fields, each field's value still
    to be written when it is a node or a list.
    """
    cls = type(node)
    fields = _FIELDS.get(cls)

    if fields is None:
        fields = _FIELDS[cls] = (
            cls.__name__ + "(",
            tuple((name, name + "=") for name in sorted(cls._fields)),
        )

    opening, names = fields
    parts: list[ast.AST | list[t.Any] | str] = [opening]

    for name, label in names:
        value = getattr(node, name, None)

        if isinstance(value, list):
            value = _kept(value)

            if not value:
                continue
        elif value is None:
            continue

        parts.append(label)
        parts.append(_value(value))
        parts.append(",")

    parts.append(")")
    return parts


def _value(value: t.Any) -> ast.AST | list[t.Any] | str:
    """A field's value or a list's element: a node or a list to write, or
    the text of a name, a number or ``None``.
    """
    if isinstance(value, (ast.AST, list)):
        return value

    if isinstance(value, str):
        return json.dumps(value)  # An identifier: Name.id, keyword.arg.

    return repr(value)  # None in a list, or an int: conversion, level.


def _kept(elements: list[t.Any]) -> list[t.Any]:
    """A list without the statements that compile to no code: ``pass`` and
    lone constants, which include docstrings.
    """
    return [
        e
        for e in elements
        if not (
            isinstance(e, ast.Pass)
            or (isinstance(e, ast.Expr) and isinstance(e.value, ast.Constant))
        )
    ]


def _constant(value: object) -> str:
    """A constant as its type and its value."""
    if value is None or value is Ellipsis:
        return repr(value)

    name = type(value).__name__

    if isinstance(value, str):
        text = json.dumps(value)
    elif isinstance(value, bytes):
        text = value.hex()
    elif isinstance(value, int) and not isinstance(value, bool):
        text = hex(value)
    else:
        text = repr(value)  # bool, float, complex: repr round-trips.

    return f"{name}:{text}"


def _joined(values: list[ast.expr]) -> list[ast.expr]:
    """An f-string's parts with adjacent literal parts joined and empty ones
    dropped.
    """
    joined: list[ast.expr] = []
    text = ""

    for value in values:
        if isinstance(value, ast.Constant) and isinstance(value.value, str):
            text += value.value
            continue

        if text:
            joined.append(ast.Constant(text))
            text = ""

        joined.append(value)

    if text:
        joined.append(ast.Constant(text))

    return joined


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()
