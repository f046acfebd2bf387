"""Reading the SQL of ``op.execute`` with sqlglot, for the dialect: each
statement becomes the actions an Alembic operation would have made, so the
same rules see a raw ``ALTER TABLE ... DROP COLUMN`` as a drop. SQL sqlglot
can't read becomes an ``unreadable_sql`` action, never an error.
"""

from __future__ import annotations

import re
import typing as t

from ._sql_commands import command_actions
from ._sql_commands import is_routine
from ._sql_commands import short

if t.TYPE_CHECKING:
    from sqlglot import exp

    from ._action import Action

#: sqlglot's names of the dialects.
_READ = {"postgresql": "postgres", "mysql": "mysql", "mariadb": "mysql"}


def sql_actions(sql: str, dialect: str) -> list[Action]:
    """The actions of the statements in ``sql``.

    :param sql: One or more statements.
    :param dialect: A SQLAlchemy dialect name.
    """
    import sqlglot  # heavy
    from sqlglot import exp

    from ._action import Action

    if is_routine(sql):
        return []

    try:
        statements = sqlglot.parse(sql, read=_READ.get(dialect, dialect))
    except sqlglot.errors.SqlglotError as e:
        reason = str(e).splitlines()[0] if str(e) else type(e).__name__
        return [Action("unreadable_sql", detail=short(reason))]

    found: list[Action] = []

    for statement in statements:
        if statement is None:
            continue

        if isinstance(statement, exp.Command):
            found.extend(
                command_actions(statement.sql(dialect=_READ.get(dialect, dialect)))
            )
        elif isinstance(statement, _statements()):
            found.extend(_statement(statement, _READ.get(dialect, dialect)))
        else:  # An expression, not a statement: a typo sqlglot forgave.
            found.append(
                Action("unreadable_sql", detail=f"not a statement: {short(sql)}")
            )

    return found


def _statements() -> tuple[type[exp.Expression], ...]:
    from sqlglot import exp

    names = (
        "Query Insert Update Delete Merge Create Drop Alter Set Transaction"
        " Commit Rollback Pragma Use Comment Grant Revoke Analyze TruncateTable"
    )
    found = (getattr(exp, name, None) for name in names.split())
    return tuple(c for c in found if isinstance(c, type))


def _table(node: exp.Expression | None) -> str:
    from sqlglot import exp

    if isinstance(node, exp.Table):
        return node.name

    table = node.find(exp.Table) if node is not None else None
    return table.name if table is not None else ""


def _statement(statement: exp.Expression, read: str) -> list[Action]:
    from sqlglot import exp

    from ._action import Action

    if isinstance(statement, exp.Drop):
        kind = str(statement.args.get("kind") or "").upper()

        if kind == "TABLE":
            return [
                Action("drop_table", table.name)
                for table in statement.args.get("tables") or [statement.this]
                if isinstance(table, exp.Table)
            ]

        return []

    if isinstance(statement, exp.Create):
        return _create(statement)

    if isinstance(statement, exp.Alter):
        return _alter(statement, read)

    if isinstance(statement, (exp.Update, exp.Delete)):
        name = "UPDATE" if isinstance(statement, exp.Update) else "DELETE"
        action = Action("data_change", _table(statement.this), detail=name)

        if _bounded(statement):
            action.flags.add("bounded")

        return [action]

    return []


def _create(statement: exp.Create) -> list[Action]:
    from sqlglot import exp

    from ._action import Action

    kind = str(statement.args.get("kind") or "").upper()

    if kind == "TABLE":
        action = Action("create_table", _table(statement.this))

        for constraint in statement.find_all(exp.UniqueColumnConstraint):
            if not isinstance(constraint.parent, exp.Constraint):
                action.unnamed.append("unique")

        return [action]

    if kind == "INDEX" and isinstance(statement.this, exp.Index):
        index = statement.this
        action = Action("create_index", _table(index.args.get("table")))
        action.name = index.name

        if statement.args.get("concurrently"):
            action.flags.add("concurrently")

        if statement.args.get("unique"):
            action.flags.add("unique")

        return [action]

    return []


def _alter(statement: exp.Alter, read: str) -> list[Action]:
    from sqlglot import exp

    from ._action import Action

    if str(statement.args.get("kind") or "TABLE").upper() != "TABLE":
        return []  # ALTER INDEX, ALTER VIEW...

    table = _table(statement.this)
    options = " ".join(o.sql() for o in statement.args.get("options") or [])
    # ALGORITHM and LOCK bind the whole statement: with LOCK=NONE, MariaDB
    # refuses what it can't do without blocking writes.
    online = bool(
        re.search(r"ALGORITHM\s*=\s*(INPLACE|INSTANT|NOCOPY)", options, re.I)
        and re.search(r"LOCK\s*=\s*NONE", options, re.I)
    )
    found: list[Action] = []

    for action in statement.args.get("actions") or []:
        if isinstance(action, exp.Drop):
            kind = str(action.args.get("kind") or "").upper()

            for column in action.args.get("tables") or []:
                if kind == "COLUMN" or isinstance(column, exp.Column):
                    found.append(Action("drop_column", table, column=column.name))
        elif isinstance(action, exp.RenameColumn):
            to = action.args.get("to")
            found.append(
                Action(
                    "rename_column",
                    table,
                    column=action.this.name,
                    detail=to.name if to is not None else "",
                )
            )
        elif isinstance(action, exp.AlterRename):
            found.append(Action("rename_table", table, detail=action.this.name))
        elif isinstance(action, exp.AlterColumn):
            found.extend(_alter_column(table, action))
        elif isinstance(action, exp.ModifyColumn):
            found.extend(_modify_column(table, action))
        elif isinstance(action, exp.ColumnDef):
            found.append(_add_column(table, action, read))
        elif isinstance(action, exp.AddConstraint):
            found.extend(_add_constraint(table, action, read))

    for each in found:
        if online:
            each.flags.add("online")

        if statement.args.get("not_valid"):
            each.flags.add("not_valid")

    return found


def _alter_column(table: str, action: exp.AlterColumn) -> list[Action]:
    from ._action import Action

    column = action.this.name
    found = []

    if action.args.get("dtype") is not None:
        found.append(Action("alter_type", table, column=column))

    if action.args.get("allow_null") is False:
        found.append(Action("set_not_null", table, column=column))

    return found


def _modify_column(table: str, action: exp.Expression) -> list[Action]:
    from sqlglot import exp

    from ._action import Action

    definition = action.this
    found = []
    renamed = action.args.get("rename_from")
    name = definition.name

    if renamed is not None and renamed.name.lower() != name.lower():
        found.append(Action("rename_column", table, column=renamed.name, detail=name))

    column = renamed.name if renamed is not None else name
    # MODIFY restates the whole column: the type may or may not change, and
    # NOT NULL is set if stated. Both rebuild the table on MariaDB.
    found.append(Action("alter_type", table, column=column))

    if definition.find(exp.NotNullColumnConstraint) is not None:
        found.append(Action("set_not_null", table, column=column))

    return found


def _add_column(table: str, definition: exp.ColumnDef, read: str) -> Action:
    from sqlglot import exp

    from ._action import Action

    action = Action("add_column", table, column=definition.name)
    constraints = definition.args.get("constraints") or []

    for constraint in constraints:
        kind = constraint.args.get("kind")

        if isinstance(kind, exp.NotNullColumnConstraint) and not kind.args.get(
            "allow_null"
        ):
            action.flags.add("not_null")
        elif isinstance(kind, exp.DefaultColumnConstraint):
            action.default = kind.this.sql(read) if kind.this is not None else ""
        elif isinstance(kind, exp.PrimaryKeyColumnConstraint):
            action.flags.discard("not_null")

    return action


def _add_constraint(table: str, action: exp.AddConstraint, read: str) -> list[Action]:
    from sqlglot import exp

    from ._action import Action

    found = []

    for item in action.expressions:
        name = item.name if isinstance(item, exp.Constraint) else ""
        inner = item.expressions[0] if isinstance(item, exp.Constraint) else item

        if isinstance(inner, exp.ForeignKey):
            found.append(Action("add_foreign_key", table, name=name))
        elif isinstance(inner, exp.UniqueColumnConstraint):
            # MariaDB's ADD UNIQUE [INDEX|KEY] name (col) names it inside.
            index = inner.this
            if not name and isinstance(index, exp.Schema) and index.this is not None:
                name = index.this.name

            found.append(Action("add_unique", table, name=name))
        elif isinstance(inner, exp.CheckColumnConstraint):
            condition = inner.this.sql(read) if inner.this is not None else ""
            found.append(Action("add_check", table, name=name, detail=condition))
        elif isinstance(inner, exp.IndexColumnConstraint):
            found.append(Action("create_index", table, name=inner.name))
        elif isinstance(inner, exp.PrimaryKey):
            found.append(Action("add_primary_key", table, name=name))

    return found


def _bounded(statement: exp.Expression) -> bool:
    """Whether an UPDATE or DELETE touches a bounded set of rows: a LIMIT,
    a range (``<``, ``BETWEEN``), an ``IN`` list, or one ``id``.
    """
    from sqlglot import exp

    if statement.args.get("limit") is not None:
        return True

    where = statement.args.get("where")

    if where is None:
        return False

    ranges = (exp.LT, exp.LTE, exp.GT, exp.GTE, exp.Between, exp.In)

    if where.find(*ranges) is not None:
        return True

    return any(
        isinstance(eq.this, exp.Column) and eq.this.name.lower() == "id"
        for eq in where.find_all(exp.EQ)
    )
