"""Operations run from Python outside a revision, through ``env.op`` and
``env.ops``: each one is committed as soon as it has run.

Inside a revision, Alembic's ``op`` runs in the transaction the runner
opened, which the runner commits. Outside one, nothing would: the connection
belongs to the environment's scope, whose end rolls back whatever is still
open, so an operation would be dropped without a word.
"""

from __future__ import annotations

import typing as t
from contextlib import contextmanager

from alembic.operations import Operations

if t.TYPE_CHECKING:
    from alembic.operations import BatchOperations
    from alembic.operations.ops import MigrateOperation
    from alembic.runtime.migration import MigrationContext


class CommittingOperations(Operations):
    """Alembic's :class:`~alembic.operations.Operations`, committing each
    operation, or each ``batch_alter_table`` block, when it has run. A failed
    one rolls back the transaction it began.
    """

    def invoke(self, operation: MigrateOperation) -> t.Any:
        with _committing(self.migration_context):
            return super().invoke(operation)

    @contextmanager
    def batch_alter_table(
        self, *args: t.Any, **kwargs: t.Any
    ) -> t.Iterator[BatchOperations]:
        # The block's operations are collected and run when it ends.
        with _committing(self.migration_context):
            with super().batch_alter_table(*args, **kwargs) as batch:
                yield batch


@contextmanager
def _committing(context: MigrationContext) -> t.Iterator[None]:
    connection = context.connection

    if connection is None or context.as_sql:
        yield
        return

    began = not connection.in_transaction()

    try:
        yield
    except BaseException:
        if began and connection.in_transaction():
            connection.rollback()

        raise

    # A savepoint belongs to a transaction someone else will end.
    if connection.in_transaction() and not connection.in_nested_transaction():
        connection.commit()
