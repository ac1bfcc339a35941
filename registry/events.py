"""What the registry tells the ledger: one frozen dataclass per entry kind, named in the past tense.

Each class is the single definition of its kind's body (README, "The ledger contract"): writers
build one, the ledger writes ``to_json()`` as the entry's body, and readers (replay, audit,
attestations, surveillance) get it back with ``parse`` and read attributes. The registry does not
know the ledger; its services record each event, with its actor, on the ``Work`` they run in (the
settlement unit of work, which writes the events in the same database transaction). Bodies carry opaque party
ids, serial ranges and decimal strings — never names or personal ids: entries of public kinds are
served to anyone, and every entry to the parties it names (``Event.parties``).

The classes keep the exact bodies of entries written before they existed: field names (see
``registry.records``), which fields may be null and which are left out, and decimal strings formatted
by the writer (``str`` of a ``Quantity`` or ``Money``).
"""

from dataclasses import dataclass
from typing import ClassVar, NamedTuple, Self

from registry import wire
from registry.records import Record, absent, describe
from registry.wire import JSONObject, JSONValue, Ranges, ranges_json

__all__ = [
    "ACTING_USER",
    "SYSTEM",
    "Event",
    "JSONObject",
    "JSONValue",
    "Ranges",
    "Recorded",
    "acting_user",
    "kinds",
    "parse",
    "ranges_json",
]

SYSTEM = "system"  # the actor of what the platform does by itself: expiries, lapses, auction closes
CNY = "CNY"
# The member of an entry's body beside the event's own: the id of the user who acted for the entry's
# actor (a party). Entries of the platform's own acts, and those written before users were recorded,
# have none; every reader takes a body with or without it.
ACTING_USER = "acting_user"


class Event(Record):
    """A ledger entry's kind and body."""

    __slots__ = ()
    kind: ClassVar[str]
    party_fields: ClassVar[tuple[str, ...]] = ()  # the fields that hold a party id

    def subjects(self) -> tuple[int, ...]:
        """The issuances the entry concerns: evidence about a right is every entry naming it."""
        return ()

    def parties(self) -> tuple[str, ...]:
        """The parties the body names (seller, buyer, owner, bank…): each one's users may read the
        entry, and prove it with its inclusion proof."""
        named = (getattr(self, name) for name in self.party_fields)
        return tuple(dict.fromkeys(party for party in named if party is not None))

    @classmethod
    def from_body(cls, body: JSONValue) -> Self:
        """The event an entry's body records, with or without its ``acting_user``."""
        return cls(*wire.read_fields(cls.__name__, cls._keys, body, ACTING_USER))


@dataclass(frozen=True, slots=True)
class _AboutIssuance(Event):
    issuance: int

    def subjects(self) -> tuple[int, ...]:
        return (self.issuance,)


class Recorded(NamedTuple):
    """An event, who caused it (a party id, or ``SYSTEM``) and the user who acted for that party."""

    event: Event
    actor: str
    user: str | None = None

    def body(self) -> JSONObject:
        """The entry's body: the event's, and the acting user beside it."""
        body = self.event.to_json()
        if self.user is not None:
            body[ACTING_USER] = self.user
        return body


# Parties and applications


@dataclass(frozen=True, slots=True)
class PartyOnboarded(Event):
    kind: ClassVar[str] = "party.onboarded"
    party_fields: ClassVar[tuple[str, ...]] = ("party",)
    party: str
    kind_: str  # the party's kind: enterprise, operator, bank…
    division: str


@dataclass(frozen=True, slots=True)
class PartyFrozen(Event):
    """A regulator's freeze of the whole party (four eyes)."""

    kind: ClassVar[str] = "party.frozen"
    party_fields: ClassVar[tuple[str, ...]] = ("party",)
    party: str


@dataclass(frozen=True, slots=True)
class PartyUnfrozen(PartyFrozen):
    kind: ClassVar[str] = "party.unfrozen"


@dataclass(frozen=True, slots=True)
class ApplicationFiled(Event):
    kind: ClassVar[str] = "application.filed"
    party_fields: ClassVar[tuple[str, ...]] = ("holder",)
    application: str
    holder: str
    asset_class: str
    division: str
    vintage: int
    quantity: str


@dataclass(frozen=True, slots=True)
class ApplicationRejected(Event):
    kind: ClassVar[str] = "application.rejected"
    application: str
    reason: str


@dataclass(frozen=True, slots=True)
class IssuanceConfirmed(_AboutIssuance):
    kind: ClassVar[str] = "issuance.confirmed"
    party_fields: ClassVar[tuple[str, ...]] = ("holder",)
    serial: str
    application: str
    asset_class: str
    instrument: str | None  # None for a unique right, which trades by listing only
    holder: str
    division: str
    vintage: int
    first: int
    last: int
    quantity: str
    unit: str
    term_end: str | None
    attributes: JSONObject


@dataclass(frozen=True, slots=True)
class ReadAllGranted(Event):
    """A regulator lets an auditor (``auditor``, a party) read every entry of the ledger until
    ``expires_at`` (RFC 3339 UTC, as the entry's ``at``), unless revoked first."""

    kind: ClassVar[str] = "ledger.read_granted"
    party_fields: ClassVar[tuple[str, ...]] = ("auditor",)
    grant: str
    auditor: str
    expires_at: str


@dataclass(frozen=True, slots=True)
class ReadAllRevoked(Event):
    kind: ClassVar[str] = "ledger.read_revoked"
    party_fields: ClassVar[tuple[str, ...]] = ("auditor",)
    grant: str
    auditor: str


# Users and their keys: who did it (the entry's actor and acting user), for which user, which role


@dataclass(frozen=True, slots=True)
class UserAdded(Event):
    kind: ClassVar[str] = "user.added"
    party_fields: ClassVar[tuple[str, ...]] = ("party",)
    user: str
    party: str
    role: str
    proposal: str | None = absent()  # the four-eyes proposal approved, for a user who holds powers


@dataclass(frozen=True, slots=True)
class UserRoleChanged(Event):
    """A user's role changed (four eyes)."""

    kind: ClassVar[str] = "user.role_changed"
    party_fields: ClassVar[tuple[str, ...]] = ("party",)
    user: str
    party: str
    role: str
    proposal: str


@dataclass(frozen=True, slots=True)
class UserDisabled(Event):
    """Every key of the user stopped, for good."""

    kind: ClassVar[str] = "user.disabled"
    party_fields: ClassVar[tuple[str, ...]] = ("party",)
    user: str
    party: str


@dataclass(frozen=True, slots=True)
class KeyIssued(Event):
    """An API key issued (its opaque id, never the key)."""

    kind: ClassVar[str] = "key.issued"
    party_fields: ClassVar[tuple[str, ...]] = ("party",)
    key: str
    user: str
    party: str
    role: str


@dataclass(frozen=True, slots=True)
class KeyRevoked(Event):
    """A key stops working at ``effective`` (RFC 3339): at once, or at the end of a rotation's overlap."""

    kind: ClassVar[str] = "key.revoked"
    party_fields: ClassVar[tuple[str, ...]] = ("party",)
    key: str
    user: str
    party: str
    effective: str


# Units


@dataclass(frozen=True, slots=True)
class UnitsTransferred(_AboutIssuance):
    kind: ClassVar[str] = "units.transferred"
    party_fields: ClassVar[tuple[str, ...]] = ("from_", "to")
    from_: str
    to: str
    ranges: Ranges
    quantity: str


@dataclass(frozen=True, slots=True)
class _UnitsOfOwner(_AboutIssuance):
    party_fields: ClassVar[tuple[str, ...]] = ("owner",)
    owner: str
    ranges: Ranges


@dataclass(frozen=True, slots=True)
class UnitsRetired(_UnitsOfOwner):
    kind: ClassVar[str] = "units.retired"
    quantity: str
    certificate: str
    purpose: str


@dataclass(frozen=True, slots=True)
class UnitsCancelled(_UnitsOfOwner):
    kind: ClassVar[str] = "units.cancelled"
    quantity: str
    reason: str


@dataclass(frozen=True, slots=True)
class UnitsExpired(_UnitsOfOwner):
    kind: ClassVar[str] = "units.expired"
    quantity: str


@dataclass(frozen=True, slots=True)
class UnitsFrozen(_UnitsOfOwner):
    kind: ClassVar[str] = "units.frozen"
    quantity: str
    freeze: str


@dataclass(frozen=True, slots=True)
class UnitsUnfrozen(UnitsFrozen):
    kind: ClassVar[str] = "units.unfrozen"


@dataclass(frozen=True, slots=True)
class UnitsReserved(_UnitsOfOwner):
    """Units set aside for ``ref``: an offer, order or listing."""

    kind: ClassVar[str] = "units.reserved"
    quantity: str
    ref: str


@dataclass(frozen=True, slots=True)
class UnitsReleased(UnitsReserved):
    kind: ClassVar[str] = "units.released"


# Cash


@dataclass(frozen=True, slots=True)
class CashDeposited(Event):
    kind: ClassVar[str] = "cash.deposited"
    party_fields: ClassVar[tuple[str, ...]] = ("party", "bank")
    party: str
    bank: str
    amount: str  # CNY, two decimals
    currency: str = CNY


@dataclass(frozen=True, slots=True)
class CashWithdrawn(CashDeposited):
    kind: ClassVar[str] = "cash.withdrawn"


@dataclass(frozen=True, slots=True)
class CashReserved(Event):
    """Cash held for ``ref``: an order or a listing's bid."""

    kind: ClassVar[str] = "cash.reserved"
    party_fields: ClassVar[tuple[str, ...]] = ("party",)
    party: str
    amount: str
    ref: str
    currency: str = CNY


@dataclass(frozen=True, slots=True)
class CashReleased(CashReserved):
    kind: ClassVar[str] = "cash.released"


@dataclass(frozen=True, slots=True)
class SettlementBankDesignated(Event):
    """A party names the bank that serves its cash account: from now on only that bank confirms its
    deposits and withdrawals."""

    kind: ClassVar[str] = "cash.bank_designated"
    party_fields: ClassVar[tuple[str, ...]] = ("party", "bank")
    party: str
    bank: str


# Valuations and pledges


@dataclass(frozen=True, slots=True)
class ValuationRecorded(_AboutIssuance):
    kind: ClassVar[str] = "valuation.recorded"
    valuation: str
    appraiser: str  # the appraiser's credit code
    method: str
    value: str
    valued_on: str
    valid_until: str
    currency: str = CNY


@dataclass(frozen=True, slots=True)
class _Pledge(_AboutIssuance):
    party_fields: ClassVar[tuple[str, ...]] = ("owner", "bank")
    pledge: str
    owner: str
    bank: str


@dataclass(frozen=True, slots=True)
class PledgeRequested(_Pledge):
    kind: ClassVar[str] = "pledge.requested"
    quantity: str
    loan: str
    loan_term_end: str  # the loan's due date
    rank: int
    currency: str = CNY
    # The terms on default, left out of requests made before they were recorded: the days' notice the
    # owner gets before enforcement, and whether the bank may declare a default before the due date
    # ("allowed" or "not_allowed").
    notice_days: int | None = absent()
    early_default: str | None = absent()


@dataclass(frozen=True, slots=True)
class PledgeWithdrawn(_Pledge):
    kind: ClassVar[str] = "pledge.withdrawn"


@dataclass(frozen=True, slots=True)
class UnitsPledged(_Pledge):
    """A first lien: the units become pledged to the bank."""

    kind: ClassVar[str] = "units.pledged"
    ranges: Ranges
    rank: int


@dataclass(frozen=True, slots=True)
class PledgeRegistered(_Pledge):
    """A second lien, on units already pledged to ``senior``."""

    kind: ClassVar[str] = "pledge.registered"
    senior: str | None
    rank: int


@dataclass(frozen=True, slots=True)
class UnitsUnpledged(_Pledge):
    kind: ClassVar[str] = "units.unpledged"
    ranges: Ranges


@dataclass(frozen=True, slots=True)
class PledgeReleased(_Pledge):
    """A second lien repaid."""

    kind: ClassVar[str] = "pledge.released"


@dataclass(frozen=True, slots=True)
class PledgePromoted(_Pledge):
    """The first lien repaid: the second (``junior``) becomes first."""

    kind: ClassVar[str] = "pledge.promoted"
    junior: str
    ranges: Ranges


@dataclass(frozen=True, slots=True)
class PledgeEnforced(_Pledge):
    """The pledged units transferred to the bank, whatever they were worth: written before enforcement
    followed the Civil Code (art. 428, 436), and no longer; kept to read the ledgers that hold it."""

    kind: ClassVar[str] = "pledge.enforced"
    ranges: Ranges


@dataclass(frozen=True, slots=True)
class PledgeDefaulted(_Pledge):
    """The loan is in default: overdue (``cause`` "overdue") or declared early as the pledge's terms
    allow ("declared"). The owner's notice: the pledge is enforceable from ``enforceable_on``."""

    kind: ClassVar[str] = "pledge.defaulted"
    cause: str
    defaulted_on: str
    enforceable_on: str


@dataclass(frozen=True, slots=True)
class PledgeValueAgreed(_Pledge):
    """After default, the owner agrees to a value of the pledged units (协议折价)."""

    kind: ClassVar[str] = "pledge.value_agreed"
    value: str
    agreed_on: str
    currency: str = CNY


@dataclass(frozen=True, slots=True)
class PledgeTakenAtValue(_Pledge):
    """折价: the pledged units pass to the bank at ``value`` (an appraiser's ``valuation``, or the
    owner's agreed value when null); the bank pays the owner the ``surplus`` over the ``secured``
    amount, and a ``shortfall`` stays the bank's unsecured claim."""

    kind: ClassVar[str] = "pledge.taken_at_value"
    ranges: Ranges
    valuation: str | None
    value: str
    secured: str
    surplus: str
    shortfall: str
    currency: str = CNY


@dataclass(frozen=True, slots=True)
class ClaimRecorded(Event):
    """What the pledged units did not cover: the bank's (``creditor``) unsecured claim on the owner
    (``debtor``)."""

    kind: ClassVar[str] = "claim.recorded"
    party_fields: ClassVar[tuple[str, ...]] = ("creditor", "debtor")
    claim: str
    pledge: str
    creditor: str
    debtor: str
    amount: str
    currency: str = CNY


@dataclass(frozen=True, slots=True)
class PledgeSale(_Pledge):
    """The pledged units reserved for a forced-sale listing."""

    kind: ClassVar[str] = "pledge.sale"
    listing: str
    ranges: Ranges


@dataclass(frozen=True, slots=True)
class PledgeUnsold(PledgeSale):
    """The forced sale failed: the units are pledged again."""

    kind: ClassVar[str] = "pledge.unsold"


@dataclass(frozen=True, slots=True)
class PledgeProceeds(_Pledge):
    """The owner pays the bank out of a forced sale's proceeds."""

    kind: ClassVar[str] = "pledge.proceeds"
    amount: str
    currency: str = CNY


# Consents to collateral questions


@dataclass(frozen=True, slots=True)
class ConsentGranted(Event):
    """A party lets a named bank ask about one of its rights, or all of them (``issuance`` null),
    until ``expires_at``. Not evidence about the right: another bank is not told who may ask."""

    kind: ClassVar[str] = "consent.granted"
    party_fields: ClassVar[tuple[str, ...]] = ("party", "bank")
    consent: str
    party: str
    bank: str
    issuance: int | None
    expires_at: str  # RFC 3339 UTC, as the entry's ``at``


@dataclass(frozen=True, slots=True)
class ConsentRevoked(Event):
    kind: ClassVar[str] = "consent.revoked"
    party_fields: ClassVar[tuple[str, ...]] = ("party", "bank")
    consent: str
    party: str
    bank: str


# Contracts between depositors and operators (收储)


@dataclass(frozen=True, slots=True)
class ContractSigned(_AboutIssuance):
    """A buy-out delivered and paid, or units set aside under a mandate."""

    kind: ClassVar[str] = "contract.signed"
    party_fields: ClassVar[tuple[str, ...]] = ("owner", "operator")
    contract: str
    mode: str
    owner: str
    operator: str
    ranges: Ranges
    quantity: str
    price: str
    term_end: str
    currency: str = CNY


@dataclass(frozen=True, slots=True)
class ContractListed(_AboutIssuance):
    """Units under a mandate moved to a listing."""

    kind: ClassVar[str] = "contract.listed"
    party_fields: ClassVar[tuple[str, ...]] = ("owner",)
    contract: str
    listing: str
    owner: str
    ranges: Ranges


@dataclass(frozen=True, slots=True)
class ContractUnsold(ContractListed):
    """Back under the mandate."""

    kind: ClassVar[str] = "contract.unsold"


@dataclass(frozen=True, slots=True)
class ContractProceeds(_AboutIssuance):
    """The depositor (``owner``) pays the operator its part of a sale."""

    kind: ClassVar[str] = "contract.proceeds"
    party_fields: ClassVar[tuple[str, ...]] = ("owner", "operator")
    contract: str
    owner: str
    operator: str
    amount: str
    currency: str = CNY


@dataclass(frozen=True, slots=True)
class ContractDistributed(ContractProceeds):
    """The operator pays a depositor its share of a package."""

    kind: ClassVar[str] = "contract.distributed"


@dataclass(frozen=True, slots=True)
class ContractPaid(ContractProceeds):
    """A year's rent or minimum dividend, or the end-of-term share, operator to depositor."""

    kind: ClassVar[str] = "contract.paid"


@dataclass(frozen=True, slots=True)
class ContractEnded(_AboutIssuance):
    """The term is over: units set aside return to the depositor."""

    kind: ClassVar[str] = "contract.ended"
    party_fields: ClassVar[tuple[str, ...]] = ("owner",)
    contract: str
    owner: str
    ranges: Ranges


# Settlement


@dataclass(frozen=True, slots=True)
class _Settled(Event):
    """The parties and the cash legs, as both kinds of settlement record them; units reserved by
    the seller under ``ref`` go to the buyer."""

    party_fields: ClassVar[tuple[str, ...]] = ("seller", "buyer", "fee_account")
    trade: str
    seller: str
    buyer: str
    value: str
    buyer_fee: str
    seller_fee: str
    fee_account: str
    ref: str


@dataclass(frozen=True, slots=True)
class TradeSettled(_Settled):
    kind: ClassVar[str] = "trade.settled"
    issuance: int
    ranges: Ranges
    quantity: str
    price: str
    currency: str = CNY

    def subjects(self) -> tuple[int, ...]:
        return (self.issuance,)


@dataclass(frozen=True, slots=True)
class Delivery(Record):
    """One issuance's units in a package."""

    issuance: int
    ranges: Ranges
    quantity: str
    owner: str | None = absent()  # whose units, when a depositor's rather than the seller's


@dataclass(frozen=True, slots=True)
class PackageSettled(_Settled):
    kind: ClassVar[str] = "package.settled"
    deliveries: tuple[Delivery, ...]
    currency: str = CNY

    def subjects(self) -> tuple[int, ...]:
        return tuple(dict.fromkeys(d.issuance for d in self.deliveries))  # each once

    def parties(self) -> tuple[str, ...]:
        owners = (d.owner for d in self.deliveries if d.owner is not None)
        return tuple(dict.fromkeys((*_Settled.parties(self), *owners)))


# The ledger itself


@dataclass(frozen=True, slots=True)
class LedgerKeyRotated(Event):
    """The ledger's signing key handed over: checkpoints from this entry on are signed by ``key``.

    ``signature`` (base64) is the outgoing key's Ed25519 signature over ``settlement.rotation.message``:
    the new key bound to the tree of ``size`` entries before this one, whose ``root`` it names."""

    kind: ClassVar[str] = "ledger.key_rotated"
    key: str  # C2SP verifier key of the incoming key
    previous: str  # C2SP verifier key of the outgoing key, which signed
    size: int  # the entries before this one (this entry's seq)
    root: str  # base64 RFC 9162 root of those entries, as a checkpoint writes it
    signature: str


def _kinds(*classes: type[Event]) -> dict[str, type[Event]]:
    for cls in classes:
        describe(cls)
    return {cls.kind: cls for cls in classes}


describe(Delivery)
_KINDS = _kinds(
    PartyOnboarded,
    PartyFrozen,
    PartyUnfrozen,
    UserAdded,
    UserRoleChanged,
    UserDisabled,
    KeyIssued,
    KeyRevoked,
    ApplicationFiled,
    ApplicationRejected,
    IssuanceConfirmed,
    UnitsTransferred,
    UnitsRetired,
    UnitsCancelled,
    UnitsFrozen,
    UnitsUnfrozen,
    UnitsExpired,
    UnitsReserved,
    UnitsReleased,
    TradeSettled,
    PackageSettled,
    CashDeposited,
    CashWithdrawn,
    ValuationRecorded,
    PledgeRequested,
    PledgeWithdrawn,
    UnitsPledged,
    PledgeRegistered,
    UnitsUnpledged,
    PledgeReleased,
    PledgePromoted,
    PledgeEnforced,
    PledgeDefaulted,
    PledgeValueAgreed,
    PledgeTakenAtValue,
    ClaimRecorded,
    PledgeSale,
    PledgeUnsold,
    PledgeProceeds,
    ContractSigned,
    ContractListed,
    ContractUnsold,
    ContractProceeds,
    ContractDistributed,
    ContractPaid,
    ContractEnded,
    CashReserved,
    CashReleased,
    ReadAllGranted,
    ReadAllRevoked,
    SettlementBankDesignated,
    ConsentGranted,
    ConsentRevoked,
    LedgerKeyRotated,
)


def parse(kind: str, body: JSONObject) -> Event:
    """The event an entry of ``kind`` records; ``KeyError`` for a kind this code does not know."""
    return _KINDS[kind].from_body(body)


def acting_user(body: JSONObject) -> str | None:
    """The user who acted for the entry's party, where the entry says."""
    user = body.get(ACTING_USER)
    return user if isinstance(user, str) else None


def kinds() -> dict[str, type[Event]]:
    """Every entry kind and its class."""
    return dict(_KINDS)
