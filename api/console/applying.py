"""Applying for confirmation of a right (确权申请) in the console: the party's applications and their
state, and the form that files one.

The form is drawn from the chosen asset class's own attribute schema, so a class defined later (a new
kind of right is data, ``registry.assets``) gets its form with no new code: a choice for an ``enum``,
a date picker for ``"format": "date"``, one line per item for a list of strings, JSON text for an
object (a parcel's GeoJSON boundary), a text field for the rest. What the fields say is filed as
``POST /api/v1/applications`` files it, checked by the API's own schema (``ApplicationIn``) and then
by the class's schema, and refused as the API refuses it.
"""

import json
from dataclasses import dataclass
from typing import Annotated, Any

from litestar import get, post
from litestar.params import QueryParameter
from litestar.response import Redirect, Template

from api.access import HOLDERS, reads, writes
from api.console import figures
from api.console.forms import (
    LONG_FIELDS,
    Done,
    StatusChoice,
    checked,
    made_id,
    runner,
    status_of,
    whole_number,
)
from api.console.locale import N_
from api.console.signing_in import FORM
from api.console.view import ViewDep
from api.controllers.applications import file_as_asked
from api.inputs import MAX_BODY_BYTES
from api.paging import Cursor, after, page
from api.schemas import ApplicationIn
from registry import assets, rights
from registry import context as c
from registry.divisions import Division, all_divisions

APPLICATIONS_PAGE = 20
ATTRIBUTE = "attribute."  # a form field's prefix for the attribute it fills
# the words for the attributes the shipped classes declare; a class defined later shows its own names
ATTRIBUTE_WORDS = {
    "project_id": N_("Project number"),
    "standard": N_("Standard"),
    "methodology": N_("Methodology"),
    "project_type": N_("Project type"),
    "monitoring_start": N_("Monitoring period starts"),
    "monitoring_end": N_("Monitoring period ends"),
    "verifier": N_("Verifier"),
    "parcels": N_("Parcel numbers"),
    "boundary": N_("Boundary"),
    "area_ha": N_("Area (hectares)"),
    "pollutant": N_("Pollutant"),
    "medium": N_("Discharged into"),
    "permit_no": N_("Discharge permit number"),
    "basin": N_("River basin"),
    "term_start": N_("Term starts"),
    "term_end": N_("Term ends"),
    "unit_no": N_("Real-estate unit number"),
    "right_kind": N_("Kind of right"),
    "lin_ban": N_("Forest compartment (林班)"),
    "xiao_ban": N_("Sub-compartment (小班)"),
    "place": N_("Location"),
    "species": N_("Tree species"),
    "forest_type": N_("Forest category"),
    "form": N_("Form"),
    "wetland_type": N_("Wetland type"),
    "quality_grade": N_("Quality grade"),
    "restoration_project": N_("Restoration project"),
    "acceptance_date": N_("Accepted on"),
}
ClassChoice = Annotated[str | None, QueryParameter(max_length=8, description="the asset class to apply for")]


@dataclass(frozen=True, slots=True)
class Field:
    """One attribute of the class's schema, as the form asks for it."""

    name: str
    kind: str  # choice | date | lines | json | number | boolean | text
    required: bool
    choices: tuple[Any, ...] = ()  # an enum's values, as the schema gives them (strings or not)
    pattern: str | None = None
    max_length: int | None = None


def fields_of(schema: dict[str, Any]) -> list[Field]:
    """The form's fields for an attribute schema: its properties in the schema's order."""
    required = set(schema.get("required", ()))
    return [_field(name, rule, name in required) for name, rule in schema.get("properties", {}).items()]


def _field(name: str, rule: dict[str, Any], required: bool) -> Field:
    kind = rule.get("type")
    if "enum" in rule:
        return Field(name, "choice", required, tuple(rule["enum"]))
    if rule.get("format") == "date":
        return Field(name, "date", required)
    if kind == "array" and rule.get("items", {}).get("type") == "string":
        return Field(name, "lines", required)
    if kind in ("object", "array"):
        return Field(name, "json", required)
    if kind in ("integer", "number", "boolean"):
        return Field(name, "boolean" if kind == "boolean" else "number", required)
    return Field(name, "text", required, pattern=rule.get("pattern"), max_length=rule.get("maxLength"))


def attributes_from(form: dict[str, str], fields: list[Field]) -> dict[str, Any]:
    """The attributes the form's fields give, as the API's JSON would carry them; a field left empty
    is left out (the class's schema says whether it may be). JSON that does not parse is passed on as
    text, for the schema to refuse naming the attribute."""
    found: dict[str, Any] = {}
    for field in fields:
        text = form.get(ATTRIBUTE + field.name, "").strip()
        if field.kind == "boolean":  # a checkbox: sent ticked, absent unticked
            if text or field.required:
                found[field.name] = text == "on"
        elif text:
            found[field.name] = _value(field, text)
    return found


def _value(field: Field, text: str) -> Any:
    """A field's text as the attribute's JSON value: an enum's own value, a list, a number or an
    object parsed (what does not parse is passed on as text, for the schema to refuse), else text."""
    if field.kind == "choice":
        return next((value for value in field.choices if str(value) == text), text)
    if field.kind == "lines":
        return [line.strip() for line in text.splitlines() if line.strip()]
    if field.kind in ("json", "number"):
        return _json_or_text(text)
    return text


def _json_or_text(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text


def divisions_by_city() -> list[tuple[Division, list[Division]]]:
    """Today's Jiangxi divisions (GB/T 2260) for the form's choice: each city with its counties."""
    valid = [d for d in all_divisions().values() if d.valid_to is None]
    cities = [d for d in valid if d.level in ("province", "city")]
    return [(city, [d for d in valid if d.parent == city.code and d.level == "county"]) for city in cities]


@get("/applications", name="console-applications", opt=reads(*HOLDERS))
async def applications(
    view: ViewDep,
    cursor: Cursor = None,
    status: StatusChoice = None,
    asset_class: ClassChoice = None,
    done: Done = None,
) -> Template:
    """The party's applications (pending, confirmed with the right, or rejected and why), as
    ``GET /api/v1/applications`` lists them, and the form for the class chosen (``?asset_class=``)."""
    async with view.platform.database.reads() as session:
        found = await rights.list_applications(
            session,
            view.actor,
            status=status_of(rights.ApplicationStatus, status),
            after=after(cursor),
            limit=APPLICATIONS_PAGE,
            today=view.platform.now().date(),
        )
        classes = await figures.class_names(session)
        form_class = await assets.get_asset_class(session, asset_class) if asset_class else None
    listed = page(found, APPLICATIONS_PAGE, lambda application: application.id)
    return view.render(
        "applications.html",
        applications=listed.items,
        following=listed.next_cursor,
        classes=classes,
        form_class=form_class,
        fields=fields_of(form_class.attribute_schema) if form_class else [],
        by_city=divisions_by_city() if form_class else [],
        for_others=view.actor.kind == c.PartyKind.OPERATOR,
        words=ATTRIBUTE_WORDS,
        chosen=status or "",
        done=done,
    )


# a parcel's boundary (GeoJSON) may run to thousands of points: the whole body's bound, as the API's
@post("/applications", name="console-apply", opt={**writes(*HOLDERS), LONG_FIELDS: MAX_BODY_BYTES})
async def apply(view: ViewDep, data: Annotated[dict[str, str], FORM]) -> Redirect:
    """File the application the form describes, as ``POST /api/v1/applications`` does; the form's
    fields are the class's, so they are read as they come."""
    async with view.platform.database.reads() as session:
        cls = await assets.get_asset_class(session, data.get("asset_class", ""))
    asked = checked(
        ApplicationIn,
        {
            "holder": data.get("holder", "").strip() or None,
            "asset_class": cls.code,
            "division": data.get("division", ""),
            "vintage": whole_number(data.get("vintage", "")),
            "quantity": data.get("quantity", ""),
            "attributes": attributes_from(data, fields_of(cls.attribute_schema)),
        },
    )
    answer = await file_as_asked(runner(view, data.get("form_key")), asked)
    return Redirect(f"/applications?done={made_id(answer)}", status_code=303)
