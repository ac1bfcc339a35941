"""Serial-block arithmetic: moving units never creates, loses or duplicates a serial."""

import itertools

from hypothesis import given
from hypothesis import strategies as st

from registry import blocks as b


def serials(blocks: list[b.Block]) -> dict[int, tuple[str, str, str | None]]:
    return {s: (x.owner, x.state, x.ref) for x in blocks for s in range(x.first, x.last + 1)}


@st.composite
def books(draw: st.DrawFn) -> list[b.Block]:
    """An issuance of up to 60 serials tiled by blocks of a few owners and states."""
    cuts = sorted(draw(st.sets(st.integers(2, 60), max_size=8)) | {1, 61})
    return [
        b.Block(first, nxt - 1, draw(st.sampled_from("ABC")), draw(st.sampled_from([b.ACTIVE, b.FROZEN])))
        for first, nxt in itertools.pairwise(cuts)
    ]


@given(books(), st.integers(1, 60), st.integers(0, 59))
def test_reassign_conserves_every_serial(book: list[b.Block], first: int, length: int) -> None:
    last = min(60, first + length)
    candidates = [x for x in book if x.owner == "A" and x.state == b.ACTIVE]
    others = [x for x in book if x not in candidates]
    before = serials(book)
    try:
        moved = b.reassign(candidates, first, last, owner="Z", state=b.ACTIVE)
    except ValueError:
        assert any(before[s] != ("A", b.ACTIVE, None) for s in range(first, last + 1))
        return
    after = serials(others + moved)
    assert set(after) == set(before)  # no serial created or lost
    assert sum(x.quantity for x in others + moved) == 60  # and none duplicated
    for s in after:
        assert after[s] == (("Z", b.ACTIVE, None) if first <= s <= last else before[s])


@given(books(), st.integers(1, 60))
def test_the_sender_keeps_the_low_part(book: list[b.Block], quantity: int) -> None:
    mine = [x for x in book if x.owner == "A"]
    try:
        ranges = b.highest_ranges(mine, quantity)
    except ValueError:
        assert b.total(mine) < quantity
        return
    taken = {s for first, last in ranges for s in range(first, last + 1)}
    kept = {s for x in mine for s in range(x.first, x.last + 1)} - taken
    assert len(taken) == quantity
    assert not kept or max(kept) < min(taken)


@given(books())
def test_normalise_keeps_serials_and_merges_neighbours(book: list[b.Block]) -> None:
    merged = b.normalise(book)
    assert serials(merged) == serials(book)
    for left, right in itertools.pairwise(merged):
        assert (left.owner, left.state, left.ref) != (right.owner, right.state, right.ref)
