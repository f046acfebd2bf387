"""Adapters that take engines and metadata from a Flask SQLAlchemy extension.

Adapters live in their own packages and declare themselves in the
``flask_alembic.adapters`` entry-point group. They are loaded once, the first
time an app needs one.
"""

from __future__ import annotations

import threading
import typing as t
from importlib.metadata import entry_points

import sqlalchemy as sa

from alembic_envkit import ConfigurationError
from alembic_envkit import EngineArg
from alembic_envkit import MetadataArg

GROUP = "flask_alembic.adapters"

#: Extension module prefixes and the extra that provides their adapter.
_EXTRAS = {
    "flask_sqlalchemy_lite": "flask-alembic[lite]",
    "flask_sqlalchemy": "flask-alembic[fsa]",
}


@t.runtime_checkable
class SQLAlchemyAdapter(t.Protocol):
    """Takes engines and metadata from one kind of Flask SQLAlchemy extension
    (the object in ``app.extensions["sqlalchemy"]``). The methods are called
    in an app context.
    """

    def supports(self, extension: object) -> bool:
        """Whether this adapter handles the extension. Match its class with
        ``isinstance``.
        """
        ...

    def metadatas(self, extension: t.Any) -> MetadataArg | None:
        """The metadata to migrate when none was passed to ``Alembic``, or
        ``None`` if the extension does not manage metadata.
        """
        ...

    def engines(self, extension: t.Any) -> EngineArg:
        """The engines, keyed by the names metadata uses (``"default"`` for the
        default engine).
        """
        ...

    def bind_metadatas(self, extension: t.Any) -> dict[str, sa.MetaData]:
        """The metadata the extension keeps for each of its databases, keyed
        like :meth:`engines`; empty if it keeps none. Used only to warn when
        one of them holds tables that no configured database migrates.

        .. versionadded:: 4.0
        """
        ...


_adapters: dict[str, SQLAlchemyAdapter] | None = None
_lock = threading.Lock()


def load_adapters() -> dict[str, SQLAlchemyAdapter]:
    """The installed adapters by entry-point name, loaded once.

    :raises ConfigurationError: If two installed packages declare the same
        adapter name, or an adapter does not load.
    """
    global _adapters

    with _lock:
        if _adapters is None:
            found: dict[str, SQLAlchemyAdapter] = {}
            values: dict[str, str] = {}

            for ep in entry_points(group=GROUP):
                if ep.name in values:
                    if values[ep.name] == ep.value:
                        continue  # The same distribution seen twice on sys.path.

                    raise ConfigurationError(
                        f"Two packages declare the Flask-Alembic adapter {ep.name!r}:"
                        f" {values[ep.name]} and {ep.value}. Uninstall one."
                    )

                try:
                    adapter = ep.load()()
                except Exception as e:
                    raise ConfigurationError(
                        f"The Flask-Alembic adapter {ep.name!r} ({ep.value}) failed"
                        f" to load: {e}"
                    ) from e

                values[ep.name] = ep.value
                found[ep.name] = adapter

            _adapters = found

        return _adapters


def find_adapter(extension: object) -> SQLAlchemyAdapter:
    """The adapter for an extension object.

    :param extension: The value of ``app.extensions["sqlalchemy"]``.
    :raises ConfigurationError: If no installed adapter supports it; the
        message names the extra to install.
    """
    for adapter in load_adapters().values():
        if adapter.supports(extension):
            return adapter

    module = type(extension).__module__
    extra = next((x for m, x in _EXTRAS.items() if module.startswith(m)), None)
    hint = f"Install {extra!r}" if extra else "Install an adapter package for it"
    raise ConfigurationError(
        f"No Flask-Alembic adapter supports {type(extension).__qualname__} from"
        f" {module!r}. {hint}, or pass 'metadatas' and 'engines' to Alembic."
    )
