"""The declarative base every table module of the store builds on (one metadata for all tables), and the
two time helpers they share: timestamps are stored in UTC, and SQLite hands them back without a zone."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import overload

from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    pass


def utcnow() -> datetime:
    return datetime.now(UTC)


@overload
def aware(dt: datetime) -> datetime: ...
@overload
def aware(dt: None) -> None: ...
def aware(dt: datetime | None) -> datetime | None:
    """A stored timestamp as an aware UTC datetime (SQLite drops the zone; PostgreSQL keeps it)."""
    return None if dt is None else (dt if dt.tzinfo else dt.replace(tzinfo=UTC))
