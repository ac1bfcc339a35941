"""Asset classes and instruments: a new kind of right is data plus a JSON Schema, not new code.

An asset class declares its unit, decimal scale, price basis, which attributes make two units
interchangeable (``fungible_by``, optionally only ``fungible_when`` some attributes hold) and which
attribute ends its term. Confirmed issuances of a fungible class are grouped into instruments by the
values of those attributes; the market trades instruments.
"""

from dataclasses import dataclass
from typing import Any
from weakref import WeakKeyDictionary

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from registry import context as c
from registry.errors import Conflict, InvalidAttributes, InvalidInput, NotFound, NotOneOf
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
    parcel_rule: ParcelRule | None = None  # how its rights carry land (``registry.parcels``)

    def validate(self, attributes: object) -> dict[str, Any]:
        if not isinstance(attributes, dict):
            raise AttributesNotAnObject("attributes")
        validator = Draft202012Validator(
            self.attribute_schema, format_checker=Draft202012Validator.FORMAT_CHECKER
        )
        for error in sorted(validator.iter_errors(attributes), key=lambda e: list(e.path)):
            where = ".".join(str(p) for p in error.path)
            raise AttributesBreakSchema(
                f"attributes.{where}" if where else "attributes",
                reason=error.message,
                keyword=str(error.validator),
            )
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
