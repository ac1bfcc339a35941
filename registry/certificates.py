"""Retirement certificates (注销证明): what a retirement proves, in the form a person can use.

A certificate names the right its units came from (the issuance, its serial range and the attributes
that identify it: project, permit or real-estate unit number), the class's standard, the vintage and
the unit, the quantity, the retiring party, the beneficiary and purpose, and the serial ranges
retired, adjacent ranges merged (1–10 and 11–20 read 1–20). Its ledger entry and the entry's
inclusion proof are added by the ledger's reader (``settlement.certificates``): the registry does not
know the ledger.

Anyone may read a certificate, as the ledger's retirement entries are public; what would be personal
data of a natural person — a person's name, and the beneficiary of a person's retirement — is shown
only to the person and its supervisors.
"""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from registry import context as c
from registry.assets import AssetClass, get_asset_class
from registry.errors import NotFound
from registry.party_sight import readable
from registry.quantities import Quantity
from registry.rights import serial
from registry.tables import IssuanceRow, PartyRow, RetirementRow


# The attributes that identify the right behind an issuance, where its class has them: a carbon-sink
# project, an emission permit, a forest or wetland real-estate unit (不动产单元号).
class Purpose(StrEnum):
    """Why units are retired."""

    COMPLIANCE = "compliance"  # 清缴履约
    VOLUNTARY = "voluntary"  # 自愿
    DAMAGE_COMPENSATION = "damage_compensation"  # 以碳代赔


class UnknownCertificate(NotFound):
    title = "Unknown retirement certificate"
    template = "no retirement certificate {certificate}"


@dataclass(frozen=True, slots=True)
class RetiringParty:
    id: str
    name: str | None  # None: a natural person's, to anyone but the person and its supervisors


@dataclass(frozen=True, slots=True)
class Right:
    """The confirmed right the units were issued for."""

    issuance: int
    serials: str  # the whole issuance's range
    asset_class: str
    identifiers: dict[str, str]  # project_id, permit_no or unit_no, as the class has them


@dataclass(frozen=True, slots=True)
class Inclusion:
    """The retirement's ledger entry and its RFC 9162 inclusion proof in the tree of the signed
    checkpoint given beside it (hex hashes)."""

    seq: int
    leaf_hash: str
    size: int
    path: list[str]
    root: str
    checkpoint: str


@dataclass(frozen=True, slots=True)
class Retirement:
    certificate: str
    right: Right
    standard: str | None
    vintage: int
    unit: str
    quantity: str
    party: RetiringParty
    beneficiary: str | None  # None: a natural person's retirement, to anyone but the person
    purpose: Purpose
    serials: list[str]  # adjacent ranges merged
    at: dt.datetime
    ledger: Inclusion | None = (
        None  # on the certificate read after the commit, not on the retirement's answer
    )


def merged(ranges: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """Serial ranges in order, neighbours (…10 and 11…) joined into one."""
    joined: list[tuple[int, int]] = []
    for first, last in sorted(ranges):
        if joined and joined[-1][1] + 1 >= first:
            joined[-1] = (joined[-1][0], max(joined[-1][1], last))
        else:
            joined.append((first, last))
    return joined


def _identifying(cls: AssetClass) -> tuple[str, ...]:
    """The attributes that name the right the units came from (its class's identity), period included."""
    if cls.identity is None:
        return ()
    return (*cls.identity.by, *(cls.identity.period or ()))


async def certificate_of(session: AsyncSession, found: RetirementRow, reader: c.Actor | None) -> Retirement:
    """The certificate of a retirement, as ``reader`` (None: anyone) may read it."""
    row = await session.get(IssuanceRow, found.issuance_id)
    party = await session.get(PartyRow, found.owner_id)
    assert row is not None and party is not None  # foreign keys
    cls = await get_asset_class(session, row.asset_class)
    private = party.id not in await readable(session, reader, {party.id: party.kind})
    attributes = row.attributes
    return Retirement(
        certificate=found.id,
        right=Right(
            row.id,
            serial(row, 1, row.quantity),
            row.asset_class,
            {name: str(attributes[name]) for name in _identifying(cls) if name in attributes},
        ),
        standard=attributes.get("standard"),
        vintage=row.vintage,
        unit=cls.unit,
        quantity=str(Quantity(found.quantity, cls.scale)),
        party=RetiringParty(party.id, None if private else party.name),
        beneficiary=None if private else found.beneficiary,
        purpose=Purpose(found.purpose),
        serials=[serial(row, first, last) for first, last in merged(tuple(r) for r in found.ranges)],
        at=found.at,
    )


async def get_retirement(session: AsyncSession, certificate: str, reader: c.Actor | None) -> Retirement:
    """A retirement certificate: public, so that anyone may check that units were retired, and for whom."""
    found = await session.get(RetirementRow, certificate)
    if found is None:
        raise UnknownCertificate("certificate", certificate=certificate)
    return await certificate_of(session, found, reader)
