"""A small Flask app whose database is migrated with Flask-Alembic."""

import sqlalchemy as sa
from flask import Flask
from flask_sqlalchemy_lite import SQLAlchemy
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from flask_alembic import Alembic


class Model(DeclarativeBase):
    pass


class User(Model):
    __tablename__ = "user"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(80))


db = SQLAlchemy()
alembic = Alembic(metadatas=Model.metadata)


def create_app() -> Flask:
    app = Flask(__name__)
    app.config["SQLALCHEMY_ENGINES"] = {"default": "sqlite:///quickstart.sqlite"}
    db.init_app(app)
    alembic.init_app(app)
    return app
