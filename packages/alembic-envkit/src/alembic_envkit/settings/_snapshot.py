"""The snapshots' settings: where snapshot files are kept, whether
``upgrade`` loads them into empty databases, the server scratch databases
are made on, and the ``pg_dump`` client (see ``snapshot/`` and
``run/_snapshot.py``).
"""

from __future__ import annotations

import os
import typing as t
from dataclasses import dataclass

import sqlalchemy as sa

from .._errors import ConfigurationError

if t.TYPE_CHECKING:
    from ._settings import Settings

#: The folder's name under ``script_location`` when ``snapshot_location``
#: is not set.
DEFAULT_FOLDER = "snapshots"


@dataclass(frozen=True)
class SnapshotSettings:
    """The snapshot settings of an environment."""

    #: The folder snapshot files are written to and read from.
    location: str
    #: Whether ``upgrade`` loads a snapshot into an empty database.
    load: bool
    #: Server URLs for scratch databases, by database name (``None``: each
    #: database's own server).
    urls: t.Mapping[str, sa.URL]
    #: The ``pg_dump`` client.
    pg_dump: str

    def url_for(self, name: str) -> sa.URL | None:
        """The server to make database ``name``'s scratch database on, or
        ``None`` for its own.
        """
        return self.urls.get(name, self.urls.get("*"))


def snapshot_settings(settings: Settings) -> SnapshotSettings:
    """Read ``snapshot_location``, ``snapshots``, ``snapshot_url`` and
    ``snapshot_pg_dump``.

    :raises ConfigurationError: For a value of the wrong kind.
    """
    options = settings.options
    location = options.get("snapshot_location")

    if location is None:
        location = os.path.join(settings.script_location, DEFAULT_FOLDER)
    elif isinstance(location, (str, os.PathLike)):
        location = settings.resolve_path(
            os.fspath(location), setting="snapshot_location"
        )
    else:
        raise ConfigurationError(
            f"The 'snapshot_location' setting must be a path, not {location!r}."
        )

    load = options.get("snapshots", True)

    if not isinstance(load, bool):
        raise ConfigurationError(
            f"The 'snapshots' setting is {load!r}; use True (load snapshots into"
            " empty databases) or False (always replay the revisions)."
        )

    pg_dump = options.get("snapshot_pg_dump", "pg_dump")

    if not isinstance(pg_dump, str) or not pg_dump:
        raise ConfigurationError(
            f"The 'snapshot_pg_dump' setting is {pg_dump!r}; give the path of the"
            " pg_dump client."
        )

    return SnapshotSettings(location, load, _urls(options.get("snapshot_url")), pg_dump)


def _urls(value: t.Any) -> dict[str, sa.URL]:
    if value is None:
        return {}

    items = value.items() if isinstance(value, t.Mapping) else [("*", value)]
    result = {}

    for name, url in items:
        try:
            result[str(name)] = sa.make_url(url)
        except (sa.exc.ArgumentError, TypeError, ValueError) as e:
            raise ConfigurationError(
                f"The 'snapshot_url' setting has {url!r}, which is no database"
                " URL; give a server URL such as"
                " 'postgresql://user@host/postgres', or a dict of them by"
                " database name."
            ) from e

    return result
