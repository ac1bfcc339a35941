"""Lists of records as CSV, for regulators' and operators' spreadsheets (``?format=csv``) and the
console's downloads. The console's begin with a byte order mark: without it, spreadsheet programs on
Chinese Windows read UTF-8 as GBK and show the names garbled; the API's, read by programs, do not."""

import csv
import dataclasses
import io
from collections.abc import Iterable
from typing import Any

from litestar import Response

BOM = "\ufeff"


def as_csv(rows: Iterable[Any], row_type: type, filename: str, *, bom: bool = False) -> Response[str]:
    """``rows`` (dataclass instances of ``row_type``) as a CSV download with a header line; a field
    holding a list is written as its items, one per line of the cell."""
    out = io.StringIO(BOM if bom else "")
    out.seek(0, io.SEEK_END)
    writer = csv.writer(out)
    writer.writerow([f.name for f in dataclasses.fields(row_type)])
    writer.writerows([_cell(value) for value in dataclasses.astuple(row)] for row in rows)
    return Response(
        out.getvalue(),
        media_type="text/csv",  # Litestar adds the charset
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _cell(value: Any) -> Any:
    return "\n".join(map(str, value)) if isinstance(value, list) else value
