"""The transactions around a run: ending what a run leaves open, and
committing several databases with a two-phase commit.
"""

from __future__ import annotations

import logging
import typing as t
from contextlib import contextmanager

import sqlalchemy as sa

from .._alembic import set_external_transaction

if t.TYPE_CHECKING:
    from alembic.runtime.environment import EnvironmentContext
    from alembic.runtime.migration import MigrationContext

logger = logging.getLogger("alembic_envkit")


def leftover_ender(
    contexts: t.Iterable[EnvironmentContext], mutate: bool
) -> t.Callable[..., None]:
    """An exit callback ending a transaction left open on a connection once
    the run's own have ended. With a transaction per revision (and where DDL
    is not transactional) there is no transaction around the run, and what
    runs between revisions, such as reading or creating the version table,
    begins one that nothing ends; on SQLite an open read would keep other
    connections from writing. A run that may change the database commits
    it, any other rolls it back.
    """
    contexts = list(contexts)

    def end(exc_type: type[BaseException] | None, *exc: t.Any) -> None:
        commit = mutate and exc_type is None

        for env_ctx in contexts:
            context = env_ctx.get_context()
            connection = context.connection

            if context.as_sql or connection is None:
                continue  # Offline: no real connection.

            if not connection.in_transaction():
                continue

            try:
                if commit:
                    connection.commit()
                else:
                    connection.rollback()
            except sa.exc.SQLAlchemyError:
                if commit:
                    raise

                logger.exception("Ending a transaction after a failed run failed")

    return end


@contextmanager
def two_phase_commit(contexts: list[MigrationContext]) -> t.Iterator[None]:
    """One prepared transaction per database: all are prepared before any
    commits, and a failure anywhere rolls every one back.
    """
    transactions: list[sa.TwoPhaseTransaction] = []

    try:
        for context in contexts:
            connection = context.connection
            assert connection is not None

            if connection.in_transaction():
                connection.rollback()

            transactions.append(connection.begin_twophase())
            set_external_transaction(context, True)

        yield

        for transaction in transactions:
            transaction.prepare()

        for transaction in transactions:
            transaction.commit()
    except BaseException:
        for transaction in transactions:
            if transaction.is_active:
                try:
                    transaction.rollback()
                except sa.exc.SQLAlchemyError:
                    logger.exception("Rolling back a prepared transaction failed")

        raise
    finally:
        for context in contexts:
            set_external_transaction(context, False)
