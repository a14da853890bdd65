"""Report-form tokens already spent: a token files one report, however often it is posted."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from service.kit.db import Base, UTCDateTime


class UsedFormToken(Base):
    __tablename__ = "used_form_tokens"

    token_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    # When the token would have expired anyway; the row is useless after that.
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)
