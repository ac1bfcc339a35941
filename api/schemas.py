"""Request bodies: strict pydantic models, so a JSON number where a decimal string belongs, an unknown
field or a wrong type is refused at the edge with the field named. Quantities and amounts stay strings
here; the use case parses them with the scale of their asset class."""

import datetime as dt
from typing import Annotated, Any, Literal

from litestar.params import PathParameter
from pydantic import AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field

from registry.context import PARTY_KINDS, ROLES


def _decimal_string(value: object) -> object:
    if not isinstance(value, str):
        raise ValueError('must be a decimal string such as "12.345", not a JSON number')  # noqa: TRY004
    return value


Decimal = Annotated[str, BeforeValidator(_decimal_string), Field(max_length=32, examples=["96.000"])]
Price = Annotated[str, BeforeValidator(_decimal_string), Field(max_length=32, examples=["389.00"])]
Text = Annotated[str, Field(min_length=1, max_length=200)]
PartyId = Annotated[str, Field(min_length=1, max_length=36)]
MAX_INTEGER = 2**53 - 1  # every id and serial fits the ledger's integers (and every database's)
IssuanceId = Annotated[int, Field(ge=1, le=MAX_INTEGER)]
PathInteger = Annotated[int, PathParameter(ge=1, le=MAX_INTEGER)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, str_strip_whitespace=True)


class PartyIn(Strict):
    kind: Literal[PARTY_KINDS]  # type: ignore[valid-type]
    name: Text
    division: Annotated[str, Field(pattern=r"^[0-9]{6}$", examples=["360100"])]
    credit_code: Annotated[str, Field(examples=["91360100MA3ABCDE1C"])] | None = None
    resident_id: str | None = None


class UserIn(Strict):
    name: Text
    role: Literal[ROLES]  # type: ignore[valid-type]


class AssetClassIn(Strict):
    code: Annotated[str, Field(pattern=r"^[A-Z]{2,8}$")]
    name: Text
    name_zh: Text
    unit: Annotated[str, Field(min_length=1, max_length=16)]
    scale: int
    price_basis: str
    retirable: bool
    fungible_by: list[str] | None = None
    fungible_when: dict[str, Any] | None = None
    term_attribute: str | None = None
    attribute_schema: dict[str, Any]


class ApplicationIn(Strict):
    holder: PartyId | None = Field(None, description="defaults to the applicant; operators may name another")
    asset_class: Annotated[str, Field(examples=["EP"])]
    division: Annotated[str, Field(pattern=r"^[0-9]{6}$")]
    vintage: Annotated[int, Field(examples=[2025])]
    quantity: Decimal
    attributes: dict[str, Any]


class ReasonIn(Strict):
    reason: Text


class TransferIn(Strict):
    issuance: IssuanceId
    to: PartyId
    quantity: Decimal


class RetireIn(Strict):
    issuance: IssuanceId
    quantity: Decimal
    beneficiary: Text
    purpose: Literal["compliance", "voluntary", "damage_compensation"]


class EncumberIn(Strict):
    issuance: IssuanceId
    owner: PartyId
    quantity: Decimal
    reason: Text


class CashIn(Strict):
    party: PartyId
    amount: Decimal
    reference: Annotated[str, Field(min_length=1, max_length=64)]


class OfferIn(Strict):
    buyer: PartyId
    issuance: IssuanceId
    quantity: Decimal
    price: Price
    deadline: Annotated[AwareDatetime, Field(strict=False, description="RFC 3339, with its time zone")]


class OrderIn(Strict):
    instrument: Annotated[str, Field(min_length=1, max_length=36)]
    side: Literal["buy", "sell"]
    quantity: Decimal
    price: Annotated[Price | None, Field(description="CNY per unit; omit for a market order")] = None
    time_in_force: Literal["GTC", "DAY", "GTD", "IOC", "FOK"] = "GTC"
    expires_at: Annotated[AwareDatetime | None, Field(strict=False, description="for GTD, RFC 3339")] = None
    self_trade: Literal["cancel_newest", "cancel_oldest", "cancel_both", "decrement"] = "cancel_newest"
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
    mode: Literal["fixed", "english", "sealed"]
    price: Annotated[
        Price, Field(description="the fixed or start price: per unit for one item, whole for a package")
    ]
    ends_at: Annotated[AwareDatetime, Field(strict=False, description="RFC 3339, with its time zone")]
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
    method: Literal["market", "income", "cost", "GEP", "VEP"]
    value: Annotated[Price, Field(description="CNY, of the whole issuance")]
    valued_on: Annotated[dt.date, Field(strict=False)]
    valid_until: Annotated[dt.date, Field(strict=False)]


class SerialRange(Strict):
    first: IssuanceId
    last: IssuanceId


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
    loan: Price
    loan_term_end: Annotated[dt.date, Field(strict=False)]
    senior: Annotated[PartyId | None, Field(description="the first pledge a second lien rides on")] = None


class RegisterPledgeIn(Strict):
    allow_junior: Annotated[bool, Field(description="let another bank take a second lien")] = False


class SaleIn(Strict):
    """A forced sale's terms: a listing of the pledged units, sold whole."""

    mode: Literal["fixed", "english", "sealed"]
    price: Price
    ends_at: Annotated[AwareDatetime, Field(strict=False)]
    increment: Price = "0.01"
    reserve_price: Price | None = None
    reserve_public: bool = True
    deposit: Price | None = None
    extension_minutes: Annotated[int, Field(ge=0, le=60)] = 4


class EnforceIn(Strict):
    method: Literal["transfer", "sale"] = "transfer"
    sale: Annotated[SaleIn | None, Field(description="the forced sale's terms, for method sale")] = None


class LinkIn(Strict):
    party_a: PartyId
    party_b: PartyId
    kind: Literal["legal_representative", "controller", "beneficial_owner"]


class ContractIn(Strict):
    depositor: PartyId
    issuance: IssuanceId
    quantity: Decimal
    mode: Literal["buyout", "lease", "custody", "cooperation"]
    term_start: Annotated[dt.date, Field(strict=False)]
    term_end: Annotated[dt.date, Field(strict=False)]
    price: Annotated[Price | None, Field(description="a buy-out's price, CNY")] = None
    annual_rent: Annotated[Price | None, Field(description="a lease's rent a year, CNY")] = None
    minimum_dividend: Annotated[Price | None, Field(description="custody or co-operation, CNY a year")] = None
    revenue_share_bps: Annotated[int, Field(ge=0, le=10_000, description="the depositor's share")] = 10_000
    end_share_bps: Annotated[int, Field(ge=0, le=10_000)] = 0
    floor_price: Annotated[Price | None, Field(description="per unit, lowest price the mandate sells at")] = (
        None
    )
