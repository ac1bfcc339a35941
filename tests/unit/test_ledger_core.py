"""The ledger's pure core: canonical JSON, the RFC 9162 tree, signed checkpoints and verification."""

import hashlib
import json

import pytest
import rfc8785
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given
from hypothesis import strategies as st

from registry.events import CashDeposited
from settlement import merkle
from settlement.canonical import NotCanonicalisable, canonical_bytes, parse_canonical
from settlement.checkpoint import Checkpoint, CheckpointError, open_note, sign, verifier_key
from settlement.entries import Entry, encode
from settlement.verify import VerificationFailed, verify
from tests import independent_verifier as outsider

ORIGIN = "test.example/ledger"
text = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"])).map(
    lambda s: __import__("unicodedata").normalize("NFC", s)
)
values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53) + 1, 2**53 - 1) | text,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.text(st.characters(max_codepoint=127)), inner, max_size=4)
    ),
    max_leaves=20,
)


@given(values)
def test_canonical_bytes_equal_the_rfc8785_reference(value: object) -> None:
    assert canonical_bytes(value) == rfc8785.dumps(value)  # type: ignore[arg-type]


@pytest.mark.parametrize("value", [{"é": 1}, "e\u0301", {"x": {1, 2}}, {"x": 2**53}, {1: "a"}])
def test_values_outside_the_ledger_domain_are_refused(value: object) -> None:
    with pytest.raises(NotCanonicalisable):
        canonical_bytes(value)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "raw",
    [
        b"1.5",
        b'{"x":9007199254740992}',
        b'{"a":NaN}',
        b'{"a":1e3}',
        b'{"b":1,"a":2}',
        b'{"a": 1}',
        b"[1,[2.0]]",
        b'"e\xcc\x81"',
    ],
)
def test_bytes_outside_the_ledger_domain_or_form_are_refused(raw: bytes) -> None:
    with pytest.raises(NotCanonicalisable):
        parse_canonical(raw)


@given(st.lists(st.binary(max_size=8), min_size=1, max_size=70), st.data())
def test_stored_subtrees_give_rfc9162_roots_and_proofs(leaves: list[bytes], data: st.DataObject) -> None:
    _, completed = merkle.append([], 0, [merkle.leaf_hash(x) for x in leaves])
    nodes = {(level, index): h for level, index, h in completed}
    n = len(leaves)
    assert (
        merkle.root(nodes, n) == outsider.mth(leaves) == merkle.root_of(merkle.leaf_hash(x) for x in leaves)
    )
    index = data.draw(st.integers(0, n - 1))
    path = [merkle.subtree_hash(nodes, a, b) for a, b in merkle.inclusion_ranges(index, n)]
    assert len(path) <= max(0, (n - 1).bit_length())
    assert outsider.verify_inclusion(merkle.leaf_hash(leaves[index]), index, n, path, outsider.mth(leaves))
    assert merkle.verify_inclusion(merkle.leaf_hash(leaves[index]), index, n, path, outsider.mth(leaves))
    first = data.draw(st.integers(1, n))
    proof = [merkle.subtree_hash(nodes, a, b) for a, b in merkle.consistency_ranges(first, n)]
    assert outsider.verify_consistency(first, n, proof, outsider.mth(leaves[:first]), outsider.mth(leaves))
    assert merkle.verify_consistency(first, n, proof, outsider.mth(leaves[:first]), outsider.mth(leaves))


def test_consistency_from_size_zero_is_an_error() -> None:
    with pytest.raises(merkle.ProofError):
        merkle.consistency_ranges(0, 5)
    assert merkle.consistency_ranges(5, 5) == []


def test_checkpoint_key_id_and_signature_follow_c2sp() -> None:
    key = Ed25519PrivateKey.generate()
    note = sign(Checkpoint(ORIGIN, 3, b"\x01" * 32), ORIGIN, key)
    vkey = verifier_key(ORIGIN, key.public_key())
    name, key_hash, encoded = vkey.split("+", 2)
    raw = __import__("base64").b64decode(encoded)
    assert key_hash == hashlib.sha256(name.encode() + b"\n" + raw).digest()[:4].hex()
    assert note.startswith(f"{ORIGIN}\n3\n") and "\n\n\u2014 " in note
    assert open_note(note, vkey) == Checkpoint(ORIGIN, 3, b"\x01" * 32)
    assert outsider.open_checkpoint(note, vkey) == (ORIGIN, 3, b"\x01" * 32)
    with pytest.raises(CheckpointError):
        open_note(note, verifier_key(ORIGIN, Ed25519PrivateKey.generate().public_key()))


def ledger(n: int, key: Ed25519PrivateKey) -> tuple[list[bytes], str]:
    lines, prev = [], "0" * 64
    for seq in range(n):
        event = CashDeposited(party=f"p{seq}", bank="b", amount="10.00")
        raw = encode(
            ORIGIN, Entry(seq, prev, event.kind, "2026-01-01T00:00:00.000000Z", "b", event.to_json())
        )
        lines.append(raw)
        prev = merkle.leaf_hash(raw).hex()
    root = outsider.mth(lines)
    return lines, sign(Checkpoint(ORIGIN, n, root), ORIGIN, key)


def test_verification_replays_cash_and_rejects_a_foreign_signature() -> None:
    key = Ed25519PrivateKey.generate()
    lines, note = ledger(10, key)
    result = verify(lines, note, verifier_key(ORIGIN, key.public_key()))
    assert result.state.cash == {f"p{i}": 1000 for i in range(10)}
    stranger = Ed25519PrivateKey.generate()
    _, foreign_note = ledger(10, stranger)
    with pytest.raises(VerificationFailed, match="checkpoint"):
        verify(lines, foreign_note, verifier_key(ORIGIN, key.public_key()))


@pytest.mark.parametrize(
    ("tamper", "seq"),
    [
        (lambda rows: rows.__setitem__(3, rows[3].replace(b"10.00", b"90.00")), 3),
        (lambda rows: rows.pop(4), 4),
        (lambda rows: rows.insert(5, rows.pop(6)), 5),
        (lambda rows: rows.__setitem__(2, rows[2].replace(b'"v":1', b'"v": 1')), 2),
        (lambda rows: rows.pop(), 9),
    ],
)
def test_tampering_is_found_and_the_entry_named(tamper, seq: int) -> None:
    key = Ed25519PrivateKey.generate()
    lines, note = ledger(10, key)
    tamper(lines)
    with pytest.raises(VerificationFailed) as failed:
        verify(lines, note, verifier_key(ORIGIN, key.public_key()))
    assert failed.value.seq == seq, str(failed.value)


def test_a_replay_that_overdraws_is_named() -> None:
    key = Ed25519PrivateKey.generate()
    raw = encode(
        ORIGIN,
        Entry(
            0,
            "0" * 64,
            "cash.withdrawn",
            "2026-01-01T00:00:00.000000Z",
            "b",
            {"party": "p", "amount": "1.00", "bank": "b", "currency": "CNY"},
        ),
    )
    note = sign(Checkpoint(ORIGIN, 1, outsider.mth([raw])), ORIGIN, key)
    with pytest.raises(VerificationFailed, match="entry 0"):
        verify([raw], note, verifier_key(ORIGIN, key.public_key()))
    assert json.loads(raw)["seq"] == 0
