"""The change-log cursor every in-process index follows (service/kit/changefeed.py)."""

from __future__ import annotations

from service.kit.changefeed import ChangeCursor, LocalChanges


def test_a_gap_is_read_again_until_its_change_arrives() -> None:
    cursor = ChangeCursor()
    log = [(1, 10, "add"), (3, 30, "add")]  # seq 2 not committed yet
    first = cursor.unseen(log)
    assert first == log
    cursor.advance((c[0] for c in first), generation=0)
    assert cursor.seq == 3 and set(cursor.gaps) == {2}
    assert cursor.floor == 1  # the log is read again from below the gap
    later = cursor.unseen([(2, 20, "add"), (3, 30, "add"), (4, 40, "remove")])
    assert later == [(2, 20, "add"), (4, 40, "remove")]  # 3 was applied already
    cursor.advance((c[0] for c in later), generation=0)
    assert cursor.seq == 4 and cursor.gaps == {} and cursor.floor == 4


def test_a_local_change_makes_the_next_request_sync_before_the_interval() -> None:
    local, cursor = LocalChanges(), ChangeCursor()
    cursor.advance([], local.generation)
    assert not cursor.due(local, interval=3600.0)
    local.note()
    assert cursor.due(local, interval=3600.0)
    cursor.advance([], local.generation)
    assert not cursor.due(local, interval=3600.0)
    assert cursor.due(local, interval=0.0)
