"""All SQL for listings and their assessment versions."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.listings.tables import Listing, ListingAssessment


def find_listing(session: Session, platform_id: str, listing_id: str) -> Listing | None:
    return session.scalar(select(Listing).where(Listing.platform_id == platform_id,
                                                Listing.listing_id == listing_id))


def get_assessment(session: Session, assessment_id: int) -> ListingAssessment | None:
    return session.get(ListingAssessment, assessment_id)


def assessment_by_hash(session: Session, listing_pk: int,
                       content_hash: str) -> ListingAssessment | None:
    query = (select(ListingAssessment)
             .where(ListingAssessment.listing_pk == listing_pk,
                    ListingAssessment.content_hash == content_hash)
             .order_by(ListingAssessment.version.desc()))
    return session.scalars(query).first()


def latest_assessment(session: Session, listing_pk: int) -> ListingAssessment | None:
    query = (select(ListingAssessment).where(ListingAssessment.listing_pk == listing_pk)
             .order_by(ListingAssessment.version.desc()))
    return session.scalars(query).first()


def add(session: Session, row: Listing | ListingAssessment) -> None:
    session.add(row)
    session.flush()
