"""Request bodies and parameters: strict pydantic models and bounded parameter types, so a JSON number
where a decimal string belongs, a boolean or a string where an integer belongs, a date-time without its
zone, an unknown field or a value longer than its column is refused at the edge (400) with the field
named. Quantities and amounts stay strings here; the use case parses them with the scale of their asset
class."""

import datetime as dt
import re
from enum import StrEnum
from typing import Annotated, Any, Literal

from litestar.params import FromQuery, PathParameter, QueryParameter
from pydantic import AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from market.listings import ListingMode, ListingStatus
from market.negotiated import OfferStatus
from market.tables import OrderStatus, SelfTrade, Side, TimeInForce
from registry.certificates import Purpose
from registry.context import PartyKind, Role
from registry.contracts import ContractMode, ContractStatus
from registry.credentials import MAX_OVERLAP_S
from registry.enforcement import DefaultCause
from registry.freezes import FreezeStatus
from registry.pledges import NOTICE_DAYS, EnforcementMethod, PledgeStatus
from registry.relations import LinkKind
from registry.rights import ApplicationStatus
from registry.valuations import ValuationMethod
from settlement.tables import LINE_LENGTH, URL_LENGTH


def _decimal_string(value: object) -> object:
    if not isinstance(value, str):
        raise ValueError('must be a decimal string such as "12.345", not a JSON number')  # noqa: TRY004
    return value


Decimal = Annotated[str, BeforeValidator(_decimal_string), Field(max_length=32, examples=["96.000"])]
Price = Annotated[str, BeforeValidator(_decimal_string), Field(max_length=32, examples=["389.00"])]


def _rfc3339(value: object) -> object:
    if not isinstance(value, str) or not _RFC3339.fullmatch(value):
        raise ValueError("must be an RFC 3339 date-time with its zone, such as 2026-12-01T10:00:00+08:00")
    return dt.datetime.fromisoformat(value)


def _iso_date(value: object) -> object:
    if not isinstance(value, str) or not _DATE.fullmatch(value):
        raise ValueError("must be a date such as 2026-12-01")
    return dt.date.fromisoformat(value)


_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_RFC3339 = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?([Zz]|[+-][0-9]{2}:[0-9]{2})"
)
Moment = Annotated[AwareDatetime, BeforeValidator(_rfc3339)]
Day = Annotated[dt.date, BeforeValidator(_iso_date)]
Text = Annotated[str, Field(min_length=1, max_length=200)]
PartyId = Annotated[str, Field(min_length=1, max_length=36)]
MAX_ID = 2**31 - 1  # integer ids are 32-bit columns on both engines
MAX_SEQ = 2**53 - 1  # ledger positions: every JSON reader's integers
MAX_SERIAL = 2**53 - 1  # serials: the ledger's integers (64-bit columns)
IssuanceId = Annotated[int, Field(ge=1, le=MAX_ID)]
SerialId = Annotated[int, Field(ge=1, le=MAX_SERIAL)]
# path and query parameters
_ID = {"min_length": 1, "max_length": 36, "description": "an id this API gave out"}
_CLASS = {"pattern": r"^[A-Z]{2,8}$", "description": "an asset class's code: EP, EPHM, CS, FR, WL…"}
PathId = Annotated[str, PathParameter(**_ID)]
QueryId = Annotated[str | None, QueryParameter(**_ID)]
IssuancePath = Annotated[int, PathParameter(ge=1, le=MAX_ID, description="an issuance's number")]
IssuanceQuery = Annotated[int | None, QueryParameter(ge=1, le=MAX_ID, description="only this issuance")]
SerialPath = Annotated[int, PathParameter(ge=1, le=MAX_SERIAL, description="a unit's serial")]
CertificatePath = Annotated[
    str, PathParameter(min_length=1, max_length=40, description="a certificate number")
]
AssetClassPath = Annotated[str, PathParameter(**_CLASS)]
AssetClassQuery = Annotated[str | None, QueryParameter(**_CLASS)]
DivisionQuery = Annotated[str | None, QueryParameter(pattern=r"^[0-9]{6}$", description="only its children")]
ApplicationStatusQuery = FromQuery[ApplicationStatus | None]
OfferStatusQuery = FromQuery[OfferStatus | None]
ListingStatusQuery = FromQuery[ListingStatus | None]
OrderStatusQuery = FromQuery[OrderStatus | None]
PledgeStatusQuery = FromQuery[PledgeStatus | None]
ContractStatusQuery = FromQuery[ContractStatus | None]
PartyKindQuery = FromQuery[PartyKind | None]
FreezeStatusQuery = FromQuery[FreezeStatus | None]
Format = FromQuery[Literal["json", "csv"]]


def one_of(kind: type[StrEnum]) -> BeforeValidator:
    """A JSON body carries an enum's value, while the app validates strictly, where only a member is
    taken: the exact value becomes its member, anything else (a number, another case) is refused."""

    def member(value: object) -> object:
        if isinstance(value, kind):
            return value
        if type(value) is str and value in kind._value2member_map_:
            return kind(value)
        raise ValueError("must be one of: " + ", ".join(kind))

    return BeforeValidator(member)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class PartyIn(Strict):
    kind: Annotated[PartyKind, one_of(PartyKind)]
    name: Text
    division: Annotated[str, Field(pattern=r"^[0-9]{6}$", examples=["360100"])]
    credit_code: (
        Annotated[str, Field(min_length=18, max_length=18, examples=["91360100MA3ABCDE1C"])] | None
    ) = None
    resident_id: Annotated[str, Field(min_length=18, max_length=18)] | None = None


class UserIn(Strict):
    name: Annotated[str, Field(min_length=1, max_length=100)]
    role: Annotated[Role, one_of(Role)]


AttributeName = Annotated[str, Field(min_length=1, max_length=50)]
DateRange = Annotated[list[AttributeName], Field(min_length=2, max_length=2, description="[start, end]")]


class IdentityIn(Strict):
    """The attributes that identify the underlying right (``registry.identity``)."""

    by: Annotated[list[AttributeName], Field(min_length=1, max_length=10)]
    when: dict[str, Any] | None = Field(None, description="only for applications whose attributes hold these")
    period: DateRange | None = Field(
        None,
        description="two date attributes: claims with the same `by` values are one right where these overlap",
    )


Share = Annotated[str, Field(pattern=r"^(0(\.[0-9]{1,4})?|1(\.0{1,4})?)$", examples=["0.05"])]


class ParcelRuleIn(Strict):
    """Where a land class's boundary and declared area are (registry.parcel_geometry.ParcelRule)."""

    boundary: Annotated[str, Field(min_length=1, max_length=50, examples=["boundary"])]
    area_attribute: Annotated[str, Field(min_length=1, max_length=50)] | None = Field(
        None, description="the attribute holding the declared area; none: the quantity"
    )
    area_unit: Literal["mu", "ha"] = Field(description="亩 (1 ha = 15 亩) or 公顷")
    area_tolerance: Share
    overlap_tolerance: Share


class AssetClassIn(Strict):
    code: Annotated[str, Field(pattern=r"^[A-Z]{2,8}$")]
    name: Annotated[str, Field(min_length=1, max_length=100)]
    name_zh: Annotated[str, Field(min_length=1, max_length=50)]
    unit: Annotated[str, Field(min_length=1, max_length=16)]
    scale: Annotated[int, Field(ge=0, le=6)]
    price_basis: Annotated[str, Field(min_length=1, max_length=16)]
    retirable: bool
    fungible_by: (
        Annotated[list[Annotated[str, Field(min_length=1, max_length=50)]], Field(max_length=20)] | None
    ) = None
    fungible_when: dict[str, Any] | None = None
    term_attribute: Annotated[str, Field(min_length=1, max_length=50)] | None = None
    attribute_schema: dict[str, Any]
    valuation_max_age_days: Annotated[
        int, Field(ge=1, le=3650, description="how old a valuation may be for a pledge to be enforced at it")
    ] = 365
    identity: IdentityIn | None = None
    date_ranges: Annotated[list[DateRange], Field(max_length=10)] | None = Field(
        None, description="pairs of date attributes whose end must come after their start"
    )

    parcel_rule: ParcelRuleIn | None = None


class ApplicationIn(Strict):
    holder: PartyId | None = Field(None, description="defaults to the applicant; operators may name another")
    asset_class: Annotated[str, Field(pattern=r"^[A-Z]{2,8}$", examples=["EP"])]
    division: Annotated[str, Field(pattern=r"^[0-9]{6}$")]
    vintage: Annotated[int, Field(ge=1900, le=2200, examples=[2025])]
    quantity: Decimal
    attributes: dict[str, Any]


class ReasonIn(Strict):
    reason: Text


class GrantIn(Strict):
    auditor: PartyId
    expires_at: Annotated[Moment, Field(description="RFC 3339, with its time zone; after now")]


class RoleIn(Strict):
    role: Annotated[Role, one_of(Role)]


class RotationIn(Strict):
    overlap_s: Annotated[
        int,
        Field(
            ge=0,
            le=MAX_OVERLAP_S,
            examples=[86400],
            description="seconds the old key keeps working beside the new one (0: it stops now)",
        ),
    ]


class TransferIn(Strict):
    issuance: IssuanceId
    to: PartyId
    quantity: Decimal


class RetireIn(Strict):
    issuance: IssuanceId
    quantity: Decimal
    beneficiary: Text
    purpose: Annotated[Purpose, one_of(Purpose)]


class EncumberIn(Strict):
    issuance: IssuanceId
    owner: PartyId
    quantity: Decimal
    reason: Text


class CashIn(Strict):
    party: PartyId
    amount: Decimal
    reference: Annotated[str, Field(min_length=1, max_length=64)]


class SettlementBankIn(Strict):
    bank: Annotated[PartyId, Field(description="the bank party that is to serve your cash account")]


class OfferIn(Strict):
    buyer: PartyId
    issuance: IssuanceId
    quantity: Decimal
    price: Price
    deadline: Annotated[Moment, Field(description="RFC 3339, with its time zone")]


class OrderIn(Strict):
    instrument: Annotated[str, Field(min_length=1, max_length=36)]
    side: Annotated[Side, one_of(Side)]
    quantity: Decimal
    price: Annotated[Price | None, Field(description="CNY per unit; omit for a market order")] = None
    time_in_force: Annotated[TimeInForce, one_of(TimeInForce)] = TimeInForce.GTC
    expires_at: Annotated[Moment | None, Field(description="for GTD, RFC 3339 with its time zone")] = None
    self_trade: Annotated[SelfTrade, one_of(SelfTrade)] = SelfTrade.CANCEL_NEWEST
    issuance: Annotated[IssuanceId | None, Field(description="a sell's issuance; the oldest that can")] = None


class AmendIn(Strict):
    quantity: Annotated[Decimal, Field(description="the new open quantity")]
    price: Price | None = None


class RulesIn(Strict):
    tick: Price | None = None
    lot: Decimal | None = None
    min_quantity: Decimal | None = None
    max_quantity: Decimal | None = None
    band_bps: Annotated[int | None, Field(ge=1, le=9999, examples=[1000])] = None
    reference_price: Price | None = None


class ItemIn(Strict):
    issuance: IssuanceId
    quantity: Decimal
    contract: Annotated[
        str | None, Field(max_length=36, description="in an operator's package: the mandate it sells under")
    ] = None


class ListingIn(Strict):
    items: Annotated[
        list[ItemIn],
        Field(min_length=1, max_length=100, description="one issuance, or several as a package (资产包)"),
    ]
    mode: Annotated[ListingMode, one_of(ListingMode)]
    price: Annotated[
        Price, Field(description="the fixed or start price: per unit for one item, whole for a package")
    ]
    ends_at: Annotated[Moment, Field(description="RFC 3339, with its time zone")]
    increment: Price = "0.01"
    reserve_price: Price | None = None
    reserve_public: bool = True
    deposit: Annotated[Price | None, Field(description="保证金 each bidder lodges to register")] = None
    extension_minutes: Annotated[int, Field(ge=0, le=60)] = 4


class BidIn(Strict):
    price: Price
    quantity: Annotated[Decimal | None, Field(description="sealed bids on fungible units may take part")] = (
        None
    )


CreditCode = Annotated[str, Field(min_length=18, max_length=18, examples=["91360100MA3ABCDE1C"])]


class ValuationIn(Strict):
    issuance: IssuanceId
    appraiser: Text
    appraiser_credit_code: CreditCode
    method: Annotated[ValuationMethod, one_of(ValuationMethod)]
    value: Annotated[Price, Field(description="CNY, of the whole issuance")]
    valued_on: Day
    valid_until: Day


class SerialRange(Strict):
    first: SerialId
    last: SerialId


class VerifyIn(Strict):
    issuance: IssuanceId
    owner_credit_code: CreditCode
    serials: SerialRange | None = None


class AttestationOut(BaseModel):
    """The signed attestation (see the README's attestation contract); documents the response."""

    attestation: dict[str, Any] = Field(
        description="v, type, log, issued_at, checkpoint, answer (with ledger_size), evidence"
    )
    signature: str = Field(description="base64 Ed25519 over the context line and RFC 8785 attestation")
    key: str = Field(description="the platform's C2SP verifier key")


class PledgeIn(Strict):
    issuance: IssuanceId
    bank: PartyId
    quantity: Decimal
    loan: Annotated[Price, Field(description="the amount the pledge secures, CNY")]
    loan_term_end: Annotated[Day, Field(description="the loan's due date")]
    senior: Annotated[PartyId | None, Field(description="the first pledge a second lien rides on")] = None
    notice_days: Annotated[
        int, Field(ge=0, le=365, description="days' notice the owner gets after default, before enforcement")
    ] = NOTICE_DAYS
    early_default_allowed: Annotated[
        bool, Field(description="the bank may declare a default before the due date")
    ] = False


class ConsentIn(Strict):
    bank: Annotated[PartyId, Field(description="the bank party that may ask")]
    issuance: Annotated[
        IssuanceId | None, Field(description="the right it may ask about; omit for all your rights")
    ] = None
    expires_at: Annotated[Moment, Field(description="RFC 3339, with its time zone; at most a year ahead")]


class RegisterPledgeIn(Strict):
    allow_junior: Annotated[bool, Field(description="let another bank take a second lien")] = False


class SaleIn(Strict):
    """A forced sale's terms: a listing of the pledged units, sold whole."""

    mode: Annotated[ListingMode, one_of(ListingMode)]
    price: Price
    ends_at: Annotated[Moment, Field(description="RFC 3339, with its time zone")]
    increment: Price = "0.01"
    reserve_price: Price | None = None
    reserve_public: bool = True
    deposit: Price | None = None
    extension_minutes: Annotated[int, Field(ge=0, le=60)] = 4


class EnforceIn(Strict):
    method: Annotated[EnforcementMethod, one_of(EnforcementMethod)]
    valuation: Annotated[
        str | None,
        Field(
            min_length=1,
            max_length=36,
            description="for method valuation: an appraiser's valuation of the right; omit for the value "
            "the owner agreed",
        ),
    ] = None
    sale: Annotated[SaleIn | None, Field(description="the forced sale's terms, for method sale")] = None

    @model_validator(mode="after")
    def _terms_for_the_method(self) -> "EnforceIn":
        if (self.method == EnforcementMethod.SALE) != (self.sale is not None):
            raise ValueError("sale terms are given for method sale, and only for it")
        if self.method == EnforcementMethod.SALE and self.valuation is not None:
            raise ValueError("a valuation is given for method valuation only")
        return self


class DefaultIn(Strict):
    cause: Annotated[DefaultCause, one_of(DefaultCause)]


class AgreedValueIn(Strict):
    value: Annotated[Price, Field(description="the value of the pledged units the owner agrees, CNY")]


class LinkIn(Strict):
    party_a: PartyId
    party_b: PartyId
    kind: Annotated[LinkKind, one_of(LinkKind)]


class CloseCaseIn(Strict):
    note: Annotated[str, Field(min_length=1, max_length=2000)]  # why the case is closed


class ContractIn(Strict):
    depositor: PartyId
    issuance: IssuanceId
    quantity: Decimal
    mode: Annotated[ContractMode, one_of(ContractMode)]
    term_start: Day
    term_end: Day
    price: Annotated[Price | None, Field(description="a buy-out's price, CNY")] = None
    annual_rent: Annotated[Price | None, Field(description="a lease's rent a year, CNY")] = None
    minimum_dividend: Annotated[Price | None, Field(description="custody or co-operation, CNY a year")] = None
    revenue_share_bps: Annotated[int, Field(ge=0, le=10_000, description="the depositor's share")] = 10_000
    end_share_bps: Annotated[int, Field(ge=0, le=10_000)] = 0
    floor_price: Annotated[Price | None, Field(description="per unit, lowest price the mandate sells at")] = (
        None
    )


class CosignatureIn(Strict):
    """A witness's cosignature of a checkpoint (C2SP ``tlog-cosignature``, ``cosignature/v1``)."""

    checkpoint: Annotated[
        str,
        Field(
            min_length=1,
            max_length=1024,
            description="the checkpoint's note text as cosigned: origin, size and base64 root lines, each "
            "ending in a newline, without signature lines",
        ),
    ]
    cosignature: Annotated[
        str,
        Field(
            min_length=1,
            max_length=LINE_LENGTH,
            description="the witness's note signature line: '— <name> base64(key id ‖ 8-byte time ‖ "
            "Ed25519 signature)', without its newline",
        ),
    ]


EntryKind = Annotated[
    str, Field(pattern=r"^[a-z_]{1,15}\.[a-z_]{1,16}$", examples=["trade.settled"], description="a kind")
]


class WebhookIn(Strict):
    url: Annotated[
        str,
        Field(
            min_length=9,
            max_length=URL_LENGTH,
            pattern=r"^https?://[^\s]+$",
            examples=["https://loans.example.cn/liangshan/webhook"],
            description="the endpoint entries are POSTed to: https://",
        ),
    ]
    kinds: Annotated[
        list[EntryKind] | None,
        Field(min_length=1, max_length=64, description="only entries of these kinds; omit for every kind"),
    ] = None


class ReadIn(Strict):
    through: Annotated[
        int, Field(ge=0, le=MAX_SEQ, description="every notification up to this ledger position is read")
    ]
