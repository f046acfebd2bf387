"""What the dialect modules of the catalog share: the objects they read,
each under a readable name such as ``table 'user': column 'id'``, with its
attributes as text.
"""

from __future__ import annotations

import collections.abc as cabc
import typing as t

#: The objects of a database: a name → its attributes (name → text).
Objects: t.TypeAlias = dict[str, dict[str, str]]

#: A row of a catalog query, as a plain tuple.
Row: t.TypeAlias = tuple[t.Any, ...]


def object_name(kind: str, name: str, parent: str | None = None) -> str:
    """The name of an object in a catalog, ``kind 'name'``, after its
    parent's name and a colon when it belongs to one.

    :param kind: What the object is: ``table``, ``column``, ``index``...
    :param name: Its name in the database.
    :param parent: The catalog name of the object it belongs to.
    """
    own = f"{kind} {name!r}"
    return own if parent is None else f"{parent}: {own}"


def add(objects: Objects, name: str, attributes: cabc.Mapping[str, object]) -> None:
    """Add an object with those of its attributes that are not ``None``, as
    text (``True`` and ``False`` as ``YES`` and ``NO``). A name already taken,
    which only an object without a name of its own can repeat (two
    identical unnamed constraints), gets a number.

    :param objects: The objects read so far.
    :param name: The object's catalog name, see :func:`object_name`.
    :param attributes: Its attributes; ``None`` leaves one out.
    """
    key = name
    number = 2

    while key in objects:
        key = f"{name} #{number}"
        number += 1

    objects[key] = {k: _text(v) for k, v in attributes.items() if v is not None}


def squeeze(text: str) -> str:
    """A text with each run of white space made one space, and no space at
    either end, for definitions that the server keeps as they were written.
    """
    return " ".join(text.split())


def _text(value: object) -> str:
    if value is True:
        return "YES"

    if value is False:
        return "NO"

    return str(value)
