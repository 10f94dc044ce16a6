"""CasePilot and Case2Code latency, in-process, on the full bundled data.

Run: .venv/bin/python -m bench.assistant_latency  (after `make run` or `coderef import`)
"""

from __future__ import annotations

from bench.search_latency import measure
from coderef.adapters.sqlite_catalog import SqliteCatalog
from coderef.api.services import Services
from coderef.assistant.case_notes import MAX_NOTE_CHARS
from coderef.settings import Settings

ROUNDS = 5
QUESTIONS = [
    "What is ICD-10-CM code R00.1?",
    "what does 0FT44ZZ mean",
    "Difference between I10 and I11.9",
    "Can E11.9 be coded with E10.9?",
    "Which 7th character for a subsequent encounter for S62.101?",
    "Codes for type 2 diabetes with neuropathy",
    "When is a biopsy followed by a resection coded in PCS?",
    "What is the weather in Paris tomorrow?",
    "What is E11.99?",
    "codes for left knee pain",
]
_PARAGRAPHS = [
    "58 yo M with HTN, T2DM and CKD presents with CP radiating to the left arm and SOB x 2 "
    "days. Denies fever, chills, nausea or vomiting. No cough. PMH: CHF, COPD, GERD. "
    "Family history of colon cancer. R/o MI.",
    "Follow-up visit for closed fracture of the right wrist, healing well. Pt denies wrist "
    "pain. Hx of osteoarthritis of the left knee and low back pain.",
    "Patient underwent lap chole for acute cholecystitis. No complications. Palpitations "
    "with tachycardia noted; bradycardia ruled out. Possible UTI, urine culture pending.",
    "Assessment: atrial fibrillation, hyperlipidemia, obesity, depression, insomnia. Plan: "
    "continue current medications, follow up in two weeks, return sooner for chest pain.",
]
SHORT_NOTE = _PARAGRAPHS[0]
LONG_NOTE = (" ".join(_PARAGRAPHS) * 8)[: MAX_NOTE_CHARS - 1]


def run() -> dict[str, dict[str, float]]:
    settings = Settings.from_env()
    services = Services(settings=settings, catalog=SqliteCatalog(settings.catalog_path))
    return {
        "CasePilot question": measure(services.casepilot.ask, QUESTIONS, ROUNDS),
        "Case2Code, 1 paragraph": measure(services.case2code.suggest, [SHORT_NOTE], ROUNDS * 4),
        f"Case2Code, {len(LONG_NOTE)} characters": measure(
            services.case2code.suggest, [LONG_NOTE], ROUNDS
        ),
    }


if __name__ == "__main__":
    for name, figures in run().items():
        print(
            f"{name}: n={figures['n']} p50={figures['p50']:.1f} ms "
            f"p99={figures['p99']:.1f} ms max={figures['max']:.1f} ms"
        )
