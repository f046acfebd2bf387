"""The expand/contract recipes of docs/zero-downtime.md, run on PostgreSQL
and MariaDB: the revisions in ``tests/recipes/<recipe>`` are the files the
docs include. For each recipe, the code of the release before (the old
models) keeps working after the expand step, the new code works after the
contract step, the final schema holds what the recipe promises, and the
linter finds nothing wrong with the revisions.
"""

from __future__ import annotations

import shutil
import typing as t
from pathlib import Path

import pytest
import sqlalchemy as sa
import sqlalchemy.orm as orm

from alembic_envkit import Environment
from alembic_envkit import MigrationError

RECIPES = Path(__file__).parent.parent / "recipes"

pytestmark = pytest.mark.parametrize(
    "dialect", ["postgresql", "mariadb"], indirect=True
)

Versions: t.TypeAlias = t.Callable[..., set[str]]


@pytest.fixture
def recipe(
    tmp_path: Path, make_env: t.Callable[..., Environment], engine: sa.Engine
) -> t.Callable[[str], Environment]:
    """An environment whose migrations folder holds a recipe's revisions,
    upgraded to the recipe's ``before`` revision.
    """

    def make(name: str) -> Environment:
        env = make_env(sa.MetaData(), engine)
        shutil.copytree(
            RECIPES / name,
            tmp_path / "migrations",
            dirs_exist_ok=True,
            ignore=shutil.ignore_patterns("__pycache__"),
        )
        env.upgrade(f"{name}_before")
        return env

    return make


def _base() -> type[orm.DeclarativeBase]:
    class Base(orm.DeclarativeBase):
        pass

    return Base


def _lints_clean(env: Environment) -> dict[str, int]:
    """Assert that the linter finds nothing in the recipe's revisions for
    the database's dialect; return how many findings each allowance in
    them silenced, by rule.
    """
    (report,) = env.lint(every=True).values()
    assert report.revisions == 3
    assert report.findings == [], report.text()
    return {s.rule: n for s, n in zip(report.suppressions, report.used, strict=True)}


def _display_name_models() -> tuple[type[t.Any], type[t.Any]]:
    class Old(_base()):  # type: ignore[misc]
        __tablename__ = "account"
        id = orm.mapped_column(sa.Integer, primary_key=True)
        email = orm.mapped_column(sa.String(200), nullable=False)

    class New(_base()):  # type: ignore[misc]
        __tablename__ = "account"
        id = orm.mapped_column(sa.Integer, primary_key=True)
        email = orm.mapped_column(sa.String(200), nullable=False)
        display_name = orm.mapped_column(sa.String(200), nullable=False)

    return Old, New


def test_add_not_null(
    recipe: t.Callable[[str], Environment],
    engine: sa.Engine,
    versions: Versions,
) -> None:
    """Adding a NOT NULL column: after expand the old code inserts rows
    without it and the new code writes it; the contract step fills the old
    rows and makes the column NOT NULL.
    """
    Old, New = _display_name_models()
    env = recipe("add_not_null")

    with orm.Session(engine) as session:
        session.add_all([Old(email="ada@example.com"), Old(email="bob@example.com")])
        session.commit()

    env.upgrade(phase="expand")
    assert versions(engine) == {"add_not_null_expand"}

    with orm.Session(engine) as session:
        session.add(Old(email="cy@example.com"))
        session.commit()
        session.add(New(email="di@example.com", display_name="Di"))
        session.commit()
        emails = session.scalars(sa.select(Old.email).order_by(Old.id)).all()
        assert emails == [
            "ada@example.com",
            "bob@example.com",
            "cy@example.com",
            "di@example.com",
        ]

    env.upgrade()
    assert versions(engine) == {"add_not_null_contract"}

    with orm.Session(engine) as session:
        session.add(New(email="ed@example.com", display_name="Ed"))
        session.commit()
        names = session.scalars(sa.select(New.display_name).order_by(New.id)).all()
        assert names == [
            "ada@example.com",
            "bob@example.com",
            "cy@example.com",
            "Di",
            "Ed",
        ]

    (column,) = [
        c
        for c in sa.inspect(engine).get_columns("account")
        if c["name"] == "display_name"
    ]
    assert column["nullable"] is False
    assert sa.inspect(engine).get_check_constraints("account") == []

    with pytest.raises(sa.exc.IntegrityError, match="display_name"):
        with engine.begin() as conn:
            conn.execute(
                sa.text(
                    "INSERT INTO account (email, display_name)"
                    " VALUES ('old@example.com', NULL)"
                )
            )

    _lints_clean(env)


def _column_names(engine: sa.Engine, table: str = "account") -> set[str]:
    return {c["name"] for c in sa.inspect(engine).get_columns(table)}


def test_rename_column(
    recipe: t.Callable[[str], Environment],
    engine: sa.Engine,
    versions: Versions,
) -> None:
    """Renaming a column: after expand the old code writes ``name``, the new
    code ``full_name``, and each reads what the other wrote; the contract
    step drops ``name``.
    """

    class Old(_base()):  # type: ignore[misc]
        __tablename__ = "account"
        id = orm.mapped_column(sa.Integer, primary_key=True)
        name = orm.mapped_column(sa.String(100))

    class New(_base()):  # type: ignore[misc]
        __tablename__ = "account"
        id = orm.mapped_column(sa.Integer, primary_key=True)
        full_name = orm.mapped_column(sa.String(100))

    env = recipe("rename_column")

    with orm.Session(engine) as session:
        session.add_all([Old(id=1, name="Ada"), Old(id=2, name="Bob")])
        session.commit()

    env.upgrade(phase="expand")
    assert versions(engine) == {"rename_column_expand"}

    with orm.Session(engine) as session:
        session.add(Old(id=3, name="Cy"))
        session.add(New(id=4, full_name="Di"))
        session.commit()
        session.get_one(Old, 1).name = "Ada L."
        session.get_one(New, 2).full_name = "Bob M."
        session.commit()

    with orm.Session(engine) as session:
        old = dict(session.execute(sa.select(Old.id, Old.name)).all())
        new = dict(session.execute(sa.select(New.id, New.full_name)).all())

    expected = {1: "Ada L.", 2: "Bob M.", 3: "Cy", 4: "Di"}
    assert old == expected
    assert new == expected

    env.upgrade()
    assert versions(engine) == {"rename_column_contract"}
    assert _column_names(engine) == {"id", "full_name"}

    with orm.Session(engine) as session:
        session.add(New(id=5, full_name="Ed"))
        session.commit()
        new = dict(session.execute(sa.select(New.id, New.full_name)).all())

    assert new == {**expected, 5: "Ed"}
    _lints_clean(env)


def test_drop_column(
    recipe: t.Callable[[str], Environment],
    engine: sa.Engine,
    versions: Versions,
) -> None:
    """Dropping a column: after expand the old code still writes and reads
    ``legacy_code`` and the new code inserts rows without it; the contract
    step drops it.
    """

    class Old(_base()):  # type: ignore[misc]
        __tablename__ = "account"
        id = orm.mapped_column(sa.Integer, primary_key=True)
        email = orm.mapped_column(sa.String(200), nullable=False)
        legacy_code = orm.mapped_column(sa.String(20), nullable=False)

    class New(_base()):  # type: ignore[misc]
        __tablename__ = "account"
        id = orm.mapped_column(sa.Integer, primary_key=True)
        email = orm.mapped_column(sa.String(200), nullable=False)

    env = recipe("drop_column")

    with orm.Session(engine) as session:
        session.add(Old(id=1, email="ada@example.com", legacy_code="A1"))
        session.commit()

    env.upgrade(phase="expand")
    assert versions(engine) == {"drop_column_expand"}

    with orm.Session(engine) as session:
        session.add(Old(id=2, email="bob@example.com", legacy_code="B2"))
        session.add(New(id=3, email="cy@example.com"))
        session.commit()
        codes = session.execute(sa.select(Old.id, Old.legacy_code)).all()
        assert sorted(codes) == [(1, "A1"), (2, "B2"), (3, None)]

    env.upgrade()
    assert versions(engine) == {"drop_column_contract"}
    assert _column_names(engine) == {"id", "email"}

    with orm.Session(engine) as session:
        session.add(New(id=4, email="di@example.com"))
        session.commit()
        emails = session.scalars(sa.select(New.email).order_by(New.id)).all()

    assert emails == [
        "ada@example.com",
        "bob@example.com",
        "cy@example.com",
        "di@example.com",
    ]
    _lints_clean(env)


def test_change_type(
    recipe: t.Callable[[str], Environment],
    engine: sa.Engine,
    versions: Versions,
) -> None:
    """Changing a column's type: after expand the old code writes the
    INTEGER ``balance``, the new code the BIGINT ``balance_big`` (mapped to
    its attribute ``balance``), and each reads what the other wrote; after
    the contract step a balance past the INTEGER range is stored.
    """

    class Old(_base()):  # type: ignore[misc]
        __tablename__ = "account"
        id = orm.mapped_column(sa.Integer, primary_key=True)
        balance = orm.mapped_column(sa.Integer)

    class New(_base()):  # type: ignore[misc]
        __tablename__ = "account"
        id = orm.mapped_column(sa.Integer, primary_key=True)
        balance = orm.mapped_column("balance_big", sa.BigInteger)

    env = recipe("change_type")

    with orm.Session(engine) as session:
        session.add_all([Old(id=1, balance=10), Old(id=2, balance=20)])
        session.commit()

    env.upgrade(phase="expand")
    assert versions(engine) == {"change_type_expand"}

    with orm.Session(engine) as session:
        session.add(Old(id=3, balance=30))
        session.add(New(id=4, balance=40))
        session.commit()
        session.get_one(Old, 1).balance = 11
        session.get_one(New, 2).balance = 22
        session.commit()

    with orm.Session(engine) as session:
        old = dict(session.execute(sa.select(Old.id, Old.balance)).all())
        new = dict(session.execute(sa.select(New.id, New.balance)).all())

    expected = {1: 11, 2: 22, 3: 30, 4: 40}
    assert old == expected
    assert new == expected

    env.upgrade()
    assert versions(engine) == {"change_type_contract"}
    columns = {c["name"]: c["type"] for c in sa.inspect(engine).get_columns("account")}
    assert set(columns) == {"id", "balance_big"}
    assert isinstance(columns["balance_big"], sa.BigInteger)

    with orm.Session(engine) as session:
        session.add(New(id=5, balance=2**40))
        session.commit()
        assert session.get_one(New, 5).balance == 2**40

    _lints_clean(env)


def _invoice_models() -> tuple[type[t.Any], type[t.Any]]:
    Base = _base()

    class Customer(Base):  # type: ignore[misc,valid-type]
        __tablename__ = "customer"
        id = orm.mapped_column(sa.Integer, primary_key=True)

    class Invoice(Base):  # type: ignore[misc,valid-type]
        __tablename__ = "invoice"
        id = orm.mapped_column(sa.Integer, primary_key=True)
        customer_id = orm.mapped_column(sa.Integer)

    return Customer, Invoice


def test_foreign_key(
    recipe: t.Callable[[str], Environment],
    engine: sa.Engine,
    versions: Versions,
    dialect: str,
) -> None:
    """A foreign key: after expand the old code writes invoices as before;
    after the contract step the key exists, is validated, and refuses an
    invoice of a missing customer.
    """
    Customer, Invoice = _invoice_models()
    env = recipe("foreign_key")

    with orm.Session(engine) as session:
        session.add_all([Customer(id=1), Customer(id=2)])
        session.add_all([Invoice(id=1, customer_id=1), Invoice(id=2, customer_id=None)])
        session.commit()

    env.upgrade(phase="expand")
    assert versions(engine) == {"foreign_key_expand"}
    indexes = sa.inspect(engine).get_indexes("invoice")
    assert [i["column_names"] for i in indexes] == [["customer_id"]]

    with orm.Session(engine) as session:
        session.add(Invoice(id=3, customer_id=2))
        session.commit()
        assert session.scalars(sa.select(Invoice.id)).all() == [1, 2, 3]

    env.upgrade()
    assert versions(engine) == {"foreign_key_contract"}
    (key,) = sa.inspect(engine).get_foreign_keys("invoice")
    assert key["name"] == "fk_invoice_customer"
    assert key["constrained_columns"] == ["customer_id"]

    if dialect == "postgresql":
        with engine.connect() as conn:
            validated = conn.scalar(
                sa.text(
                    "SELECT convalidated FROM pg_constraint"
                    " WHERE conname = 'fk_invoice_customer'"
                )
            )
        assert validated is True

    with orm.Session(engine) as session:
        session.add(Invoice(id=4, customer_id=1))
        session.commit()

    with pytest.raises(sa.exc.IntegrityError, match="fk_invoice_customer"):
        with orm.Session(engine) as session:
            session.add(Invoice(id=5, customer_id=99))
            session.commit()

    # MariaDB's check is a compound statement the linter can't read.
    allowed = _lints_clean(env)
    assert allowed == {"unreadable-sql": 0 if dialect == "postgresql" else 1}


def test_foreign_key_refuses_missing_rows(
    recipe: t.Callable[[str], Environment],
    engine: sa.Engine,
    versions: Versions,
    dialect: str,
) -> None:
    """An invoice of a missing customer written before the expand step stops
    the contract step, which adds no key, with the database's reason.
    """
    Customer, Invoice = _invoice_models()
    env = recipe("foreign_key")

    with orm.Session(engine) as session:
        session.add(Customer(id=1))
        session.add_all([Invoice(id=1, customer_id=1), Invoice(id=2, customer_id=7)])
        session.commit()

    env.upgrade(phase="expand")
    reason = "fk_invoice_customer" if dialect == "postgresql" else "missing customer"

    with pytest.raises(MigrationError, match=reason):
        env.upgrade()

    assert versions(engine) == {"foreign_key_expand"}

    if dialect == "postgresql":
        with engine.connect() as conn:
            validated = conn.scalar(
                sa.text(
                    "SELECT convalidated FROM pg_constraint"
                    " WHERE conname = 'fk_invoice_customer'"
                )
            )
        assert validated is False
    else:
        assert sa.inspect(engine).get_foreign_keys("invoice") == []


def test_unique_index(
    recipe: t.Callable[[str], Environment],
    engine: sa.Engine,
    versions: Versions,
) -> None:
    """A unique index built online: after expand the old code writes
    accounts as before and a duplicate email is refused; after the contract
    step the unique constraint is there.
    """

    class Account(_base()):  # type: ignore[misc]
        __tablename__ = "account"
        id = orm.mapped_column(sa.Integer, primary_key=True)
        email = orm.mapped_column(sa.String(200), nullable=False)

    env = recipe("unique_index")

    with orm.Session(engine) as session:
        session.add_all([Account(id=1, email="ada@example.com")])
        session.commit()

    env.upgrade(phase="expand")
    assert versions(engine) == {"unique_index_expand"}

    with orm.Session(engine) as session:
        session.add(Account(id=2, email="bob@example.com"))
        session.commit()

    with pytest.raises(sa.exc.IntegrityError, match="uq_account_email"):
        with orm.Session(engine) as session:
            session.add(Account(id=3, email="ada@example.com"))
            session.commit()

    env.upgrade()
    assert versions(engine) == {"unique_index_contract"}
    (unique,) = sa.inspect(engine).get_unique_constraints("account")
    assert unique["name"] == "uq_account_email"
    assert unique["column_names"] == ["email"]

    with pytest.raises(sa.exc.IntegrityError, match="uq_account_email"):
        with orm.Session(engine) as session:
            session.add(Account(id=4, email="bob@example.com"))
            session.commit()

    _lints_clean(env)


def test_batches_in_sql_script(
    recipe: t.Callable[[str], Environment], dialect: str
) -> None:
    """An SQL script of a recipe holds its backfill as one bounded batch,
    outside the migration's transaction, and the dialect's way to set NOT
    NULL; the expand script holds neither.
    """
    env = recipe("add_not_null")
    (script,) = env.upgrade_sql().values()
    (expand,) = env.upgrade_sql(phase="expand").values()

    assert "LIMIT 1000" in script
    assert "LIMIT" not in expand

    if dialect == "postgresql":
        assert "VALIDATE CONSTRAINT ck_account_display_name" in script
        assert "SET NOT NULL" in script
    else:
        assert "ALGORITHM=INPLACE, LOCK=NONE" in script
