"""`trustd banks export|import`: a bank as a hash list, from the command line (as an admin)."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from sqlalchemy.orm import Session, sessionmaker
from tqdm import tqdm

from service.auth.service import Principal, Role
from service.kit.db import create_db_engine, make_session_factory, utcnow
from service.kit.errors import DomainError
from service.kit.migrate import upgrade
from service.kit.settings import get_settings

OPERATOR = Principal(key_id=0, name="cli", role=Role.admin, platform_id=None)


def _session_factory() -> sessionmaker[Session]:
    settings = get_settings()
    upgrade(settings.database_url)
    return make_session_factory(create_db_engine(settings.database_url))


@click.group("banks")
def banks() -> None:
    """Known-counterfeit banks as hash lists (ThreatExchange / HMA formats)."""


@banks.command("export")
@click.argument("bank")
@click.option("--signal-type", type=click.Choice(["pdq", "phash"]), default="pdq",
              show_default=True)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True)
def banks_export(bank: str, signal_type: str, out: Path) -> None:
    """Write BANK's live entries as a ThreatExchange CLI CSV hash list to --out."""
    from service.banks.interchange import export_bank

    with _session_factory()() as session:
        try:
            data = export_bank(session, bank, signal_type, OPERATOR)
        except DomainError as exc:
            raise click.ClickException(exc.message) from exc
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(data)
    lines = data.count(b"\n") - 1
    click.echo(f"wrote {max(lines, 0)} {signal_type} signals of bank {bank!r} to {out}", err=True)


@banks.command("import")
@click.argument("bank")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def banks_import(bank: str, path: Path) -> None:
    """Bank every hash of the list at PATH into BANK (an imported list is created if new;
    a platform's id names its own bank). All or nothing."""
    from service.banks.interchange import import_bank

    data = path.read_bytes()
    bar = tqdm(total=None, unit="signal", desc="importing", file=sys.stderr)

    def advance(signals: int) -> None:
        bar.update(signals)

    with _session_factory()() as session:
        try:
            summary = import_bank(session, bank, data, OPERATOR, utcnow(), progress=advance)
        except DomainError as exc:
            bar.close()
            line = exc.details.get("line")
            raise click.ClickException(exc.message + (f" (line {line})" if line else "")) \
                from exc
    bar.close()
    click.echo(f"bank {summary.bank!r}: {summary.signals_read} signals read, "
               f"{summary.entries_added} entries and {summary.signals_added} signals added, "
               f"{summary.signals_known} already present", err=True)
