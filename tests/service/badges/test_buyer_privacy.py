"""No public or seller-facing response ever carries a buyer id or its pseudonym."""

from __future__ import annotations

import base64
import logging

from sqlalchemy import select

from service.sellers.tables import SellerFeedback

BUYER = "buyer-7Q4-private"


def decoded_payload(token: str) -> str:
    payload = token.split(".")[1]
    return base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)).decode()


def test_buyer_id_and_pseudonym_never_leave_through_public_or_seller_outputs(
    client, api_keys, post_feedback, session_factory, caplog
):
    caplog.set_level(logging.DEBUG)
    outputs = []
    created = post_feedback(client, api_keys.platform, buyer_id=BUYER, rating=2, comment="slow")
    duplicate = post_feedback(client, api_keys.platform, buyer_id=BUYER, rating=2, comment="slow")
    conflict = client.post(
        "/v1/sellers/seller-1/feedback",
        json={"order_id": "o-1", "buyer_id": BUYER, "rating": 5},
        headers=api_keys.platform,
    )
    assert conflict.status_code == 409
    outputs += [created.text, duplicate.text, conflict.text]
    with session_factory() as session:
        pseudonym = session.scalar(select(SellerFeedback.buyer_key))
    assert pseudonym and pseudonym.startswith("bp_")

    token_response = client.get("/v1/sellers/seller-1/badge-token", headers=api_keys.platform)
    token = token_response.json()["token"]
    outputs += [
        client.get("/v1/sellers/seller-1/reputation", headers=api_keys.platform).text,
        client.get("/v1/sellers/seller-1/badge.svg").text,
        client.get("/v1/sellers/seller-1/badge.json").text,
        token_response.text,
        decoded_payload(token),
        client.post("/v1/badges/verify", json={"token": token}).text,
        client.get("/v1/badges/keys").text,
        client.get("/s/seller-1", params={"token": token}).text,
    ]
    for text in outputs:
        assert BUYER not in text
        assert pseudonym not in text
    assert BUYER not in caplog.text
    assert pseudonym not in caplog.text

    # Moderators see the pseudonym, still never the raw id (it is not stored anywhere).
    moderator_view = client.get("/v1/sellers/seller-1/feedback", headers=api_keys.moderator).text
    assert pseudonym in moderator_view
    assert BUYER not in moderator_view
