"""Writing an openpyxl workbook to the same bytes every time for the same content.

openpyxl stamps the file with the time it was saved twice over: the "modified" property
(set on every save, whatever the workbook says) and the time of each file in the zip.
Both are set here to one moment the caller chooses, so the same figures give the same
file, and a file says nothing of when it was made beyond what its content says.
"""

from __future__ import annotations

import io
import re
import zipfile
from datetime import UTC, datetime

from openpyxl import Workbook

_MODIFIED = re.compile(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)")
_CORE = "docProps/core.xml"


def workbook_bytes(workbook: Workbook, moment: datetime) -> bytes:
    """The workbook as an .xlsx file, dated `moment` (UTC, to the second) throughout."""
    utc = moment.astimezone(UTC).replace(tzinfo=None, microsecond=0)
    workbook.properties.creator = "SMA Referral Bot"
    workbook.properties.created = utc
    saved = io.BytesIO()
    workbook.save(saved)
    stamp = utc.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    packed = io.BytesIO()
    with (
        zipfile.ZipFile(saved) as source,
        zipfile.ZipFile(packed, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == _CORE:
                content = _MODIFIED.sub(rb"\g<1>" + stamp + rb"\g<2>", content)
            dated = zipfile.ZipInfo(item.filename, date_time=utc.timetuple()[:6])
            dated.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(dated, content)
    return packed.getvalue()
