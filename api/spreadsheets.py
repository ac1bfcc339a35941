"""Lists of records as CSV, for regulators' and operators' spreadsheets (``?format=csv``)."""

import csv
import dataclasses
import io
from collections.abc import Iterable
from typing import Any

from litestar import Response


def as_csv(rows: Iterable[Any], row_type: type, filename: str) -> Response[str]:
    """``rows`` (dataclass instances of ``row_type``) as a CSV download with a header line."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([f.name for f in dataclasses.fields(row_type)])
    writer.writerows(dataclasses.astuple(row) for row in rows)
    return Response(
        out.getvalue(),
        media_type="text/csv",  # Litestar adds the charset
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
