"""The console's forms meet the API's own schemas: a form's fields are checked by the model the
API's route checks its JSON body with, and refused as the API refuses a body (400, naming the field,
shown on the error page); what the API's runner answered is read back for the page that follows."""

import json
from typing import Any, TypeVar

from litestar import Response
from litestar.exceptions import ValidationException
from pydantic import BaseModel, ValidationError

M = TypeVar("M", bound=BaseModel)


def checked(schema: type[M], fields: dict[str, Any]) -> M:
    """``fields`` as ``schema`` takes them; else the API's 400."""
    try:
        return schema.model_validate(fields)
    except ValidationError as refused:
        raise ValidationException("invalid form", extra=as_problems(refused)) from refused


def as_problems(refused: ValidationError) -> list[dict[str, Any]]:
    """pydantic's errors as the API's error mapper reads them (``api.errors.validation``)."""
    return [{"key": ".".join(map(str, e["loc"])), "message": e["msg"]} for e in refused.errors()]


def made_id(answer: Response[Any]) -> str:
    """The id of what a use case made or changed, from the JSON answer ``api.work.Act`` gave."""
    return str(json.loads(answer.content)["id"])
