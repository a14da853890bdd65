"""Imports every domain's tables so Base.metadata is complete (for Alembic autogenerate)."""

from service.auth import tables as auth_tables
from service.catalog import tables as catalog_tables
from service.db import Base

# --- domain table modules are imported below this line ---
from service.matching import tables as matching_tables  # noqa: E402, F401  issue 3

__all__ = ["Base", "auth_tables", "catalog_tables"]
