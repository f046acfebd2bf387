"""The tenant settings: where the names of the tenants come from, the
folder of SQLite tenants' files, the options of the engines made for
tenants, and whether a fan-out forks worker processes (see
``run/_fanout.py`` and ``docs/tenants.md``).
"""

from __future__ import annotations

import importlib
import os
import re
import typing as t
from dataclasses import dataclass
from dataclasses import field

from .._errors import ConfigurationError

if t.TYPE_CHECKING:
    from ._settings import Settings

#: What a tenant name may be: a letter or underscore, then letters, digits
#: and underscores, 63 characters in all (PostgreSQL's identifier limit, and
#: within MariaDB's 64), so it is a schema, database and file name alike.
TENANT_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,62}")

#: What the ``tenants`` setting accepts: a callable returning the names, or
#: a ``"module:function"`` string naming one.
TenantSource: t.TypeAlias = "t.Callable[[], t.Iterable[str]] | str"


@dataclass(frozen=True)
class TenantSettings:
    """The tenant settings of an environment."""

    #: Returns the names of the tenants.
    source: t.Callable[[], t.Iterable[str]]
    #: The folder SQLite tenants' files are in, or ``None`` for the folder
    #: of the primary database's file.
    folder: str | None
    #: Keyword arguments of ``create_engine`` for the engines made for
    #: MariaDB and SQLite tenants (``connect_args`` and the like), which
    #: cannot be read back from the primary's engine.
    engine_options: t.Mapping[str, t.Any] = field(default_factory=dict)
    #: Whether a fan-out with several workers runs tenants in forked worker
    #: processes, where the platform can fork; else in threads.
    processes: bool = True

    def names(self) -> list[str]:
        """The tenant names, in the source's order, each checked.

        :raises ConfigurationError: If the source raises, returns something
            other than names, or a name is not safe or is repeated.
        """
        try:
            found = list(self.source())
        except Exception as e:
            reason = str(e).strip().splitlines()[0] if str(e).strip() else ""
            raise ConfigurationError(
                f"The 'tenants' source raised {type(e).__name__}"
                f"{': ' + reason if reason else ''}; fix the function the"
                " 'tenants' setting names."
            ) from e

        seen: set[str] = set()

        for name in found:
            check_tenant_name(name)

            if name in seen:
                raise ConfigurationError(
                    f"The 'tenants' source returns {name!r} twice; each tenant"
                    " must be listed once."
                )

            seen.add(name)

        return found


def check_tenant_name(name: object) -> str:
    """Return ``name`` if it is a safe tenant name, see :data:`TENANT_NAME`.

    :raises ConfigurationError: If it is not.
    """
    if not isinstance(name, str) or not TENANT_NAME.fullmatch(name):
        raise ConfigurationError(
            f"Tenant name {name!r} is not allowed: use 1 to 63 letters, digits"
            " and underscores, not starting with a digit."
        )

    return name


def tenant_settings(settings: Settings) -> TenantSettings | None:
    """Read ``tenants``, ``tenant_folder``, ``tenant_engine_options`` and
    ``tenant_processes``; ``None`` when no tenants are configured.

    :raises ConfigurationError: For a value of the wrong kind, or a
        ``"module:function"`` that cannot be imported.
    """
    options = settings.options
    value = options.get("tenants")

    if value is None:
        return None

    folder = options.get("tenant_folder")

    if folder is not None:
        if not isinstance(folder, (str, os.PathLike)):
            raise ConfigurationError(
                f"The 'tenant_folder' setting must be a path, not {folder!r}."
            )

        folder = settings.resolve_path(os.fspath(folder), setting="tenant_folder")

    engine_options = options.get("tenant_engine_options") or {}

    if not isinstance(engine_options, t.Mapping) or not all(
        isinstance(key, str) for key in engine_options
    ):
        raise ConfigurationError(
            "The 'tenant_engine_options' setting must be a dict of create_engine"
            f" keyword arguments, not {engine_options!r}."
        )

    processes = options.get("tenant_processes", True)

    if not isinstance(processes, bool):
        raise ConfigurationError(
            f"The 'tenant_processes' setting must be True or False, not {processes!r}."
        )

    return TenantSettings(_source(value), folder, dict(engine_options), processes)


def _source(value: t.Any) -> t.Callable[[], t.Iterable[str]]:
    if callable(value):
        return t.cast("t.Callable[[], t.Iterable[str]]", value)

    if not isinstance(value, str) or value.count(":") != 1:
        raise ConfigurationError(
            f"The 'tenants' setting is {value!r}; give a function returning the"
            " tenant names, or its 'module:function' name."
        )

    module_name, _, attribute = value.partition(":")

    try:
        module = importlib.import_module(module_name)
    except ImportError as e:
        raise ConfigurationError(
            f"The 'tenants' setting names module {module_name!r}, which cannot be"
            f" imported ({e}); check the 'module:function' name."
        ) from e

    function = getattr(module, attribute, None)

    if not callable(function):
        raise ConfigurationError(
            f"The 'tenants' setting names {value!r}, but module {module_name!r}"
            f" has no function {attribute!r}; check the 'module:function' name."
        )

    return t.cast("t.Callable[[], t.Iterable[str]]", function)
