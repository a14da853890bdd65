"""With supplier signals off, listings are judged alone, and their prints still recorded."""

from __future__ import annotations

import pytest

from tests.service.networks.conftest import COUNTERFEIT, FAKE_CAPTION, linked_ids, repost


@pytest.fixture
def settings(make_settings, database_url):
    return make_settings(database_url=database_url, supplier_signals_enabled=False)


def test_no_signal_but_prints_recorded(post, decide, network) -> None:
    first = post("agent-1", "A1", [repost(91)], caption=FAKE_CAPTION, price=150)
    decide(first["review_item_id"], COUNTERFEIT)
    second = post("agent-2", "B1", [repost(91, quality=55)], caption="今日上新 自家仓库直发")
    assert second["linked_sellers"] == []
    assert not any(r["code"] == "linked_to_confirmed_counterfeit" for r in second["reasons"])
    assert linked_ids(network("agent-2")) == {"agent-1"}
