"""Train the preset DEFLATE dictionary of the catalog's record format (adapters/record_blobs.py).

A record packed on its own compresses poorly: most of its bytes are wording that other records
repeat (ancestor titles, note phrasing, crosswalk flags, plain-language templates), which zlib
cannot see from inside one record. A preset dictionary holds those pieces once. This picks
them from a sample of every release in a catalog: each record's positional JSON is cut into
string literals and the punctuation between them, pieces found in at least MIN_RECORDS
sampled records are scored by (records holding it) x (length), and the best fill 32 KB, most
useful last (DEFLATE reaches the end of the dictionary with the shortest distances).

The result is fixed per format number: a new dictionary needs a new format byte in
record_blobs.py, since blobs already written name the dictionary they were packed with.
Train only on public-domain code sets (the bundled ICD-10-CM and ICD-10-PCS), never CPT:

    coderef import   # into an empty CODEREF_DATA_DIR
    python tools/train_record_dict.py var/catalog.db functions/coderef/adapters/data/NAME.zdict
"""

from __future__ import annotations

import random
import re
import sqlite3
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent.parent / "functions"))

from coderef.adapters.record_blobs import _ENCODER, record_values, unpack_record

SIZE = 32 * 1024  # DEFLATE's window: a longer dictionary is never referred to
PER_RELEASE = 4000
MIN_RECORDS = 3
ALLOWED_SYSTEMS = ("icd10cm", "icd10pcs")
_PIECE = re.compile(rb'"(?:[^"\\]|\\.)*"|[^"]+')


def train(catalog: Path, seed: int = 2026) -> bytes:
    conn = sqlite3.connect(f"file:{catalog}?mode=ro", uri=True)
    try:
        releases = conn.execute(
            "SELECT id FROM releases WHERE system IN (?, ?) ORDER BY id", ALLOWED_SYSTEMS
        ).fetchall()
        sample: list[bytes] = []
        rng = random.Random(seed)
        for (release_id,) in releases:
            rows = conn.execute(
                "SELECT record FROM codes WHERE release = ? AND length(record) > 0 ORDER BY key",
                (release_id,),
            ).fetchall()
            for (blob,) in rng.sample(rows, min(PER_RELEASE, len(rows))):
                sample.append(_ENCODER.encode(record_values(unpack_record(blob))).encode())
    finally:
        conn.close()
    holders: Counter[bytes] = Counter()
    for raw in sample:
        holders.update(set(p for p in _PIECE.findall(raw) if len(p) >= 4))
    scored = sorted(
        ((count * len(piece), piece) for piece, count in holders.items() if count >= MIN_RECORDS),
        reverse=True,
    )
    chosen: list[bytes] = []
    used = 0
    for _, piece in scored:
        if used + len(piece) <= SIZE:
            chosen.append(piece)
            used += len(piece)
    return b"".join(reversed(chosen))


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: train_record_dict.py CATALOG_DB OUT_FILE")
    out = Path(sys.argv[2])
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(train(Path(sys.argv[1])))
    print(f"{out}: {out.stat().st_size} bytes")
