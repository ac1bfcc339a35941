"""Every kind of entry the platform writes is either derived by the replay or declared to change
nothing the audit compares, so a new kind is a decision, not an accident; and a kind this code does
not know at all is skipped by the replay, never a failure."""

from registry import events as ev
from settlement.entries import Entry
from settlement.replay import INERT, Facts, LedgerState, derived


def test_every_kind_is_derived_or_declared_inert() -> None:
    undecided = sorted(kind for kind in ev.kinds() if not derived(kind))
    assert undecided == [], "derive these in settlement/replay.py or add them to INERT"


def test_inert_kinds_change_nothing() -> None:
    state = LedgerState(facts=Facts())
    for kind in INERT:
        assert kind in ev.kinds()
        state.apply(Entry(0, "0" * 64, kind, "2026-06-01T02:00:00.000000Z", "system", {}))
    assert state.issuances == {} and state.cash == {}


def test_a_kind_unknown_to_this_code_is_skipped() -> None:
    state = LedgerState(facts=Facts())
    state.apply(Entry(0, "0" * 64, "key.rotated", "2026-06-01T02:00:00.000000Z", "system", {"any": 1}))
    assert state.issuances == {} and state.facts is not None and state.facts.parties == {}
