"""Stored catalog evidence made by an older pipeline is recomputed, at start-up or by CLI."""

from __future__ import annotations

from click.testing import CliRunner
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from models.hashing import colour
from models.hashing.analysis import EVIDENCE_VERSION
from service.app.cli import main as cli
from service.app.factory import create_app
from service.kit.settings import Settings
from service.matching import repository
from service.matching.tables import MatchingFeatures, MatchingHash


def _age_evidence(client: TestClient, image_id: int) -> str:
    """Make one image's evidence look computed by version h1 with a wrong hash; return it."""
    factory = client.app.state.trust.session_factory  # type: ignore[attr-defined]
    with factory() as session:
        session.execute(update(MatchingFeatures).where(MatchingFeatures.image_id == image_id)
                        .values(evidence_version="h1.l1"))
        session.execute(update(MatchingHash).where(MatchingHash.image_id == image_id)
                        .values(phash="0" * 16))
        session.commit()
    return "0" * 16


def _evidence(settings, image_id: int) -> tuple[set[str], set[str]]:
    app = create_app(settings, load_in_background=False)
    with TestClient(app), app.state.trust.session_factory() as session:
        versions = set(session.scalars(select(MatchingFeatures.evidence_version)
                                       .where(MatchingFeatures.image_id == image_id)))
        phashes = set(session.scalars(select(MatchingHash.phash)
                                      .where(MatchingHash.image_id == image_id)))
    return versions, phashes


def test_enrolled_evidence_names_the_current_version(client, enrol, genuine, settings) -> None:
    _, image_id = enrol(genuine[0])
    versions, phashes = _evidence(settings, image_id)
    assert versions == {EVIDENCE_VERSION}
    assert len(phashes) > 10


def test_colour_layouts_are_stored_as_hex_on_whole_photo_views(client, enrol, genuine,
                                                               settings) -> None:
    _, image_id = enrol(genuine[0])
    app = create_app(settings, load_in_background=False)
    with TestClient(app), app.state.trust.session_factory() as session:
        rows = session.execute(select(MatchingHash.view, MatchingHash.colour)
                               .where(MatchingHash.image_id == image_id)).all()
        stored = repository.hashes_of(session, [image_id])[image_id]
    with_colour = {view: value for view, value in rows if value is not None}
    assert set(with_colour) == set(colour.VIEWS)
    assert all(len(value) == 2 * colour.LAYOUT_BYTES and bytes.fromhex(value)
               for value in with_colour.values())
    # Read back as the bytes the matcher compares.
    assert {h.name: h.colour.hex() for h in stored if h.colour} == with_colour


def test_startup_recomputes_stale_evidence_and_the_image_matches_again(
        client, api_keys, enrol, genuine, settings) -> None:
    product_id, image_id = enrol(genuine[0])
    stale = _age_evidence(client, image_id)
    app = create_app(settings, load_in_background=False)
    with TestClient(app) as fresh:
        with app.state.trust.session_factory() as session:
            row = session.get(MatchingFeatures, image_id)
            assert row is not None and row.evidence_version == EVIDENCE_VERSION
            phashes = set(session.scalars(select(MatchingHash.phash)
                                          .where(MatchingHash.image_id == image_id)))
        assert stale not in phashes
        from tests.service.matching.test_match_api import match
        [result] = match(fresh, api_keys.platform, genuine[0])
        assert result["best"]["image_id"] == image_id
        assert result["best"]["product_id"] == product_id


def test_cli_reindex_reports_what_it_redid(client, enrol, genuine, settings,
                                           monkeypatch) -> None:
    _, image_id = enrol(genuine[0])
    _age_evidence(client, image_id)
    monkeypatch.setenv("TRUST_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("TRUST_ENV", "test")
    monkeypatch.setenv("TRUST_VAR_DIR", str(settings.var_dir))
    monkeypatch.setattr("service.app.cli.get_settings", lambda: Settings())
    result = CliRunner().invoke(cli, ["matching", "reindex"])
    assert result.exit_code == 0, result.output
    assert f"re-enrolled 1 catalog images (evidence now {EVIDENCE_VERSION})" in result.output
    again = CliRunner().invoke(cli, ["matching", "reindex"])
    assert "re-enrolled 0 catalog images" in again.output
