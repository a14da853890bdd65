from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

BANK_NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:@-]{0,99}$"


class BankOut(BaseModel):
    name: str = Field(description="a platform's own bank is named by its platform id")
    kind: Literal["platform", "imported"]
    owner_platform_id: str | None = Field(description="null: a list an admin imported")
    shared: bool = Field(description="other platforms may subscribe to it")
    subscribed: bool = Field(description="the calling platform looks its listings up in it")
    entries: int = Field(description="live (not withdrawn) banked photos")


class BankList(BaseModel):
    banks: list[BankOut]


class SharingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    shared: bool = Field(description="true: other platforms may subscribe to this bank; they "
                                     "see its hashes and decision metadata, never buyer data")


class SubscriptionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    subscribed: bool = Field(description="true: look this platform's listings up in the "
                                         "(shared) bank too; false: stop")


class ImportOut(BaseModel):
    bank: str
    signals_read: int
    entries_added: int
    signals_added: int
    signals_known: int = Field(description="already in the bank (a list imported again)")
