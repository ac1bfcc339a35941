"""Malformed attestations are refused with an AttestationError, never a crash."""

from typing import Any

import pytest

from settlement.attestation import AttestationError, verify


@pytest.mark.parametrize(
    "document",
    [
        "not an object",
        {"attestation": {}, "signature": "AAAA"},
        {"attestation": 1, "signature": 2, "key": 3},
        {"attestation": [], "signature": "AAAA", "key": "liangshan.local/ledger+00000000+AQ=="},
        {"attestation": {"evidence": [{}]}, "signature": "!!", "key": "x+y+z"},
    ],
)
def test_malformed_documents_are_refused(document: Any) -> None:
    with pytest.raises(AttestationError):
        verify(document)
