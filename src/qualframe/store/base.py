"""The declarative base every table module of the store builds on (one metadata for all tables)."""

from __future__ import annotations

from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    pass
