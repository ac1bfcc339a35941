"""Every rule the registry and settlement refuse by is a named error with a title and a template whose
placeholders are plain fact names: the API turns the class name into the problem ``type`` and
translates the title and template, so neither may be missing or malformed."""

import importlib
import pkgutil
import string

import pytest

import registry
import settlement
from registry import errors
from settlement.ledger import LedgerRangeError

# families: no template of their own, never raised themselves; each has named rules under it
FAMILIES = {
    errors.RegistryError,
    errors.InvalidInput,
    errors.InvalidAmount,
    errors.InvalidIdentifier,
    errors.InvalidAttributes,
    errors.NotFound,
    errors.Forbidden,
    errors.RuleBroken,
    errors.Conflict,
    errors.InsufficientUnits,
    errors.InsufficientCash,
    LedgerRangeError,
}


def _subclasses(cls: type) -> set[type]:
    found = set(cls.__subclasses__())
    return found.union(*(_subclasses(sub) for sub in found))


def _rules() -> list[type[errors.RegistryError]]:
    for package in (registry, settlement):
        for module in pkgutil.iter_modules(package.__path__, f"{package.__name__}."):
            importlib.import_module(module.name)
    return sorted(
        (
            cls
            for cls in _subclasses(errors.RegistryError)
            if cls.__module__.split(".")[0] in ("registry", "settlement") and cls not in FAMILIES
        ),
        key=lambda cls: cls.__name__,
    )


RULES = _rules()


def test_there_are_rules_to_check() -> None:
    assert len(RULES) > 50


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.__name__)
def test_each_rule_has_its_own_title_and_a_template_of_named_facts(rule: type[errors.RegistryError]) -> None:
    assert "title" in vars(rule) and rule.title.strip(), "a rule names itself in English"
    assert "template" in vars(rule) and rule.template, "a rule's message is a template of its facts"
    for _, name, spec, conversion in string.Formatter().parse(rule.template):
        if name is None:
            continue
        assert name.isidentifier(), f"{name!r} is not a fact's name"
        assert not spec and conversion is None, "a fact is formatted before it is raised, not in the template"


def test_rule_names_are_unique_because_they_are_the_problem_types() -> None:
    names = [rule.__name__ for rule in RULES]
    assert len(names) == len(set(names))


def test_a_rule_renders_its_facts_and_keeps_them() -> None:
    refused = errors.UnitsNotFree("quantity", free="10.000", asked="12.000", unit="t/a")
    assert refused.field == "quantity"
    assert refused.facts == {"free": "10.000", "asked": "12.000", "unit": "t/a"}
    assert str(refused) == "10.000 t/a are free; 12.000 t/a were asked for"


def test_a_named_rule_takes_no_sentence() -> None:
    with pytest.raises(TypeError):
        errors.UnknownParty("party", "no party p1")


def test_a_family_cannot_be_raised_itself() -> None:
    with pytest.raises(TypeError):
        errors.InvalidInput("quantity")
