"""All SQL for console people and sessions."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from service.console.tables import ConsolePerson, ConsoleSession


def add_person(session: Session, person: ConsolePerson) -> ConsolePerson:
    session.add(person)
    session.flush()
    return person


def person_by_name(session: Session, username: str) -> ConsolePerson | None:
    return session.scalar(select(ConsolePerson).where(
        func.lower(ConsolePerson.username) == username.lower()))


def get_person(session: Session, person_id: int) -> ConsolePerson | None:
    return session.get(ConsolePerson, person_id)


def list_people(session: Session) -> list[ConsolePerson]:
    return list(session.scalars(select(ConsolePerson).order_by(ConsolePerson.id)))


def add_session(session: Session, record: ConsoleSession) -> None:
    session.add(record)
    session.flush()


def session_by_hash(session: Session, token_hash: str) -> ConsoleSession | None:
    return session.scalar(select(ConsoleSession).where(ConsoleSession.token_hash == token_hash))


def delete_session(session: Session, token_hash: str) -> None:
    session.execute(delete(ConsoleSession).where(ConsoleSession.token_hash == token_hash))


def delete_sessions_of(session: Session, person_id: int) -> None:
    session.execute(delete(ConsoleSession).where(ConsoleSession.person_id == person_id))


def delete_stale_sessions(session: Session, seen_before: dt.datetime) -> None:
    session.execute(delete(ConsoleSession).where(ConsoleSession.last_seen_at < seen_before))
