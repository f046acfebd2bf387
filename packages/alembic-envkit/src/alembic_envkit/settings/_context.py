"""The options each database's migration context is configured with."""

from __future__ import annotations

import typing as t

from ._ledger import ledger_settings
from ._ledger import skip_ledger
from ._server_defaults import compare_server_default

if t.TYPE_CHECKING:
    from ._settings import Settings
    from ._targets import Target


def context_options(
    settings: Settings, target: Target, *, multidb: bool
) -> dict[str, t.Any]:
    """The options one database's migration context is configured with,
    online or offline (``--sql``): the settings' context options for that
    database and this package's defaults.

    :param settings: The environment's settings.
    :param target: The database's name, engine and metadata.
    :param multidb: Whether several databases are configured, which names
        each database's autogenerate tokens as the ``multidb`` template
        expects.
    """
    name = target.name
    dialect = target.engine.dialect.name
    opts = settings.context_options_for(name)
    opts["target_metadata"] = target.target_metadata

    if opts.get("compare_server_default") is True:
        opts["compare_server_default"] = compare_server_default

    if settings.transaction_mode_for(dialect) == "revision":
        opts.setdefault("transaction_per_migration", True)

    if dialect == "sqlite":
        # SQLite cannot ALTER most things; batch operations copy the table
        # instead, as Flask-Migrate users expect.
        opts.setdefault("render_as_batch", True)
        # Its DDL is transactional once the driver stops committing around
        # it, which the connections do for an online connection.
        opts.setdefault("transactional_ddl", True)

    ledger = ledger_settings(settings.options).table

    if ledger is not None:
        opts["include_name"] = skip_ledger(opts.get("include_name"), ledger)

    if multidb:
        opts.setdefault("upgrade_token", f"{name}_upgrades")
        opts.setdefault("downgrade_token", f"{name}_downgrades")

    return opts
