"""Imports every domain's tables so Base.metadata is complete (for Alembic autogenerate)."""

from service.auth import tables as auth_tables
from service.badges import tables as badges_tables
from service.banks import tables as banks_tables
from service.catalog import tables as catalog_tables
from service.console import tables as console_tables
from service.jobs import tables as jobs_tables
from service.kit.db import Base
from service.listings import tables as listings_tables
from service.matching import tables as matching_tables
from service.networks import tables as networks_tables
from service.platforms import tables as platforms_tables
from service.review import tables as review_tables
from service.sellers import tables as sellers_tables
from service.webhooks import tables as webhooks_tables

__all__ = [
    "Base", "auth_tables", "badges_tables", "banks_tables", "catalog_tables", "console_tables",
    "jobs_tables", "listings_tables", "matching_tables", "networks_tables", "platforms_tables",
    "review_tables", "sellers_tables",
    "webhooks_tables",
]
