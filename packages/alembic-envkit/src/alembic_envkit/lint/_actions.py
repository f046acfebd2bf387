"""What a revision does, in one shape for the rules: each Alembic
operation, and each statement of ``op.execute`` SQL, becomes
:class:`Action` objects.
"""

from __future__ import annotations

import typing as t

from ._action import Action
from ._sql import sql_actions

if t.TYPE_CHECKING:
    from ._record import Recorded


def actions(recorded: Recorded, dialect: str) -> list[Action]:
    """The actions of one recorded operation."""
    from alembic.operations import ops  # heavy

    op = recorded.operation
    found: list[Action]

    if isinstance(op, ops.ExecuteSQLOp):
        found = _execute(op.sqltext, dialect)
    elif isinstance(op, ops.CreateTableOp):
        found = [_create_table(op)]
    elif isinstance(op, ops.DropTableOp):
        found = [Action("drop_table", op.table_name)]
    elif isinstance(op, ops.RenameTableOp):
        found = [Action("rename_table", op.table_name, detail=op.new_table_name)]
    elif isinstance(op, ops.AddColumnOp):
        found = [_add_column(op.table_name, op.column)]
    elif isinstance(op, ops.DropColumnOp):
        found = [Action("drop_column", op.table_name, column=op.column_name)]
    elif isinstance(op, ops.AlterColumnOp):
        found = _alter_column(op)
    elif isinstance(op, ops.CreateIndexOp):
        found = [_create_index(op, dialect)]
    elif isinstance(op, ops.AddConstraintOp):
        found = _add_constraint(op)
    else:
        found = []

    for action in found:
        action.line = recorded.line
        action.database = recorded.database

        if recorded.autocommit:
            action.flags.add("autocommit")

    return found


def _name(value: t.Any) -> str:
    return "" if value is None else str(value)


def _create_table(op: t.Any) -> Action:
    import sqlalchemy as sa

    action = Action("create_table", op.table_name)

    for item in op.columns:
        if isinstance(item, sa.Column):
            for fk in item.foreign_keys:
                if fk.constraint is None or fk.constraint.name is None:
                    action.unnamed.append("foreign key")
        elif isinstance(item, sa.UniqueConstraint) and item.name is None:
            action.unnamed.append("unique")
        elif isinstance(item, sa.ForeignKeyConstraint) and item.name is None:
            action.unnamed.append("foreign key")
        elif isinstance(item, sa.CheckConstraint) and item.name is None:
            action.unnamed.append("check")

    return action


def _add_column(table: str, column: t.Any) -> Action:
    action = Action("add_column", table, column=column.name)

    if not column.nullable and not column.primary_key:
        action.flags.add("not_null")

    default = column.server_default

    if default is not None:
        action.default = _default_sql(getattr(default, "arg", default))

    return action


def _default_sql(arg: t.Any) -> str:
    if isinstance(arg, str):
        return repr(arg)  # A string is a literal value.

    text = getattr(arg, "text", None)

    if isinstance(text, str):
        return text

    return str(arg)


def _condition_sql(arg: t.Any) -> str:
    if isinstance(arg, str):
        return arg  # A string is SQL here.

    text = getattr(arg, "text", None)
    return text if isinstance(text, str) else str(arg)


def _alter_column(op: t.Any) -> list[Action]:
    found = []
    table, column = op.table_name, op.column_name

    if op.modify_name is not None:
        found.append(
            Action("rename_column", table, column=column, detail=op.modify_name)
        )

    if op.modify_type is not None:
        found.append(Action("alter_type", table, column=column))

    if op.modify_nullable is False and op.existing_nullable is not False:
        found.append(Action("set_not_null", table, column=column))

    return found


def _create_index(op: t.Any, dialect: str) -> Action:
    action = Action("create_index", op.table_name, name=_name(op.index_name))
    kw = op.kw

    if kw.get("postgresql_concurrently") or kw.get("sqlite_concurrently"):
        action.flags.add("concurrently")

    if op.unique:
        action.flags.add("unique")

    return action


def _add_constraint(op: t.Any) -> list[Action]:
    from alembic.operations import ops  # heavy

    name = _name(op.constraint_name)
    kw = getattr(op, "kw", {}) or {}

    if isinstance(op, ops.CreateForeignKeyOp):
        action = Action("add_foreign_key", op.source_table, name=name)
    elif isinstance(op, ops.CreateUniqueConstraintOp):
        action = Action("add_unique", op.table_name, name=name)
    elif isinstance(op, ops.CreateCheckConstraintOp):
        condition = _condition_sql(op.condition)
        action = Action("add_check", op.table_name, name=name, detail=condition)
    elif isinstance(op, ops.CreatePrimaryKeyOp):
        action = Action("add_primary_key", op.table_name, name=name)
    else:
        return []

    if kw.get("postgresql_not_valid"):
        action.flags.add("not_valid")

    return [action]


def _execute(sqltext: t.Any, dialect: str) -> list[Action]:
    if isinstance(sqltext, str):
        return sql_actions(sqltext, dialect)

    text = getattr(sqltext, "text", None)

    if isinstance(text, str):  # sa.text()
        return sql_actions(text, dialect)

    import sqlalchemy as sa

    if isinstance(sqltext, (sa.Update, sa.Delete)):
        statement = "UPDATE" if isinstance(sqltext, sa.Update) else "DELETE"
        table = getattr(sqltext.table, "name", "")
        action = Action("data_change", table, detail=statement)

        if sqltext.whereclause is not None and _bounded_clause(sqltext.whereclause):
            action.flags.add("bounded")

        return [action]

    return []


def _bounded_clause(clause: t.Any) -> bool:
    from sqlalchemy.sql import operators

    bounding = {
        operators.lt,
        operators.le,
        operators.gt,
        operators.ge,
        operators.between_op,
        operators.in_op,
    }

    for element in _walk(clause):
        if getattr(element, "operator", None) in bounding:
            return True

        if getattr(element, "operator", None) is operators.eq:
            left = getattr(element, "left", None)

            if getattr(left, "primary_key", False):
                return True

    return False


def _walk(clause: t.Any) -> t.Iterator[t.Any]:
    from sqlalchemy.sql.visitors import iterate

    return iterate(clause)
