"""Every number a request carries is bounded: huge ids are 404 or 422, never 500, on both
databases, and ids above 2^31 can be stored and read on PostgreSQL (64-bit id columns)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from service.catalog.tables import Product
from service.kit.bounds import MAX_ID

IN_RANGE = [2**31, 2**31 + 1, 2**40, MAX_ID]  # no such row: 404
OUT_OF_RANGE = ["0", "-1", str(MAX_ID + 1), str(2**64), "1" * 40, "1e3", "nan"]  # 422
ID_ROUTES = [  # (method, path template, role)
    ("GET", "/v1/catalog/products/{}", "admin"),
    ("PATCH", "/v1/catalog/products/{}", "admin"),
    ("DELETE", "/v1/catalog/products/{}", "admin"),
    ("GET", "/v1/catalog/images/{}", "admin"),
    ("GET", "/v1/catalog/images/{}/content", "admin"),
    ("DELETE", "/v1/catalog/images/{}", "admin"),
    ("GET", "/v1/review/items/{}", "moderator"),
    ("POST", "/v1/review/items/{}/claim", "moderator"),
    ("POST", "/v1/review/items/{}/release", "moderator"),
    ("POST", "/v1/review/items/{}/decision", "moderator"),
    ("DELETE", "/v1/webhooks/{}", "platform"),
]
BODIES = {"PATCH": {"name": "x"}, "POST": {"decision": "approve"}}


def call(client: TestClient, method: str, path: str, headers: dict[str, str]):
    return client.request(method, path, headers=headers, json=BODIES.get(method))


@pytest.mark.parametrize(("method", "template", "role"), ID_ROUTES)
def test_huge_path_ids_are_404_or_422_never_500(client: TestClient, api_keys, method, template,
                                                role) -> None:
    headers = getattr(api_keys, role)
    for value in IN_RANGE:
        response = call(client, method, template.format(value), headers)
        assert response.status_code == 404, (value, response.text)
        assert response.json()["error"]["code"]
    for value in OUT_OF_RANGE:
        response = call(client, method, template.format(value), headers)
        assert response.status_code == 422, (value, response.text)
        assert response.json()["error"]["code"] == "invalid_input"


def test_query_and_body_numbers_are_bounded(client: TestClient, api_keys) -> None:
    mod, admin = api_keys.moderator, api_keys.admin
    cases = [
        ("/v1/review/queue?max_age_minutes=1e10", mod),
        ("/v1/review/queue?min_age_minutes=1e308", mod),
        ("/v1/review/queue?max_age_minutes=inf", mod),
        (f"/v1/review/queue?offset={2**63}", mod),
        (f"/v1/review/queue?limit={2**70}", mod),
        (f"/v1/review/audit?after_id={2**64}", mod),
        (f"/v1/review/audit?item_id={2**63}", mod),
        ("/v1/review/audit?item_id=0", mod),
        (f"/v1/catalog/products?limit={2**64}", admin),
        ("/v1/catalog/products?cursor=abc", admin),
        ("/v1/catalog/products?cursor=%C2%B2", admin),  # a superscript two: str.isdigit() says yes
        (f"/v1/sellers/s-1/feedback?cursor={'9' * 30}", mod),
    ]
    for url, headers in cases:
        response = client.get(url, headers=headers)
        assert response.status_code == 422, (url, response.text)
        assert response.json()["error"]["code"] == "invalid_input", url
    # In range: answered normally.
    assert client.get("/v1/review/queue?max_age_minutes=5000000&offset=1000000",
                      headers=mod).status_code == 200
    assert client.get(f"/v1/review/audit?after_id={MAX_ID}&item_id={MAX_ID}",
                      headers=mod).json()["items"] == []
    bulk = {"items": [{"item_id": 2**63, "decision": "approve"}]}
    assert client.post("/v1/review/decisions", json=bulk, headers=mod).status_code == 422
    bulk = {"items": [{"item_id": MAX_ID, "decision": "approve"}]}
    answer = client.post("/v1/review/decisions", json=bulk, headers=mod).json()
    assert answer["results"][0]["error"]["code"] == "item_not_found"


def test_a_cursor_past_64_bits_is_a_bad_cursor(client: TestClient, api_keys) -> None:
    # 19 digits fit the pattern but not in 64 bits: refused by the cursor's parser.
    response = client.get(f"/v1/catalog/products?cursor={'9' * 19}", headers=api_keys.admin)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "bad_cursor"
    response = client.get(f"/v1/sellers/s-1/feedback?cursor={MAX_ID}", headers=api_keys.moderator)
    assert response.status_code == 200 and response.json()["items"] == []


def test_ids_above_2_31_are_stored_and_served(client: TestClient, api_keys, settings) -> None:
    """On PostgreSQL the id columns were int4: this is what the bigint migration is for."""
    factory = client.app.state.trust.session_factory  # type: ignore[attr-defined]
    big = 2**40 + 7
    with factory() as session:
        session.add(Product(id=big, brand="Big Ids", brand_key="big ids", name="Wide", sku="B-1",
                            list_price=10,
                            currency="USD", category="bags", authorized_seller_ids=[]))
        session.commit()
    got = client.get(f"/v1/catalog/products/{big}", headers=api_keys.admin)
    assert got.status_code == 200 and got.json()["id"] == big
    if not settings.is_sqlite:  # the sequence behind the id must pass 2^31 too
        with factory() as session:
            session.execute(text("SELECT setval(pg_get_serial_sequence('catalog_products', 'id'),"
                                 " :v)"), {"v": 2**31 + 100})
            session.commit()
    created = client.post("/v1/catalog/products", headers=api_keys.admin, json={
        "brand": "Big Ids", "name": "Next", "sku": "B-2", "list_price": 5, "currency": "USD",
        "category": "bags"})
    assert created.status_code == 201, created.text
    assert created.json()["id"] > (2**31 if not settings.is_sqlite else big)
