"""Banks as exchanged hash lists: export, import into a fresh instance, export again gives
the same bytes, and the imported bank matches the same reposts; bad input is a 4xx JSON
error that banks nothing."""

from __future__ import annotations

import base64

import pytest
from fastapi.testclient import TestClient

from service.app.factory import create_app
from service.auth.service import Role, create_key
from service.kit.migrate import upgrade


@pytest.fixture
def fresh(make_settings, tmp_path):
    """A second, empty instance (its own database)."""
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    upgrade(url)
    app = create_app(make_settings(database_url=url, var_dir=tmp_path / "fresh-var"),
                     load_in_background=False)
    with TestClient(app) as test_client:
        factory = app.state.trust.session_factory
        keys = {}
        with factory() as session:
            for role, name, platform in ((Role.admin, "admin", None),
                                         (Role.platform, "shop-c", "shop-c")):
                keys[name] = {"Authorization": f"Bearer {create_key(session, role, name, platform).secret}"}
            session.commit()
        yield test_client, keys


def _export(client, headers, bank="shop-a", signal_type="pdq") -> bytes:
    response = client.get(f"/v1/banks/{bank}/export", params={"signal_type": signal_type},
                          headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    return response.content


def test_export_import_export_is_byte_for_byte_and_matches_the_same_reposts(
        client, api_keys, banked, reposts, fresh):
    pdq, phash = _export(client, api_keys.platform), _export(client, api_keys.platform,
                                                             signal_type="phash")
    assert b"review_item_id" in pdq and b"L-fake" not in pdq and b"seller" not in pdq
    other, keys = fresh
    for data in (pdq, phash):
        imported = other.post("/v1/banks/shop-c/import", content=data,
                              headers={**keys["shop-c"], "Content-Type": "text/csv"})
        assert imported.status_code == 200, imported.text
        assert imported.json()["entries_added"] in (0, 1)
    assert _export(other, keys["shop-c"], "shop-c") == pdq
    assert _export(other, keys["shop-c"], "shop-c", "phash") == phash
    again = other.post("/v1/banks/shop-c/import", content=pdq, headers=keys["shop-c"])
    assert (again.json()["signals_added"], again.json()["entries_added"]) == (0, 0)
    for n, repost in enumerate((reposts.cropped, reposts.screenshot)):
        body = {"listing_id": f"R-{n}", "seller_id": "agent-7", "caption": "new bag",
                "images": [{"data": base64.b64encode(repost).decode()}]}
        scored = other.post("/v1/listings/score", json=body, headers=keys["shop-c"])
        [match] = scored.json()["image_check"]["bank_matches"]
        assert (match["bank"], match["review_item_id"]) == ("shop-c", None)


def test_bad_requests_get_clear_json_errors_and_bank_nothing(client, api_keys, banked):
    def code(response, status):
        assert response.status_code == status, response.text
        return response.json()["error"]["code"]

    bad_type = client.get("/v1/banks/shop-a/export", params={"signal_type": "md5"},
                          headers=api_keys.platform)
    assert bad_type.status_code == 422 and "error" in bad_type.json()
    assert code(client.get("/v1/banks/nobody/export", headers=api_keys.admin),
                404) == "bank_not_found"
    assert code(client.get("/v1/banks/shop-a/export", headers=api_keys.other_platform),
                404) == "bank_not_found"
    assert code(client.post("/v1/banks/shop-a/import", content=b"pdq " + b"ab" * 32,
                            headers=api_keys.other_platform), 403) == "not_bank_owner"
    garbage = client.post("/v1/banks/brand-list/import", headers=api_keys.admin,
                          content=b"pdq " + b"ab" * 32 + b"\npdq nothex\n")
    assert code(garbage, 422) == "bad_hash_list"
    assert garbage.json()["error"]["details"]["line"] == 2
    assert code(client.put("/v1/banks/shop-a/subscription", json={"subscribed": True},
                           headers=api_keys.platform),
                409) == "own_bank"
    assert client.put("/v1/banks/bad name!/sharing", json={"shared": True},
                      headers=api_keys.platform).status_code in (404, 422)
    assert code(client.put("/v1/banks/shop-a/sharing", json={"shared": "maybe"},
                           headers=api_keys.platform), 422) == "invalid_input"
    names = [b["name"] for b in client.get("/v1/banks", headers=api_keys.admin).json()["banks"]]
    assert names == ["shop-a"]  # the refused list created no bank


def test_an_admin_imported_list_is_used_by_subscribers_only(client, api_keys, banked,
                                                            reposts, score):
    pdq = _export(client, api_keys.platform)
    phash = _export(client, api_keys.platform, signal_type="phash")
    for data in (pdq, phash):
        assert client.post("/v1/banks/brand-list/import", content=data,
                           headers=api_keys.admin).status_code == 200
    other = api_keys.other_platform
    assert score([reposts.cropped], "L-x1", headers=other)["image_check"]["bank_matches"] == []
    client.put("/v1/banks/brand-list/sharing", json={"shared": True}, headers=api_keys.admin)
    assert client.put("/v1/banks/brand-list/subscription", json={"subscribed": True},
                      headers=other).status_code == 200
    [match] = score([reposts.cropped], "L-x2", headers=other)["image_check"]["bank_matches"]
    assert match["bank"] == "brand-list"
