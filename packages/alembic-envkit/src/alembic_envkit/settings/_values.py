"""Reading configured values: path lists, branch names, option strings."""

from __future__ import annotations

import os
import re
import typing as t
from types import MappingProxyType

from .._errors import ConfigurationError

#: Alembic's names for the characters it splits path lists on.
SEPARATORS = {"space": " ", "newline": "\n", "os": os.pathsep, ":": ":", ";": ";"}

#: ``%%`` (kept), or any other ``%`` (escaped), so that Alembic's own tokens
#: such as ``file_template``'s ``%(rev)s`` reach it without doubling. Only
#: ``%(here)s``, the one name Alembic's config parser defines, is kept.
PERCENT = re.compile(r"%%|%(?!\(here\)s)")
BRANCH_NAME = re.compile(r"[A-Za-z0-9_-]+")


def check_branch_name(name: str) -> str:
    """Refuse a branch name that Alembic or the file system could misread.

    :param name: Branch name to check.
    """
    if not BRANCH_NAME.fullmatch(name):
        raise ConfigurationError(
            f"Branch name {name!r} is not allowed; use only letters, digits,"
            " '_' and '-'."
        )

    return name


def unique_locations(
    items: list[tuple[str | None, str]],
) -> list[tuple[str | None, str]]:
    """Drop folders listed twice (Alembic would read their revisions twice),
    keeping the first place and any branch name either entry gave.
    """
    names: dict[str, str | None] = {}

    for name, path in items:
        if names.get(path) is None:
            names[path] = name

    return [(name, path) for path, name in names.items()]


def is_resource_spec(value: str) -> bool:
    """``package:path``, but not a Windows drive letter like ``C:\\``."""
    head, sep, _ = value.partition(":")
    return bool(sep) and len(head) > 1 and not os.path.isabs(value)


def freeze(value: t.Mapping[str, t.Any]) -> t.Mapping[str, t.Any]:
    return MappingProxyType(
        {
            k: freeze(v) if isinstance(v, t.Mapping) else v
            for k, v in dict(value).items()
        }
    )
