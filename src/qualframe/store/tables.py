"""Every table of the store on one metadata: import this (not a single table module) to see them all.

Alembic's environment and the schema test read `Base.metadata` from here. A new capability's table
module (like `store/accounts.py`) is imported below, and a new migration in `store/migrations/versions`
creates its tables (tests/test_store.py checks that the migrations and this metadata agree).
"""

from __future__ import annotations

from qualframe.store import accounts, assessment_requests, case_models, catalogue, credentials, models, standards
from qualframe.store.base import Base

__all__ = ["Base", "accounts", "assessment_requests", "case_models", "catalogue", "credentials", "models", "standards"]
