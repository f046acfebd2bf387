"""The dialect an offline script is written with, set up as an online
connection would set it up.

Online, SQLAlchemy builds the dialect from the engine's URL (its dialect and
driver) and then asks the server its version, which decides part of what is
rendered: on a ``mysql://`` URL, whether the server is MariaDB, and so
whether ``Uuid`` becomes ``UUID`` or ``CHAR(32)``. Offline there is no
server to ask; the ``server_version`` context option says what it would
answer.
"""

from __future__ import annotations

import re
import typing as t

import sqlalchemy as sa

from .._errors import ConfigurationError
from .dialects import impl_for

if t.TYPE_CHECKING:
    from sqlalchemy.engine import Dialect

#: The context option that gives the server version for ``--sql``.
SERVER_VERSION = "server_version"

_VERSION = re.compile(r"\d+(?:\.\d+)*")


def set_server_version(dialect: Dialect, value: t.Any, database: str) -> None:
    """Set up a dialect made from a URL as the first connection to a server
    that reports this version would.

    :param dialect: The offline migration context's dialect.
    :param value: The version, as the server reports it (``SELECT
        VERSION()``, ``SHOW server_version``, ``sqlite_version()``), such as
        ``"10.11.6-MariaDB"``, ``"16.2"`` or ``"3.45.1"``.
    :param database: Name of the database, for the message.
    :raises ConfigurationError: If the value holds no version number.
    """
    found = _VERSION.search(value) if isinstance(value, str) else None
    message = (
        f"The {SERVER_VERSION!r} context option of database {database!r} is"
        f" {value!r}; give the version the server reports, such as"
        " '10.11.6-MariaDB', '8.0.36', '16.2' or '3.45.1'."
    )

    if found is None:
        raise ConfigurationError(message)

    numbers = tuple(int(n) for n in found.group().split("."))

    try:
        impl_for(dialect.name).set_server_version(dialect, value, numbers)
    except (sa.exc.InvalidRequestError, NotImplementedError) as e:
        # Such as a MySQL version on a mariadb:// URL, or a version too old.
        raise ConfigurationError(
            f"The {SERVER_VERSION!r} context option of database"
            f" {database!r} is {value!r}, which its URL's dialect refuses:"
            f" {str(e).rstrip('.')}. Give the version the server reports"
            " (SELECT VERSION())."
        ) from e
