"""`trustd`: serve, migrate, manage API keys, import catalogs."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import click
from tqdm import tqdm

from service.app.cli_banks import banks
from service.app.lifespan import build_state, load_components
from service.app.preflight import GENERATORS, check_prod_secrets, generated_line
from service.app.state import AppState
from service.auth import service as keys
from service.auth.service import Role
from service.kit.db import transaction
from service.kit.errors import DomainError
from service.kit.migrate import upgrade
from service.kit.settings import Settings, get_settings


def _state_for_cli(settings: Settings) -> AppState:
    upgrade(settings.database_url)
    return build_state(settings)


@click.group()
def main() -> None:
    """Trust and counterfeit-risk moderation service."""


main.add_command(banks)


@main.group()
def db() -> None:
    """Database migrations."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Apply pending migrations."""
    upgrade(get_settings().database_url)
    click.echo("database is at the latest revision", err=True)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64))
@click.option("--demo/--no-demo", default=False, help="Seed demo data and keys on first run.")
def serve(host: str, port: int, workers: int, demo: bool) -> None:
    """Apply pending migrations, then serve the API."""
    import uvicorn

    settings = get_settings()
    check_prod_secrets(settings)  # before anything else: one message naming every gap
    state = _state_for_cli(settings)
    if demo:
        _seed_demo(state)
    state.engine.dispose()
    if workers > 1:  # Prometheus needs a shared directory to sum counters across workers
        metrics_dir = settings.var_dir / "prometheus"
        shutil.rmtree(metrics_dir, ignore_errors=True)
        metrics_dir.mkdir(parents=True)
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(metrics_dir.resolve())
        os.environ["TRUST_SERVER_PROCESSES"] = str(workers)  # read by each worker's settings
    click.echo(f"serving on http://{host}:{port}  (API docs: http://{host}:{port}/docs, "
               f"moderator console: http://{host}:{port}/console)", err=True)
    uvicorn.run("service.app.factory:create_app_from_env", factory=True, host=host, port=port,
                workers=workers, log_config=None, access_log=False)


def _seed_demo(state: AppState) -> None:
    from service.auth.repository import get_meta
    from service.catalog.demo import seed_demo_catalog
    from service.listings.demo import DEMO_LISTINGS_KEY, seed_demo_listings

    with state.session_factory() as session:
        added = seed_demo_catalog(session, state.image_limits)
        if added:
            click.echo(f"demo: seeded {added} catalog products", err=True)
        listings_seeded = get_meta(session, DEMO_LISTINGS_KEY) is not None
    if not listings_seeded:  # scoring needs the models: load them once, here only
        load_components(state, runners=False)
        scored = seed_demo_listings(state, state.listings.get())
        click.echo(f"demo: scored {scored} sample listings (see GET /v1/review/queue)", err=True)
    _seed_demo_people(state)
    with state.session_factory() as session:
        if keys.list_keys(session):
            return
        created = [
            keys.create_key(session, Role.admin, "demo-admin"),
            keys.create_key(session, Role.platform, "demo-shop", platform_id="demo-shop"),
            keys.create_key(session, Role.moderator, "demo-moderator"),
            keys.create_key(session, Role.senior_moderator, "demo-senior-moderator"),
        ]
        session.commit()
    # Printed to the terminal once, never logged: the database keeps only their hashes.
    click.echo("\n  First run: demo API keys (shown once, store them now):", err=True)
    for item in created:
        click.echo(f"    {item.record.role:<16} {item.secret}", err=True)
    click.echo("", err=True)


def _seed_demo_people(state: AppState) -> None:
    """Console accounts for trying the demo, once per database; passwords printed once."""
    import secrets

    from service.console.people import create_person
    from service.console.repository import list_people

    with state.session_factory() as session:
        if list_people(session):
            return
        made = [(name, role, secrets.token_urlsafe(9)) for name, role in (
            ("demo-moderator", Role.moderator), ("demo-senior", Role.senior_moderator),
            ("demo-admin", Role.admin))]
        for name, role, password in made:
            create_person(session, name, role, password)
        session.commit()
    click.echo("\n  First run: moderator console sign-ins (shown once, store them now):", err=True)
    for name, role, password in made:
        click.echo(f"    user {name:<15} password {password}   ({role.value})", err=True)


@main.group("keys")
def keys_group() -> None:
    """API keys (stored hashed; the plain key is shown once)."""


@keys_group.command("create")
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]))
@click.option("--name", required=True)
@click.option("--platform", "platform_id", default=None, help="Tenant of a platform key "
              "(defaults to --name).")
def keys_create(role: str, name: str, platform_id: str | None) -> None:
    state = _state_for_cli(get_settings())
    with transaction(state.session_factory) as session:
        created = keys.create_key(session, role, name, platform_id)
        record = created.record
        click.echo(f"created key {record.id} ({record.role}, {record.name}"
                   f"{', platform ' + record.platform_id if record.platform_id else ''}); "
                   "it is shown once:", err=True)
    click.echo(created.secret)


@keys_group.command("list")
@click.option("--all", "include_revoked", is_flag=True, help="Include revoked keys.")
def keys_list(include_revoked: bool) -> None:
    state = _state_for_cli(get_settings())
    with state.session_factory() as session:
        rows = keys.list_keys(session, include_revoked)
    click.echo(f"{'id':>4}  {'role':<10} {'name':<24} {'platform':<16} {'prefix':<13} status")
    for r in rows:
        status = f"revoked {r.revoked_at:%Y-%m-%d}" if r.revoked_at else "active"
        click.echo(f"{r.id:>4}  {r.role:<10} {r.name:<24} {r.platform_id or '-':<16} "
                   f"{r.prefix + '…':<13} {status}")


@keys_group.command("revoke")
@click.argument("key_id", type=int)
def keys_revoke(key_id: int) -> None:
    state = _state_for_cli(get_settings())
    with transaction(state.session_factory) as session:
        record = keys.revoke_key(session, key_id, state.cache)
    click.echo(f"revoked key {record.id} ({record.name})", err=True)


@main.group("users")
def users_group() -> None:
    """Moderator console accounts (passwords stored as argon2id hashes)."""


@users_group.command("create")
@click.option("--role", required=True,
              type=click.Choice([r.value for r in (Role.moderator, Role.senior_moderator,
                                                   Role.admin)]))
@click.option("--name", "username", required=True, help="The user name to sign in with.")
@click.option("--platform", "platform_id", default=None,
              help="The platform whose items only this person sees (default: all).")
@click.option("--password-stdin", is_flag=True,
              help="Read the password from standard input instead of generating one.")
def users_create(role: str, username: str, platform_id: str | None,
                 password_stdin: bool) -> None:
    import secrets

    from service.console.people import create_person

    password = sys.stdin.readline().rstrip("\n") if password_stdin \
        else secrets.token_urlsafe(12)
    state = _state_for_cli(get_settings())
    try:
        with transaction(state.session_factory) as session:
            record = create_person(session, username, role, password, platform_id)
    except DomainError as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(f"created {record.role} {record.username}"
               f"{' of platform ' + record.platform_id if record.platform_id else ''}", err=True)
    if not password_stdin:  # printed once; only its hash is stored
        click.echo(f"password (shown once): {password}")


@main.group()
def catalog() -> None:
    """Genuine catalog."""


@catalog.command("import")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
def catalog_import(path: Path) -> None:
    """Import PATH: a folder brand/product/*.jpg (with product.json) or a CSV/JSONL manifest."""
    from service.catalog.importer import import_catalog

    state = _state_for_cli(get_settings())
    bar = tqdm(total=0, unit="img", desc="importing", file=sys.stderr)

    def on_total(total: int) -> None:
        bar.total = total
        bar.refresh()

    def advance(images: int) -> None:
        bar.update(images)

    summary = import_catalog(path, state.session_factory, state.image_limits,
                             progress=advance, on_total=on_total)
    bar.close()
    click.echo(
        f"products: {summary.products_added} added, {summary.products_existing} already present\n"
        f"images:   {summary.images_added} added, {summary.images_skipped} skipped (already "
        f"enrolled), {len(summary.rejected)} rejected", err=True)
    for source, reason in summary.rejected:
        click.echo(f"  rejected {source}: {reason}", err=True)
    for source, code in summary.warned:
        click.echo(f"  stored with warning {code} {source}: reposts of it may go unmatched "
                   "(see the upload API's warnings)", err=True)
    if summary.rejected:
        sys.exit(2)  # scripts can tell "done with rejections" from a clean run


@main.group()
def matching() -> None:
    """Catalog image matching."""


@matching.command("reindex")
def matching_reindex() -> None:
    """Recompute stored catalog evidence made by an older matching pipeline (resumable)."""
    from models.hashing.analysis import EVIDENCE_VERSION
    from service.matching.service import reindex_stale

    state = _state_for_cli(get_settings())
    bar = tqdm(total=0, unit="img", desc="re-enrolling", file=sys.stderr)

    def advance(done: int, total: int) -> None:
        bar.total = total
        bar.update(done - bar.n)

    redone = reindex_stale(state.session_factory, state.image_limits, progress=advance)
    bar.close()
    click.echo(f"re-enrolled {redone} catalog images (evidence now {EVIDENCE_VERSION})",
               err=True)


@main.group()
def export() -> None:
    """Exports for training and audits."""


@export.command("labels")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path),
              default=Path("var/datasets/moderation/labels.jsonl"), show_default=True)
def export_labels_command(out: Path) -> None:
    """Moderation decisions as labelled listings (approve -> 0, remove/counterfeit -> 1)."""
    from service.review.export import export_labels

    state = _state_for_cli(get_settings())
    with state.session_factory() as session:
        written = export_labels(session, out)
    click.echo(f"wrote {written} labelled listings to {out}", err=True)


@main.command()
@click.option("--burst", is_flag=True, help="Exit when the queue is empty.")
def worker(burst: bool) -> None:
    """Run a batch-scoring worker (needs TRUST_REDIS_URL; without Redis jobs run in the app)."""
    from service.app.worker import run_worker

    settings = get_settings()
    check_prod_secrets(settings)
    upgrade(settings.database_url)
    run_worker(settings, burst=burst)


@main.command("worker-alive")
def worker_alive() -> None:
    """Exit 0 when a `trustd worker` on this host wrote its heartbeat recently (a container
    healthcheck); 1 otherwise."""
    from service.app.healthcheck import worker_alive_here

    if not worker_alive_here(get_settings()):
        click.echo("no recent heartbeat from a worker on this host", err=True)
        sys.exit(1)


@main.group()
def secrets() -> None:
    """Secrets production needs (TRUST_ENV=prod refuses to start without them)."""


@secrets.command("generate")
@click.argument("kinds", nargs=-1, type=click.Choice(sorted(GENERATORS)))
def secrets_generate(kinds: tuple[str, ...]) -> None:
    """Print fresh secrets as NAME='value' lines for an env file (all of them by default):
    `trustd secrets generate >> .env`. Keep that file out of git and out of images."""
    for kind in kinds or sorted(GENERATORS):
        click.echo(generated_line(kind))
