"""AssistantFunction: CasePilot and Case2Code (registered accounts only, counted per account,
answered from the catalog and the index, quoting locked codes only where they answer).

Its own function because Case2Code reads notes with medspaCy (spaCy, PyRuSH, ConText), which
takes seconds to import and ships in its own layer (infra/clinical-text-layer): the code-page
function neither loads nor carries it. The pipeline is loaded during init, so SnapStart's
snapshot holds it and a restored environment reads its first note at once.
"""

from __future__ import annotations

import contextlib

from coderef.api import assistant, case2code
from coderef.assistant.clinical_text import warm
from coderef.handlers.runtime import function_app, metered_services

ROUTERS = (assistant.router, case2code.router)

# The function's services; the SnapStart hooks build them again after a restore.
build_services = metered_services

app, handler = function_app(ROUTERS, build_services)
# Without the clinical text layer the import fails here; Case2Code then says so on first use.
with contextlib.suppress(ImportError):
    warm()
