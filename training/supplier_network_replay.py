"""Replays a generated supplier network through the HTTP API, with a simulated moderator.

One replay is one fresh service (the app from service/app/factory.py, on a new SQLite
database, through Starlette's TestClient: every request goes through the real routers,
auth, validation and scoring). It creates the platform's keys, enrols the catalog, then posts
the listings in time order with `wait=deep` (both matching stages before the answer, so
matching is complete), and at the end of every simulated day a moderator reviews the first
`reviews_per_day` items of the queue through the review API, deciding by the ground truth
(`remove` with reason `counterfeit` for a fake, `approve` otherwise) with a small, seeded
error rate. At the end it asks `GET /v1/sellers/{id}/network` about every seller.
"""

from __future__ import annotations

import base64
import random
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from tqdm import tqdm
from trustdata.supplynet.io import Network

from service.app.factory import create_app
from service.auth.service import Role, create_key
from service.kit.migrate import upgrade
from service.kit.settings import Settings

PLATFORM = "supplysim-shop"
FLAGGED = ("review", "block")
COUNTERFEIT_KINDS = ("supplier", "agent")


@dataclass(frozen=True)
class ModeratorPolicy:
    reviews_per_day: int = 20
    error_rate: float = 0.02
    seed: int = 7

    def decides_counterfeit(self, listing_id: str, truly_counterfeit: bool) -> bool:
        """The same listing gets the same (possibly wrong) call in every run of a seed."""
        wrong = random.Random(f"moderator/{self.seed}/{listing_id}").random() < self.error_rate
        return truly_counterfeit != wrong


@dataclass
class RunRecord:
    signals_enabled: bool
    listings: dict[str, dict[str, Any]] = field(default_factory=dict)
    decisions: list[dict[str, Any]] = field(default_factory=list)
    network: dict[str, Any] = field(default_factory=dict)
    errors: list[dict[str, Any]] = field(default_factory=list)
    seconds: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return {"signals_enabled": self.signals_enabled, "listings": self.listings,
                "decisions": self.decisions, "network": self.network, "errors": self.errors,
                "seconds": round(self.seconds, 1)}


def _settings(workdir: Path, signals_enabled: bool, link_cap: int) -> Settings:
    """The service as the network was generated for: its link cap is the one the stock
    photos' sharers were drawn above."""
    return Settings(env="test", database_url=f"sqlite:///{workdir / 'trustd.db'}",
                    var_dir=workdir / "var", log_json=False, log_level="WARNING",
                    redis_url=None, jobs_backend="inprocess", webhook_dispatcher_enabled=False,
                    supplier_signals_enabled=signals_enabled, network_rare_max_sellers=link_cap)


def _keys(client: TestClient) -> dict[str, dict[str, str]]:
    factory = client.app.state.trust.session_factory  # type: ignore[attr-defined]
    keys = {}
    with factory() as session:
        for role, name, platform in ((Role.admin, "supplysim-admin", None),
                                     (Role.platform, PLATFORM, PLATFORM),
                                     (Role.moderator, "supplysim-moderator", None)):
            keys[role.value] = {"Authorization": f"Bearer {create_key(session, role, name, platform).secret}"}
        session.commit()
    return keys


def _enrol_catalog(client: TestClient, network: Network, admin: dict[str, str]) -> None:
    for product in network.world["catalog"]:
        created = client.post("/v1/catalog/products", headers=admin, json={
            "brand": product["brand"], "name": product["name"], "category": product["category"],
            "list_price": product["list_price"], "currency": product["currency"],
            "authorized_seller_ids": product["authorized_seller_ids"]})
        created.raise_for_status()
        files = [("files", (Path(f).name, network.photo_bytes(f), "image/jpeg"))
                 for f in product["files"]]
        client.post(f"/v1/catalog/products/{created.json()['id']}/images", headers=admin,
                    files=files).raise_for_status()


def _outcome(body: dict[str, Any]) -> dict[str, Any]:
    check = body.get("image_check") or {}
    return {"decision": body["decision"], "risk": body["risk"],
            "reasons": [r["code"] for r in body["reasons"] if r["contribution"] > 0],
            "review_item_id": body.get("review_item_id"), "image_check": check.get("status"),
            "catalog_matches": len(body.get("image_matches") or []),
            "bank_matches": len(check.get("bank_matches") or []),
            "linked_sellers": len(body.get("linked_sellers") or [])}


def _post_listing(client: TestClient, network: Network, listing: dict[str, Any],
                  platform: dict[str, str]) -> tuple[int, dict[str, Any]]:
    body = {"listing_id": listing["listing_id"], "seller_id": listing["seller_id"],
            "caption": listing["caption"], "price": listing["price"],
            "currency": listing["currency"], "claimed_brand": listing["claimed_brand"],
            "images": [{"data": base64.b64encode(network.photo_bytes(p["file"])).decode()}
                       for p in listing["photos"]]}
    response = client.post("/v1/listings/score", json=body, headers=platform,
                           params={"wait": "deep"})
    return response.status_code, response.json()


def _moderate(client: TestClient, moderator: dict[str, str], policy: ModeratorPolicy,
              truth: dict[str, dict[str, Any]], t_hours: float, record: RunRecord) -> None:
    queue = client.get("/v1/review/queue", headers=moderator,
                       params={"platform_id": PLATFORM, "limit": policy.reviews_per_day})
    queue.raise_for_status()
    for item in queue.json()["items"]:
        claimed = client.post(f"/v1/review/items/{item['id']}/claim", headers=moderator)
        if claimed.status_code != 200:
            record.errors.append({"step": "claim", "item": item["id"],
                                  "status": claimed.status_code})
            continue
        fake = truth[item["listing_id"]]["seller_kind"] in COUNTERFEIT_KINDS
        remove = policy.decides_counterfeit(item["listing_id"], fake)
        decision = {"decision": "remove", "reason_codes": ["counterfeit"]} if remove else \
            {"decision": "approve", "reason_codes": []}
        decided = client.post(f"/v1/review/items/{item['id']}/decision", headers=moderator,
                              json=decision)
        if decided.status_code != 200:
            record.errors.append({"step": "decision", "item": item["id"],
                                  "status": decided.status_code})
            continue
        record.decisions.append({"listing_id": item["listing_id"], "item_id": item["id"],
                                 "decision": decision["decision"], "t_hours": t_hours,
                                 "correct": remove == fake})


def _network_lookups(client: TestClient, keys: dict[str, dict[str, str]],
                     seller_ids: list[str]) -> dict[str, Any]:
    """Every seller's linked sellers, or why the endpoint gave none ("not available")."""
    linked: dict[str, list[str]] = {}
    statuses: dict[str, int] = {}
    scope = {"platform_id": PLATFORM}  # reviewer keys belong to no platform: say which
    for seller_id in seller_ids:
        path = f"/v1/sellers/{seller_id}/network"
        response = client.get(path, headers=keys["moderator"], params=scope)
        if response.status_code == 403:
            response = client.get(path, headers=keys["admin"], params=scope)
        code = response.json().get("error", {}).get("code") if response.status_code != 200 \
            else None
        answer = f"{response.status_code} {code or ''}".strip()
        statuses[answer] = statuses.get(answer, 0) + 1
        if response.status_code == 200:
            linked[seller_id] = [entry["seller_id"] for entry in response.json()["linked"]]
        elif code == "seller_not_found":  # the endpoint exists; this seller has no listings
            linked[seller_id] = []
    available = len(linked) == len(seller_ids)
    return {"status": "available" if available else "not available", "responses": statuses,
            "linked": linked if available else {}}


def replay(network: Network, signals_enabled: bool, workdir: Path, policy: ModeratorPolicy,
           label: str) -> RunRecord:
    started = time.perf_counter()
    workdir.mkdir(parents=True, exist_ok=True)
    settings = _settings(workdir, signals_enabled, int(network.manifest["config"]["link_cap"]))
    upgrade(settings.database_url)
    record = RunRecord(signals_enabled)
    truth = {listing["listing_id"]: listing for listing in network.listings}
    with TestClient(create_app(settings, load_in_background=False)) as client:
        keys = _keys(client)
        _enrol_catalog(client, network, keys["admin"])
        day = 0
        bar = tqdm(network.listings, desc=label, unit="listing")
        flagged = 0
        for listing in bar:
            while listing["t_hours"] >= (day + 1) * 24:  # the moderator's shift ends each day
                day += 1
                _moderate(client, keys["moderator"], policy, truth, day * 24.0, record)
            status, body = _post_listing(client, network, listing, keys["platform"])
            if status != 200:
                record.errors.append({"step": "score", "listing": listing["listing_id"],
                                      "status": status, "error": body.get("error")})
                continue
            outcome = _outcome(body)
            record.listings[listing["listing_id"]] = outcome
            flagged += outcome["decision"] in FLAGGED
            bar.set_postfix(flagged=flagged, removed=sum(d["decision"] == "remove"
                                                          for d in record.decisions))
        bar.close()
        record.network = _network_lookups(client, keys, sorted(network.sellers()))
    record.seconds = time.perf_counter() - started
    return record
