"""The registry's records against what the entries establish: parties (kind, division, freeze),
applications (applicant, holder, what was asked, review), valuations (appraiser's code, method,
value, dates, who recorded it), issuances (class, instrument, holder, place, vintage, total, term,
attributes), freezes, retirements, pledges (terms and status) and contracts (terms and status)."""

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from registry.tables import (
    ApplicationRow,
    ClaimRow,
    ContractRow,
    FreezeRow,
    IssuanceRow,
    PartyRow,
    PledgeRow,
    RetirementRow,
    ValuationRow,
)
from settlement.audit.finding import Finding, compare
from settlement.replay import LedgerState, PledgeFacts, fen, units_of

Fields = dict[str, object]


def _day(value: dt.date | None) -> str | None:
    return None if value is None else value.isoformat()


def _ranges(value: Any) -> list[list[int]]:
    return [list(pair) for pair in value] if isinstance(value, list | tuple) else value


async def check_parties(session: AsyncSession, state: LedgerState) -> list[Finding]:
    assert state.facts is not None
    database: dict[str, Fields] = {
        row.id: {"kind": row.kind, "division": row.division, "frozen": row.frozen_at is not None}
        for row in (await session.execute(select(PartyRow))).scalars()
    }
    ledger: dict[str, Fields] = {
        party: {"kind": p.kind, "division": p.division, "frozen": p.frozen}
        for party, p in state.facts.parties.items()
    }
    return compare("parties", database, ledger)


async def check_applications(session: AsyncSession, state: LedgerState) -> list[Finding]:
    assert state.facts is not None
    database: dict[str, Fields] = {
        row.id: {
            "applicant_id": row.applicant_id,
            "holder_id": row.holder_id,
            "asset_class": row.asset_class,
            "division": row.division,
            "vintage": row.vintage,
            "quantity": row.quantity,
            "status": row.status,
            "reason": row.reason,
            "issuance_id": row.issuance_id,
        }
        for row in (await session.execute(select(ApplicationRow))).scalars()
    }
    ledger: dict[str, Fields] = {
        application: {
            "applicant_id": a.applicant,
            "holder_id": a.filed.holder,
            "asset_class": a.filed.asset_class,
            "division": a.filed.division,
            "vintage": a.filed.vintage,
            "quantity": units_of(a.filed.quantity, len(a.filed.quantity.partition(".")[2])),
            "status": a.status,
            "reason": a.reason,
            "issuance_id": a.issuance,
        }
        for application, a in state.facts.applications.items()
    }
    return compare("applications", database, ledger)


async def check_valuations(session: AsyncSession, state: LedgerState) -> list[Finding]:
    assert state.facts is not None
    database: dict[str, Fields] = {
        row.id: {
            "issuance_id": row.issuance_id,
            "appraiser_credit_code": row.appraiser_credit_code,
            "method": row.method,
            "value": row.value,
            "valued_on": _day(row.valued_on),
            "valid_until": _day(row.valid_until),
            "recorded_by": row.recorded_by,
        }
        for row in (await session.execute(select(ValuationRow))).scalars()
    }
    ledger: dict[str, Fields] = {
        valuation: {
            "issuance_id": e.issuance,
            "appraiser_credit_code": e.appraiser,
            "method": e.method,
            "value": fen(e.value),
            "valued_on": e.valued_on,
            "valid_until": e.valid_until,
            "recorded_by": actor,
        }
        for valuation, (e, actor) in state.facts.valuations.items()
    }
    return compare("valuations", database, ledger)


async def check_issuances(session: AsyncSession, state: LedgerState) -> list[Finding]:
    assert state.facts is not None
    database: dict[int, Fields] = {
        row.id: {
            "application_id": row.application_id,
            "asset_class": row.asset_class,
            "instrument_id": row.instrument_id,
            "holder_id": row.holder_id,
            "division": row.division,
            "vintage": row.vintage,
            "quantity": row.quantity,
            "term_end": _day(row.term_end),
            "attributes": row.attributes,
        }
        for row in (await session.execute(select(IssuanceRow))).scalars()
    }
    ledger: dict[int, Fields] = {
        issuance: {
            "application_id": e.application,
            "asset_class": e.asset_class,
            "instrument_id": e.instrument,
            "holder_id": e.holder,
            "division": e.division,
            "vintage": e.vintage,
            "quantity": e.last - e.first + 1,
            "term_end": e.term_end,
            "attributes": e.attributes,
        }
        for issuance, e in state.facts.issuances.items()
    }
    return compare("issuances", database, ledger)


async def check_freezes(session: AsyncSession, state: LedgerState) -> list[Finding]:
    assert state.facts is not None
    database: dict[str, Fields] = {
        row.id: {
            "issuance_id": row.issuance_id,
            "owner_id": row.owner_id,
            "quantity": row.quantity,
            "ranges": _ranges(row.ranges),
            "released": row.released_at is not None,
        }
        for row in (await session.execute(select(FreezeRow))).scalars()
    }
    ledger: dict[str, Fields] = {
        freeze: {
            "issuance_id": f.frozen.issuance,
            "owner_id": f.frozen.owner,
            "quantity": sum(last - first + 1 for first, last in f.frozen.ranges),
            "ranges": _ranges(f.frozen.ranges),
            "released": f.released,
        }
        for freeze, f in state.facts.freezes.items()
    }
    return compare("freezes", database, ledger)


async def check_retirements(session: AsyncSession, state: LedgerState) -> list[Finding]:
    assert state.facts is not None
    database: dict[str, Fields] = {
        row.id: {
            "issuance_id": row.issuance_id,
            "owner_id": row.owner_id,
            "quantity": row.quantity,
            "ranges": _ranges(row.ranges),
            "purpose": row.purpose,
        }
        for row in (await session.execute(select(RetirementRow))).scalars()
    }
    ledger: dict[str, Fields] = {
        certificate: {
            "issuance_id": e.issuance,
            "owner_id": e.owner,
            "quantity": sum(last - first + 1 for first, last in e.ranges),
            "ranges": _ranges(e.ranges),
            "purpose": e.purpose,
        }
        for certificate, e in state.facts.retirements.items()
    }
    return compare("retirements", database, ledger)


async def check_pledges(session: AsyncSession, state: LedgerState) -> list[Finding]:
    """Terms as requested, status and rank as the bank's entries left them. Which pledge a junior
    rides on is in the ledger once the bank registers it; before that it is not compared."""
    facts = state.facts
    assert facts is not None
    database: dict[str, Fields] = {}
    for row in (await session.execute(select(PledgeRow))).scalars():
        database[row.id] = {
            "issuance_id": row.issuance_id,
            "owner_id": row.owner_id,
            "bank_id": row.bank_id,
            "quantity": row.quantity,
            "loan": row.loan,
            "loan_term_end": _day(row.loan_term_end),
            "rank": row.rank,
            "senior_id": row.senior_id,
            "status": row.status,
            "enforcement": row.enforcement,
            "notice_days": row.notice_days,
            "early_default_allowed": row.early_default_allowed,
            "default_cause": row.default_cause,
            "defaulted_on": _day(row.defaulted_on),
            "enforceable_on": _day(row.enforceable_on),
            "agreed_value": row.agreed_value,
            "agreed_on": _day(row.agreed_on),
            "enforced_value": row.enforced_value,
        }
    ledger: dict[str, Fields] = {}
    for pledge, p in facts.pledges.items():
        e = p.request
        ledger[pledge] = {
            "issuance_id": e.issuance,
            "owner_id": e.owner,
            "bank_id": e.bank,
            "quantity": units_of(e.quantity, facts.scales.get(e.issuance, 0)),
            "loan": fen(e.loan),
            "loan_term_end": e.loan_term_end,
            "rank": p.rank,
            "status": p.status,
            "enforcement": p.enforcement,
            **_default_facts(p),
        }
        if p.senior_known:
            ledger[pledge]["senior_id"] = p.senior
    return compare("pledges", database, ledger)


def _default_facts(p: PledgeFacts) -> Fields:
    """The terms on default as requested (requests made before they were recorded carry none: those
    are not compared), the default, the owner's agreed value and what the bank took the units at."""
    terms: Fields = {}
    e = p.request
    if e.notice_days is not None and e.early_default is not None:
        terms = {"notice_days": e.notice_days, "early_default_allowed": e.early_default == "allowed"}
    default, agreed = p.default, p.agreed
    return {
        **terms,
        "default_cause": None if default is None else default.cause,
        "defaulted_on": None if default is None else default.defaulted_on,
        "enforceable_on": None if default is None else default.enforceable_on,
        "agreed_value": None if agreed is None else fen(agreed.value),
        "agreed_on": None if agreed is None else agreed.agreed_on,
        "enforced_value": p.enforced_value,
    }


async def check_claims(session: AsyncSession, state: LedgerState) -> list[Finding]:
    """Unsecured claims a shortfall left a bank (折价), as recorded."""
    facts = state.facts
    assert facts is not None
    database: dict[str, Fields] = {
        row.id: {
            "pledge_id": row.pledge_id,
            "creditor_id": row.creditor_id,
            "debtor_id": row.debtor_id,
            "amount": row.amount,
        }
        for row in (await session.execute(select(ClaimRow))).scalars()
    }
    ledger: dict[str, Fields] = {
        claim: {
            "pledge_id": e.pledge,
            "creditor_id": e.creditor,
            "debtor_id": e.debtor,
            "amount": fen(e.amount),
        }
        for claim, e in facts.claims.items()
    }
    return compare("unsecured_claims", database, ledger)


async def check_contracts(session: AsyncSession, state: LedgerState) -> list[Finding]:
    """Signed contracts: their terms as signed, and whether they have ended. Offers not yet signed,
    and declined ones, are not in the ledger; their terms are not either (rent, dividends, shares,
    floor price, start of term, years paid), so only what the signature records is compared."""
    facts = state.facts
    assert facts is not None
    database: dict[str, Fields] = {}
    for row in (await session.execute(select(ContractRow))).scalars():
        if row.status in ("offered", "declined") and row.id not in facts.contracts:
            continue
        database[row.id] = {
            "issuance_id": row.issuance_id,
            "mode": row.mode,
            "depositor_id": row.depositor_id,
            "operator_id": row.operator_id,
            "quantity": row.quantity,
            "price": row.price,
            "term_end": _day(row.term_end),
            "status": row.status,
        }
    ledger: dict[str, Fields] = {
        contract: {
            "issuance_id": c.signed.issuance,
            "mode": c.signed.mode,
            "depositor_id": c.signed.owner,
            "operator_id": c.signed.operator,
            "quantity": units_of(c.signed.quantity, facts.scales.get(c.signed.issuance, 0)),
            "price": fen(c.signed.price),
            "term_end": c.signed.term_end,
            "status": c.status,
        }
        for contract, c in facts.contracts.items()
    }
    return compare("contracts", database, ledger)
