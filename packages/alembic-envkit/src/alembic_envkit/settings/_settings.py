"""Settings: the plain data an environment is built from."""

from __future__ import annotations

import os
import typing as t
from dataclasses import dataclass
from dataclasses import field

from .._errors import ConfigurationError
from ._values import check_branch_name
from ._values import freeze
from ._values import is_resource_spec
from ._values import PERCENT
from ._values import SEPARATORS
from ._values import unique_locations

#: The branch name that ``script_location`` carries.
DEFAULT_BRANCH = "default"

#: Keys of the options mapping that are not passed on as Alembic main options.
_OWN_KEYS = frozenset(
    {
        "script_location",
        "version_locations",
        "path_separator",
        "lock",
        "lock_timeout",
        "ddl_lock_timeout",
        "ddl_lock_retries",
        "ddl_lock_retry_delay",
        "transaction_mode",
        "two_phase",
        "revision_id_pattern",
        "head_file",
        "ledger_table",
        "ledger_mismatch",
        "snapshot_location",
        "snapshots",
        "snapshot_url",
        "snapshot_pg_dump",
        "tenants",
        "tenant_folder",
        "tenant_engine_options",
        "tenant_processes",
    }
)

#: How revisions are grouped into transactions, see :attr:`Settings.transaction_mode`.
TRANSACTION_MODES = ("savepoint", "revision", "run")

_VERSION_LOCATIONS = "version_locations"


@dataclass(frozen=True)
class Settings:
    """Settings for an :class:`.Environment`, in the shapes Flask-Alembic
    reads from ``ALEMBIC`` and ``ALEMBIC_CONTEXT``.

    :param options: Alembic options. ``script_location`` (default
        ``"migrations"``) and ``version_locations`` (paths, or
        ``(branch_name, path)`` pairs) name the folders revisions live in.
        ``path_separator`` defaults to ``"os"``. Any other key becomes an
        Alembic main option; a dict value becomes a config section, which is
        how ``post_write_hooks`` are configured.
    :param context: Options passed to
        :meth:`~alembic.runtime.environment.EnvironmentContext.configure` for
        every database. ``compare_server_default`` defaults to ``True``.
    :param root: Directory that relative paths are resolved against. Defaults
        to the current directory at the time of creation.

    Build one with :meth:`from_mappings`, which copies the mappings so later
    changes to them are not seen.
    """

    options: t.Mapping[str, t.Any] = field(default_factory=dict)
    context: t.Mapping[str, t.Any] = field(default_factory=dict)
    root: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "root", os.path.abspath(self.root or os.curdir))
        object.__setattr__(self, "options", freeze(self.options))
        object.__setattr__(self, "context", freeze(self.context))
        self.version_locations  # noqa: B018 (validate early)

    @classmethod
    def from_mappings(
        cls,
        options: t.Mapping[str, t.Any] | None = None,
        context: t.Mapping[str, t.Any] | None = None,
        *,
        root: str | os.PathLike[str] | None = None,
    ) -> Settings:
        """Build settings from two mappings shaped like ``ALEMBIC`` and
        ``ALEMBIC_CONTEXT``.

        :param options: Alembic options, see the class description.
        :param context: Migration context options.
        :param root: Directory relative paths are resolved against.
        """
        return cls(
            options=dict(options or {}),
            context=dict(context or {}),
            root=os.fspath(root) if root is not None else "",
        )

    @property
    def path_separator(self) -> str:
        """The ``path_separator`` option, ``"os"`` unless set."""
        value = self.options.get("path_separator") or "os"

        if value not in SEPARATORS:
            choices = ", ".join(repr(k) for k in SEPARATORS)
            raise ConfigurationError(
                f"The 'path_separator' setting is {value!r}; use one of {choices}."
            )

        return str(value)

    @property
    def separator_char(self) -> str:
        """The character Alembic splits path lists on, for
        :attr:`path_separator`.
        """
        return SEPARATORS[self.path_separator]

    @property
    def script_location(self) -> str:
        """Absolute path of the folder holding ``script.py.mako`` and the
        default branch's revisions.
        """
        value = self.options.get("script_location") or "migrations"

        if not isinstance(value, (str, os.PathLike)):
            raise ConfigurationError(
                f"The 'script_location' setting must be a path, not {value!r}."
            )

        return self.resolve_path(value, setting="script_location")

    @property
    def default_location(self) -> str:
        """The folder the default branch's revisions live in: the script
        location itself, or its ``versions`` folder when the script location
        was laid out by Flask-Migrate or ``alembic init`` (it has an
        ``env.py``). An ``env.py`` and ``alembic.ini`` there are never read.
        """
        script_location = self.script_location

        if os.path.isfile(os.path.join(script_location, "env.py")):
            return os.path.join(script_location, "versions")

        return script_location

    @property
    def version_locations(self) -> tuple[tuple[str | None, str], ...]:
        """Every folder revisions are read from, as ``(branch_name, path)``
        pairs with absolute paths. The default branch's folder comes first,
        named ``"default"`` (see :attr:`default_location`); folders configured
        without a name have ``None``.
        """
        result: list[tuple[str | None, str]] = [(DEFAULT_BRANCH, self.default_location)]
        items = self.options.get("version_locations") or ()

        if isinstance(items, (str, os.PathLike)):
            items = (items,)

        for item in items:
            if isinstance(item, (str, os.PathLike)):
                result.append(
                    (None, self.resolve_path(item, setting=_VERSION_LOCATIONS))
                )
            elif (
                isinstance(item, (tuple, list))
                and len(item) == 2
                and isinstance(item[0], str)
                and isinstance(item[1], (str, os.PathLike))
            ):
                check_branch_name(item[0])
                result.append(
                    (item[0], self.resolve_path(item[1], setting=_VERSION_LOCATIONS))
                )
            else:
                raise ConfigurationError(
                    f"Each 'version_locations' item must be a path or a"
                    f" (branch_name, path) pair, not {item!r}."
                )

        return tuple(unique_locations(result))

    def branch_location(self, branch: str) -> str | None:
        """The folder configured for a named branch, or ``None``.

        :param branch: Branch name.
        """
        for name, path in self.version_locations:
            if name == branch:
                return path

        return None

    def resolve_path(
        self, path: str | os.PathLike[str], *, setting: str | None = None
    ) -> str:
        """Turn a configured path into an absolute filesystem path. Relative
        paths are relative to :attr:`root`; ``package:path`` names a folder
        inside an importable package.

        :param path: Path as configured.
        :param setting: The setting the path comes from, named in the error
            when its package cannot be imported.
        :raises ConfigurationError: If ``package:path`` names a package that
            cannot be imported.
        """
        value = os.fspath(path)

        if is_resource_spec(value):
            # Imports Alembic, which plain folder paths never need.
            from .._alembic import resource_filename

            try:
                return resource_filename(value)
            except (ImportError, TypeError) as e:
                where = f"The {setting!r} setting" if setting else "The path"
                package = value.partition(":")[0]
                raise ConfigurationError(
                    f"{where} {value!r} names the package {package!r}, which"
                    f" cannot be imported ({e}). Install that package, or give"
                    " a folder path instead of 'package:path'."
                ) from e

        return os.path.normpath(os.path.join(self.root, value))

    @property
    def lock(self) -> bool:
        """Whether commands that change a database take its migration lock
        (option ``lock``, default ``True``). Turn it off where session locks
        do not work, such as behind PgBouncer in transaction mode.
        """
        value = self.options.get("lock", True)

        if isinstance(value, str):
            return value.strip().lower() not in ("false", "0", "no", "off")

        return bool(value)

    @property
    def lock_timeout(self) -> float:
        """Seconds to wait for another runner's lock (option
        ``lock_timeout``, default 300).
        """
        value = self.options.get("lock_timeout", 300)

        try:
            result = float(value)
        except (TypeError, ValueError):
            result = -1.0

        if result < 0:
            raise ConfigurationError(
                "The 'lock_timeout' setting must be a number of seconds, not"
                f" {value!r}."
            )

        return result

    @property
    def two_phase(self) -> bool:
        """Whether a run over several databases commits them with a
        two-phase commit (option ``two_phase``, default ``False``): every
        database prepares its transaction, and only when all have succeeded
        does any of them commit. PostgreSQL only (its
        ``max_prepared_transactions`` must be above 0); MariaDB and MySQL
        cannot run DDL inside such a transaction.
        """
        value = self.options.get("two_phase", False)

        if isinstance(value, str):
            return value.strip().lower() in ("true", "1", "yes", "on")

        return bool(value)

    @property
    def transaction_mode(self) -> str:
        """How a run's revisions are grouped into transactions (option
        ``transaction_mode``) on databases whose DDL is transactional
        (PostgreSQL, SQLite):

        - ``"savepoint"``: one transaction for the run with a savepoint per
          revision. A failed revision is rolled back alone and the ones
          before it are committed: one durable commit, and a rerun resumes
          where it stopped. The default, except on SQLite.
        - ``"revision"``: a transaction per revision, committed when it is
          done. The default on SQLite, as in Alembic, so that a revision
          that looks through another connection sees what the revisions
          before it created.
        - ``"run"``: one transaction; a failure rolls back the whole run.

        MariaDB and MySQL commit every DDL statement, whatever the mode.
        This is the mode set, or ``"savepoint"`` when none is; see
        :meth:`transaction_mode_for` for the one a database uses.
        """
        value = self.options.get("transaction_mode")

        if value is None:
            return "savepoint"

        if value not in TRANSACTION_MODES:
            choices = ", ".join(repr(m) for m in TRANSACTION_MODES)
            raise ConfigurationError(
                f"The 'transaction_mode' setting is {value!r}; use one of {choices}."
            )

        return str(value)

    def transaction_mode_for(self, dialect: str) -> str:
        """The transaction mode a database of this dialect runs in: the
        ``transaction_mode`` setting, or when it is not set, ``"revision"``
        on SQLite and ``"savepoint"`` elsewhere.

        :param dialect: The dialect's name, such as ``"sqlite"``.
        """
        mode = self.transaction_mode

        if self.options.get("transaction_mode") is None and dialect == "sqlite":
            return "revision"

        return mode

    @property
    def main_options(self) -> dict[str, str]:
        """The options passed to Alembic as main options, converted to the
        strings its config parser expects. A lone ``%`` is escaped, while a
        doubled ``%%`` is kept as it is.
        """
        result = {}

        for key, value in self.options.items():
            if key in _OWN_KEYS or value is None or isinstance(value, t.Mapping):
                continue

            result[key] = self._option_string(key, value)

        return result

    @property
    def sections(self) -> dict[str, dict[str, str]]:
        """Options whose value is a mapping, as Alembic config sections."""
        return {
            key: {
                inner: self._option_string(f"{key}.{inner}", v)
                for inner, v in value.items()
                if v is not None
            }
            for key, value in self.options.items()
            if isinstance(value, t.Mapping) and key not in _OWN_KEYS
        }

    @property
    def context_options(self) -> dict[str, t.Any]:
        """Options for every migration context, with this project's defaults
        applied.
        """
        result = {k: v for k, v in self.context.items() if k != "databases"}
        result.setdefault("compare_server_default", True)
        return result

    def context_options_for(self, database: str) -> dict[str, t.Any]:
        """Options for one database's migration context: those for every
        database, updated with the mapping under ``databases[database]``
        (for example a ``version_table_schema`` for one database only).

        :param database: Name of the database.
        """
        per_database = self.context.get("databases") or {}

        if not isinstance(per_database, t.Mapping):
            raise ConfigurationError(
                "The 'databases' context option must map database names to"
                f" options, not {per_database!r}."
            )

        return {**self.context_options, **(per_database.get(database) or {})}

    def _option_string(self, key: str, value: t.Any) -> str:
        if isinstance(value, bool):
            text = "true" if value else "false"
        elif isinstance(value, (str, int, float, os.PathLike)):
            text = os.fspath(value) if isinstance(value, os.PathLike) else str(value)
        elif isinstance(value, (list, tuple)):
            text = self.separator_char.join(str(v) for v in value)
        else:
            raise ConfigurationError(
                f"The {key!r} setting must be a string, number, bool or list,"
                f" not {type(value).__name__}."
            )

        return PERCENT.sub("%%", text)
