"""Cash accounts in CNY, fen inside: deposits and withdrawals that a bank confirms.

Each party names the bank that serves its account (its settlement bank, 存管银行), and may change it;
the naming is a ledger entry. Only that bank confirms money it received for the party (deposit) or
paid out to it (withdrawal): any other bank is refused, in the same words whether the party exists or
not, and nothing changes. The bank's own reference is unique per bank, so a confirmation sent twice
is refused rather than counted twice. ``reserved`` is the part of a balance promised to open bids and
orders; it is never withdrawn.
"""

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from registry import context as c
from registry import events as ev
from registry.errors import CashNotFree, Conflict, Forbidden, InvalidInput, UnknownParty
from registry.locks import locked
from registry.parties import require_none_frozen
from registry.quantities import Money
from registry.tables import CashAccountRow, CashMovementRow, PartyRow, SettlementBankRow


class BankReferenceRequired(InvalidInput):
    title = "Bank reference required"
    template = "give the bank's own reference for this payment"


class DepositToOwnParty(Forbidden):
    title = "Deposit to your own party"
    template = "a bank may not confirm money received into an account of its own party"


class PaymentConfirmedAlready(Conflict):
    title = "Payment confirmed already"
    template = "this bank confirmed a payment with reference {reference} already"


class AccountNotServedByYou(Forbidden):
    title = "Account not served by you"
    template = (
        "you do not serve the cash account of party {party}: only the settlement bank the party names "
        "confirms its deposits and withdrawals"
    )


class SettlementBankNotABank(InvalidInput):
    title = "Settlement bank not a bank"
    template = "a settlement bank is a bank party; {party} is not one"


@dataclass(frozen=True, slots=True)
class CashAccount:
    party: str
    balance: str
    reserved: str
    available: str
    bank: str | None  # the settlement bank the party named, if any


@dataclass(frozen=True, slots=True)
class CashLine:
    id: int
    kind: str
    amount: str
    balance: str
    bank: str | None  # who confirmed a deposit or withdrawal
    counterparty: str | None  # who paid or was paid, in a settlement
    reference: str
    at: dt.datetime


async def _account(session: AsyncSession, row: CashAccountRow) -> CashAccount:
    return CashAccount(
        row.party_id,
        str(Money(row.balance)),
        str(Money(row.reserved)),
        str(Money(row.balance - row.reserved)),
        await _settlement_bank(session, row.party_id),
    )


async def _settlement_bank(session: AsyncSession, party_id: str) -> str | None:
    served = await session.get(SettlementBankRow, party_id)
    return None if served is None else served.bank_id


async def designate(work: c.Work, actor: c.Actor, *, party_id: str, bank: str) -> CashAccount:
    """The party names the bank that serves its cash account, replacing any it named before."""
    if actor.party_id != party_id:
        raise UnknownParty("party", party=party_id)
    named = await work.session.get(PartyRow, bank)
    if named is None or named.kind != c.PartyKind.BANK:
        raise SettlementBankNotABank("bank", party=bank)
    served = await work.session.get(SettlementBankRow, party_id, with_for_update=True)
    if served is None:
        work.session.add(SettlementBankRow(party_id=party_id, bank_id=bank, designated_at=work.now))
    elif served.bank_id != bank:
        served.bank_id, served.designated_at = bank, work.now
    else:
        return await account(work.session, actor, party_id)  # named already: nothing to record
    work.record(ev.SettlementBankDesignated(party=party_id, bank=bank), actor=actor.party_id)
    await work.session.flush()
    return await account(work.session, actor, party_id)


async def _locked_account(session: AsyncSession, party_id: str) -> CashAccountRow:
    row = await locked(session, CashAccountRow, party_id)
    if row is None:
        raise UnknownParty("party", party=party_id)
    return row


async def _post(
    work: c.Work, actor: c.Actor, *, party_id: str, amount: str, reference: str, sign: int
) -> CashAccount:
    actor.require(c.PartyKind.BANK)
    fen = Money.parse(amount, field="amount").fen
    if not reference.strip():
        raise BankReferenceRequired("reference")
    if await _settlement_bank(work.session, party_id) != actor.party_id:
        raise AccountNotServedByYou("party", party=party_id)
    if sign < 0:
        await require_none_frozen(work.session, party_id)
    duplicate = select(CashMovementRow.id).where(
        CashMovementRow.bank_id == actor.party_id, CashMovementRow.reference == reference
    )
    if (await work.session.execute(duplicate)).first() is not None:
        raise PaymentConfirmedAlready("reference", reference=reference)
    account = await _locked_account(work.session, party_id)
    if sign < 0 and fen > account.balance - account.reserved:
        raise CashNotFree(
            "amount",
            free=str(Money(account.balance - account.reserved)),
            asked=str(Money(fen)),
        )
    account.balance += sign * fen
    kind = "deposit" if sign > 0 else "withdrawal"
    work.session.add(
        CashMovementRow(
            party_id=party_id,
            kind=kind,
            amount=sign * fen,
            balance_after=account.balance,
            bank_id=actor.party_id,
            reference=reference,
            at=work.now,
        )
    )
    work.record(
        (ev.CashDeposited if sign > 0 else ev.CashWithdrawn)(
            party=party_id, bank=actor.party_id, amount=str(Money(fen))
        ),
        actor=actor.party_id,
    )
    return await _account(work.session, account)


async def deposit(work: c.Work, actor: c.Actor, *, party_id: str, amount: str, reference: str) -> CashAccount:
    if party_id == actor.party_id:  # cash out of nothing, for itself: no one's second look
        raise DepositToOwnParty("party")
    return await _post(work, actor, party_id=party_id, amount=amount, reference=reference, sign=+1)


async def withdraw(
    work: c.Work, actor: c.Actor, *, party_id: str, amount: str, reference: str
) -> CashAccount:
    return await _post(work, actor, party_id=party_id, amount=amount, reference=reference, sign=-1)


async def account(session: AsyncSession, actor: c.Actor, party_id: str) -> CashAccount:
    actor.require_sight_of(party_id)
    row = await session.get(CashAccountRow, party_id)
    if row is None:
        raise UnknownParty("party", party=party_id)
    return await _account(session, row)


async def cash_statement(
    session: AsyncSession, actor: c.Actor, party_id: str, *, after: int | None, limit: int
) -> list[CashLine]:
    actor.require_sight_of(party_id)
    query = select(CashMovementRow).where(CashMovementRow.party_id == party_id).order_by(CashMovementRow.id)
    if after is not None:
        query = query.where(CashMovementRow.id > after)
    rows = (await session.execute(query.limit(limit))).scalars()
    return [
        CashLine(
            r.id,
            r.kind,
            str(Money(r.amount)),
            str(Money(r.balance_after)),
            r.bank_id,
            r.counterparty_id,
            r.reference,
            r.at,
        )
        for r in rows
    ]


async def free(session: AsyncSession, party: str) -> int:
    """Fen the party could pay now: its balance less what is held for orders and bids."""
    row = await session.get(CashAccountRow, party)
    return 0 if row is None else row.balance - row.reserved


async def pay(work: c.Work, *, payer: str, payee: str, fen: int, reference: str, kind: str) -> None:
    """Move ``fen`` from payer's free cash to payee, with both statement lines.

    The caller records the settlement event that carries this leg.
    """
    if fen == 0:
        return
    source = await _locked_account(work.session, payer)
    if fen > source.balance - source.reserved:
        raise CashNotFree(
            "amount",
            free=str(Money(source.balance - source.reserved)),
            asked=str(Money(fen)),
        )
    target = await _locked_account(work.session, payee)
    source.balance -= fen
    target.balance += fen
    for account, amount, other in ((source, -fen, payee), (target, fen, payer)):
        work.session.add(
            CashMovementRow(
                party_id=account.party_id,
                kind=kind,
                amount=amount,
                balance_after=account.balance,
                bank_id=None,
                counterparty_id=other,
                reference=reference,
                at=work.now,
            )
        )


async def hold(work: c.Work, *, party: str, fen: int, ref: str, actor: str) -> None:
    """Set ``fen`` of the party's free cash aside for an order or bid (``ref``); it cannot be
    withdrawn or promised again until released."""
    await _reservation(work, party=party, fen=fen, ref=ref, actor=actor, kind=ev.CashReserved)


async def unhold(work: c.Work, *, party: str, fen: int, ref: str, actor: str) -> None:
    """Return ``fen`` held for ``ref`` to the party's free cash."""
    await _reservation(work, party=party, fen=fen, ref=ref, actor=actor, kind=ev.CashReleased)


async def _reservation(
    work: c.Work, *, party: str, fen: int, ref: str, actor: str, kind: type[ev.CashReserved]
) -> None:
    if fen == 0:
        return
    account = await _locked_account(work.session, party)
    if kind is ev.CashReserved:
        free = account.balance - account.reserved
        if fen > free:
            raise CashNotFree("price", free=str(Money(free)), asked=str(Money(fen)))
        account.reserved += fen
    else:
        assert fen <= account.reserved, "released more cash than was held"
        account.reserved -= fen
    work.record(
        kind(party=party, amount=str(Money(fen)), ref=ref),
        actor=actor,
    )
