"""Asset classes and instruments: a new kind of right is data plus a JSON Schema, not new code.

An asset class declares its unit, decimal scale, price basis, which attributes make two units
interchangeable (``fungible_by``, optionally only ``fungible_when`` some attributes hold), which
attribute ends its term, which attributes identify the underlying right (``identity``,
``registry.identity``), which pairs of date attributes are ranges whose end must come after their
start (``date_ranges``), and how old a valuation may be for a pledge to be enforced at it.
Confirmed issuances of a fungible class are grouped into instruments by the values of those
attributes; the market trades instruments.
"""

from dataclasses import dataclass
from typing import Any
from weakref import WeakKeyDictionary

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError, ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from registry import context as c
from registry.errors import Conflict, InvalidAttributes, InvalidInput, NotFound, NotOneOf
from registry.identity import Identity
from registry.parcel_geometry import ParcelRule, check_rule
from registry.tables import AssetClassRow, InstrumentRow

PRICE_BASES = ("unit", "unit_year")
PSEUDO_ATTRIBUTES = ("division", "vintage")  # columns of an issuance that may define fungibility
MAX_SCALE = 6


class AttributesNotAnObject(InvalidAttributes):
    title = "Attributes not an object"
    template = "the attributes are a JSON object"


class AttributesBreakSchema(InvalidAttributes):
    title = "Attributes break the asset class's schema"
    # ``reason`` is jsonschema's own English sentence; ``keyword`` names the schema rule for clients
    template = "the attributes break the asset class's schema: {reason}"


class IdentifyingAttributeMissing(InvalidAttributes):
    title = "Identifying attribute missing"
    template = "{attribute} identifies the right and is required"


class RangeEndNotAfterStart(InvalidAttributes):
    title = "Range ends before it starts"
    template = "{end_attribute} {end} must be after {start_attribute} {start}"


class UnknownAssetClass(NotFound):
    title = "Unknown asset class"
    template = "no asset class {asset_class}"


class AssetClassExists(Conflict):
    title = "Asset class exists"
    template = "asset class {asset_class} exists already"


class ScaleOutOfRange(InvalidInput):
    title = "Scale out of range"
    template = "the scale is 0 to {max_scale} decimals; {scale} is not"


class NotAJsonSchema(InvalidInput):
    title = "Not a JSON Schema"
    template = "not a JSON Schema: {reason}"


class AttributesNotRequired(InvalidInput):
    title = "Attributes not required by the schema"
    template = "the attribute schema must require {attributes}"


class AttributesNotDates(InvalidInput):
    title = "Attributes not dates"
    template = 'the attribute schema must give {attributes} "format": "date"'


class AttributesNotInSchema(InvalidInput):
    title = "Attributes not in the schema"
    template = "the attribute schema has no properties {attributes}"


@dataclass(frozen=True, slots=True)
class AssetClass:
    code: str
    name: str
    name_zh: str
    unit: str
    scale: int
    price_basis: str
    retirable: bool
    fungible_by: tuple[str, ...] | None
    fungible_when: dict[str, Any] | None
    term_attribute: str | None
    attribute_schema: dict[str, Any]
    # the oldest a valuation may be, in days, for a pledge to be enforced at it (折价)
    valuation_max_age_days: int = 365
    identity: Identity | None = None
    date_ranges: tuple[tuple[str, str], ...] = ()
    parcel_rule: ParcelRule | None = None  # how its rights carry land (``registry.parcels``)

    @property
    def ranges(self) -> tuple[tuple[str, str], ...]:
        """Every (start, end) pair of date attributes whose end must come after its start: the ranges
        the class declares, its identity's period, and the term a price per year is counted over."""
        pairs = list(self.date_ranges)
        if self.identity is not None and self.identity.period is not None:
            pairs.append(self.identity.period)
        if self.price_basis == "unit_year":
            pairs.append(("term_start", "term_end"))
        return tuple(dict.fromkeys(pairs))

    def validate(self, attributes: object) -> dict[str, Any]:
        if not isinstance(attributes, dict):
            raise AttributesNotAnObject("attributes")
        validator = Draft202012Validator(
            self.attribute_schema, format_checker=Draft202012Validator.FORMAT_CHECKER
        )
        for error in sorted(validator.iter_errors(attributes), key=lambda e: list(e.path)):
            where = ".".join(str(p) for p in [*error.path, *_missing(error)])
            raise AttributesBreakSchema(
                f"attributes.{where}" if where else "attributes",
                reason=error.message,
                keyword=str(error.validator),
            )
        for start, end in self.ranges:
            first, last = attributes.get(start), attributes.get(end)
            # the schema checked both as dates (YYYY-MM-DD), which order as text
            if isinstance(first, str) and isinstance(last, str) and last <= first:
                raise RangeEndNotAfterStart(
                    f"attributes.{end}", start_attribute=start, start=first, end_attribute=end, end=last
                )
        missing = self.identity.missing(attributes) if self.identity else []
        if missing:
            raise IdentifyingAttributeMissing(f"attributes.{missing[0]}", attribute=missing[0])
        return attributes

    def instrument_key(
        self, attributes: dict[str, Any], division: str, vintage: int
    ) -> dict[str, Any] | None:
        """The attribute values that make units of this issuance interchangeable, or None if unique."""
        if self.fungible_by is None:
            return None
        if self.fungible_when and any(attributes.get(k) != v for k, v in self.fungible_when.items()):
            return None
        known = {**attributes, "division": division, "vintage": vintage}
        return {name: known[name] for name in self.fungible_by}

    def symbol(self, key: dict[str, Any]) -> str:
        return "-".join([self.code, *(str(key[name]) for name in self.fungible_by or ())])


def _missing(error: ValidationError) -> list[str]:
    """A missing attribute is named by itself (``attributes.unit_no``), not by the object lacking it."""
    required = error.validator_value
    if error.validator == "required" and isinstance(error.instance, dict) and isinstance(required, list):
        return [name for name in required if name not in error.instance][:1]
    return []


def _asset_class(row: AssetClassRow) -> AssetClass:
    return AssetClass(
        row.code,
        row.name,
        row.name_zh,
        row.unit,
        row.scale,
        row.price_basis,
        row.retirable,
        tuple(row.fungible_by) if row.fungible_by else None,
        row.fungible_when,
        row.term_attribute,
        row.attribute_schema,
        row.valuation_max_age_days,
        Identity.of(row.identity),
        tuple((start, end) for start, end in row.date_ranges or ()),
        ParcelRule.from_json(row.parcel_rule) if row.parcel_rule else None,
    )


# An asset class is never changed or removed once defined, so each database's classes are read once
# per process: kept per engine (one per database), so that two databases never share an answer.
_KNOWN: WeakKeyDictionary[AsyncEngine, dict[str, AssetClass]] = WeakKeyDictionary()


async def get_asset_class(session: AsyncSession, code: str, *, field: str = "asset_class") -> AssetClass:
    known = _KNOWN.setdefault(session.bind, {}) if isinstance(session.bind, AsyncEngine) else {}
    found = known.get(code)
    if found is None:
        row = await session.get(AssetClassRow, code)
        if row is None:
            raise UnknownAssetClass(field, asset_class=code)
        found = known[code] = _asset_class(row)
    return found


def forget_asset_classes() -> None:
    """Read every class again: a transaction that rolled back may have shown one it was defining."""
    _KNOWN.clear()


async def list_asset_classes(session: AsyncSession) -> list[AssetClass]:
    rows = await session.execute(select(AssetClassRow).order_by(AssetClassRow.code))
    return [_asset_class(row) for row in rows.scalars()]


async def define_asset_class(work: c.Work, actor: c.Actor, definition: dict[str, Any]) -> AssetClass:
    """Add a new kind of right (用水权, 林票 …) from its definition; the registrar alone may."""
    actor.require(c.PartyKind.REGISTRAR)
    _check_definition(definition)
    if await work.session.get(AssetClassRow, definition["code"]) is not None:
        raise AssetClassExists("code", asset_class=definition["code"])
    row = AssetClassRow(**definition)
    work.session.add(row)
    return _asset_class(row)


def _check_definition(definition: dict[str, Any]) -> None:
    if not 0 <= definition["scale"] <= MAX_SCALE:
        raise ScaleOutOfRange("scale", scale=definition["scale"], max_scale=MAX_SCALE)
    if definition["price_basis"] not in PRICE_BASES:
        raise NotOneOf("price_basis", value=definition["price_basis"], choices=", ".join(PRICE_BASES))
    try:
        Draft202012Validator.check_schema(definition["attribute_schema"])
    except SchemaError as exc:
        raise NotAJsonSchema("attribute_schema", reason=exc.message) from None
    if definition.get("parcel_rule"):
        check_rule(definition["parcel_rule"], definition["attribute_schema"])
    # Confirmation and pricing read these attributes, so every valid application must carry them.
    schema = definition["attribute_schema"]
    required = set(schema.get("required", [])) & set(schema.get("properties", {})) | set(PSEUDO_ATTRIBUTES)
    for field, names in (
        ("fungible_by", definition.get("fungible_by") or []),
        ("term_attribute", [definition["term_attribute"]] if definition.get("term_attribute") else []),
        ("price_basis", ["term_start", "term_end"] if definition["price_basis"] == "unit_year" else []),
    ):
        missing = [name for name in names if name not in required]
        if missing:
            raise AttributesNotRequired(field, attributes=", ".join(missing))
        undated = [
            n for n in names if field != "fungible_by" and schema["properties"][n].get("format") != "date"
        ]
        if undated:
            raise AttributesNotDates(field, attributes=", ".join(undated))
    _check_identity_and_ranges(definition, schema.get("properties", {}), required)


def _check_identity_and_ranges(
    definition: dict[str, Any], properties: dict[str, Any], required: set[str]
) -> None:
    """The identifying attributes are properties of the schema, required unless the identity applies
    only ``when`` some values hold (then filing checks them); ranges and periods are pairs of dates."""
    identity = definition.get("identity")
    ranges = [tuple(pair) for pair in definition.get("date_ranges") or []]
    if identity:
        period = identity.get("period") or []
        unknown = [n for n in (*identity["by"], *period) if n not in properties]
        if unknown:
            raise AttributesNotInSchema("identity", attributes=", ".join(unknown))
        loose = [n for n in (*identity["by"], *period) if n not in required]
        if loose and not identity.get("when"):
            raise AttributesNotRequired("identity", attributes=", ".join(loose))
        if period:
            ranges.append(tuple(period))
    dated = [n for pair in ranges for n in pair]
    unknown = [n for n in dated if n not in properties]
    if unknown:
        raise AttributesNotInSchema("date_ranges", attributes=", ".join(unknown))
    undated = [n for n in dated if properties[n].get("format") != "date"]
    if undated:
        raise AttributesNotDates("date_ranges", attributes=", ".join(undated))


async def instrument_for(
    session: AsyncSession, asset_class: AssetClass, key: dict[str, Any], new_id: str
) -> str:
    """Return the id of the instrument that groups units with ``key``, creating it on first use."""
    symbol = asset_class.symbol(key)
    found = (await session.execute(select(InstrumentRow.id).where(InstrumentRow.symbol == symbol))).scalar()
    if found is not None:
        return found
    session.add(InstrumentRow(id=new_id, symbol=symbol, asset_class=asset_class.code, key=key))
    await session.flush()
    return new_id


@dataclass(frozen=True, slots=True)
class Instrument:
    id: str
    symbol: str
    asset_class: str
    key: dict[str, Any]


async def list_instruments(session: AsyncSession, asset_class: str | None) -> list[Instrument]:
    query = select(InstrumentRow).order_by(InstrumentRow.symbol)
    if asset_class is not None:
        query = query.where(InstrumentRow.asset_class == asset_class)
    return [
        Instrument(r.id, r.symbol, r.asset_class, r.key) for r in (await session.execute(query)).scalars()
    ]
