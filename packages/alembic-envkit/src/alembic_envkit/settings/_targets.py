"""Targets: which engine and which metadata each database name migrates."""

from __future__ import annotations

import sys
import threading
import typing as t
from dataclasses import dataclass

import sqlalchemy as sa

from .._errors import ConfigurationError

if t.TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine


def sync_engine(value: object) -> sa.Engine | None:
    """The synchronous engine inside an ``AsyncEngine``, or ``None`` if
    ``value`` is not one. An ``AsyncEngine`` can only exist once its module is
    imported, so this does not import it.
    """
    module = sys.modules.get("sqlalchemy.ext.asyncio.engine")

    if module is not None and isinstance(value, module.AsyncEngine):
        return t.cast(sa.Engine, value.sync_engine)

    return None


#: The name given to a single metadata, list of metadata, or engine.
DEFAULT_NAME = "default"

#: What ``metadatas=`` accepts.
MetadataArg: t.TypeAlias = (
    sa.MetaData
    | t.Sequence[sa.MetaData]
    | t.Mapping[str, sa.MetaData | t.Sequence[sa.MetaData]]
)

#: What ``engines=`` accepts: sync or async engines, mixed freely.
EngineArg: t.TypeAlias = (
    "sa.Engine | AsyncEngine | t.Mapping[str, sa.Engine | AsyncEngine]"
)


@dataclass(frozen=True)
class Target:
    """One database to migrate: its name, engine, and the metadata that
    describes its tables. For an async engine, ``engine`` is its
    ``sync_engine`` and ``async_engine`` the engine itself. ``tenant`` names
    the tenant a migration connection is pointed at (see ``run/_tenancy``).
    """

    name: str
    engine: sa.Engine
    metadatas: tuple[sa.MetaData, ...]
    async_engine: AsyncEngine | None = None
    tenant: str | None = None

    @property
    def target_metadata(self) -> sa.MetaData | list[sa.MetaData]:
        """The value for Alembic's ``target_metadata`` option: the metadata
        itself when there is one, else the list.
        """
        if len(self.metadatas) == 1:
            return self.metadatas[0]

        return list(self.metadatas)


class Targets(t.Mapping[str, Target]):
    """The databases an environment migrates, keyed by name, in the order the
    metadata was given.

    :param metadatas: One :class:`~sqlalchemy.MetaData`, a list of them, or a
        dict mapping names to one or a list. A single metadata or list is
        named ``"default"``.
    :param engines: One :class:`~sqlalchemy.engine.Engine` or
        :class:`~sqlalchemy.ext.asyncio.AsyncEngine` (named ``"default"``) or
        a dict mapping names to engines, sync and async mixed. Every metadata
        name needs an engine; engines without metadata are not migrated.
    :raises ConfigurationError: If there is no metadata, or a metadata name
        has no engine.
    """

    def __init__(self, metadatas: MetadataArg, engines: EngineArg) -> None:
        metadata_map = normalize_metadatas(metadatas)
        engine_map = normalize_engines(engines)

        if not metadata_map:
            raise ConfigurationError(
                "No metadata to migrate. Pass the MetaData of your models as"
                " 'metadatas'."
            )

        missing = [name for name in metadata_map if name not in engine_map]

        if missing:
            names = ", ".join(repr(n) for n in missing)
            known = ", ".join(repr(n) for n in engine_map) or "none"
            plural = "configs" if len(missing) > 1 else "config"
            raise ConfigurationError(
                f"Missing engine {plural} for {names}: every metadata name needs"
                f" an engine with the same name. Engines are configured for:"
                f" {known}."
            )

        self._targets = {
            name: _target(name, engine_map[name], mds)
            for name, mds in metadata_map.items()
        }
        self._multidb: bool | None = None

    def __getitem__(self, name: str) -> Target:
        return self._targets[name]

    def __iter__(self) -> t.Iterator[str]:
        return iter(self._targets)

    def __len__(self) -> int:
        return len(self._targets)

    def __repr__(self) -> str:
        return f"<Targets {list(self._targets)}>"

    @staticmethod
    def normalize_metadatas(
        value: MetadataArg | None,
    ) -> dict[str, tuple[sa.MetaData, ...]]:
        """Turn what :class:`Targets` takes as ``metadatas`` into
        ``name -> (metadata, ...)``, without needing engines: one metadata or
        a list is named ``"default"``. ``None`` gives an empty dict.

        :param value: One metadata, a list, or a dict of name to one or a list.
        :raises ConfigurationError: If a value is not metadata.

        .. versionadded:: 0.1
        """
        return normalize_metadatas(value)

    @staticmethod
    def normalize_engines(
        value: EngineArg | None,
    ) -> dict[str, sa.Engine | AsyncEngine]:
        """Turn what :class:`Targets` takes as ``engines`` into
        ``name -> engine``: one engine is named ``"default"``. ``None`` gives
        an empty dict.

        :param value: One engine, or a dict of name to engine.
        :raises ConfigurationError: If a value is not an engine.

        .. versionadded:: 0.1
        """
        return normalize_engines(value)

    @property
    def multidb(self) -> bool:
        """Whether several databases are migrated, which selects Alembic's
        ``multidb`` template.
        """
        return self._multidb if self._multidb is not None else len(self._targets) > 1

    def standing_in(self, targets: t.Iterable[Target]) -> Targets:
        """Targets holding ``targets`` instead of these, migrated as these
        are: with the ``multidb`` template if these have several databases,
        however many stand in. Snapshots replay into scratch databases so.
        """
        new = object.__new__(Targets)
        new._targets = {target.name: target for target in targets}
        new._multidb = self.multidb
        return new

    @property
    def primary(self) -> str:
        """The name of the database that single-database APIs such as
        ``current()`` answer for: ``"default"`` if configured, else the first.
        """
        if DEFAULT_NAME in self._targets:
            return DEFAULT_NAME

        return next(iter(self._targets))


def normalize_metadatas(
    value: MetadataArg | None,
) -> dict[str, tuple[sa.MetaData, ...]]:
    """Turn what users pass as ``metadatas`` into ``name -> (metadata, ...)``.

    :param value: One metadata, a list, or a dict of name to one or a list.
    """
    if value is None:
        return {}

    if isinstance(value, sa.MetaData):
        return {DEFAULT_NAME: (value,)}

    if isinstance(value, t.Mapping):
        return {
            str(name): _metadata_tuple(f"metadatas[{name!r}]", item)
            for name, item in value.items()
        }

    return {DEFAULT_NAME: _metadata_tuple("metadatas", value)}


def normalize_engines(
    value: EngineArg | None,
) -> dict[str, sa.Engine | AsyncEngine]:
    """Turn what users pass as ``engines`` into ``name -> engine``.

    :param value: One engine, or a dict of name to engine.
    """
    if value is None:
        return {}

    if isinstance(value, sa.Engine) or sync_engine(value) is not None:
        return {DEFAULT_NAME: value}  # type: ignore[dict-item]

    if isinstance(value, t.Mapping):
        result = {}

        for name, engine in value.items():
            if not isinstance(engine, sa.Engine) and sync_engine(engine) is None:
                raise ConfigurationError(
                    f"engines[{name!r}] must be an SQLAlchemy Engine or AsyncEngine,"
                    f" not {type(engine).__name__}."
                )

            result[str(name)] = engine

        return result

    raise ConfigurationError(
        "'engines' must be an SQLAlchemy Engine or a dict of name to Engine (or"
        f" AsyncEngine), not {type(value).__name__}."
    )


def _target(
    name: str, engine: sa.Engine | AsyncEngine, metadatas: tuple[sa.MetaData, ...]
) -> Target:
    inner = sync_engine(engine)

    if inner is None:
        return Target(name, t.cast(sa.Engine, engine), metadatas)

    return Target(name, inner, metadatas, t.cast("AsyncEngine", engine))


def _metadata_tuple(where: str, value: t.Any) -> tuple[sa.MetaData, ...]:
    items = (value,) if isinstance(value, sa.MetaData) else value

    if isinstance(items, (list, tuple)) and items:
        if all(isinstance(m, sa.MetaData) for m in items):
            return tuple(items)

    raise ConfigurationError(
        f"{where} must be an SQLAlchemy MetaData or a non-empty list of them,"
        f" not {value!r}."
    )


class LazyTargets:
    """Targets given as they are, or as a callable that makes them on first
    use, so that reading revisions works before the engines are known.

    :param targets: The targets, or a callable returning them.
    :param names: Returns the database names without making the targets;
        by default the names of the targets.
    """

    def __init__(
        self,
        targets: Targets | t.Callable[[], Targets],
        names: t.Callable[[], t.Sequence[str]] | None = None,
    ) -> None:
        self._targets = targets
        self._names = names
        self._lock = threading.Lock()

    def get(self) -> Targets:
        """The targets, made on the first call."""
        if not isinstance(self._targets, Targets):
            with self._lock:
                if not isinstance(self._targets, Targets):
                    self._targets = self._targets()

        return self._targets

    def names(self) -> list[str]:
        """The names of the databases, in order."""
        if self._names is not None and not isinstance(self._targets, Targets):
            return list(self._names())

        return list(self.get())
