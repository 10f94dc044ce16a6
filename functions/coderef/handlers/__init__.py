"""Lambda entry points, one module per function. Each builds its FastAPI app from only the
routers that function serves, once, at import; runtime.py holds the wiring they share."""

import gc
import os

# A function's start makes a few hundred thousand objects (FastAPI, pydantic, botocore, the app)
# that live as long as the environment, and the cyclic collector would walk all of them several
# times while they are made: tens of milliseconds of every cold start, more on a small function.
# On Lambda (which always sets AWS_LAMBDA_FUNCTION_NAME) it is paused from here, before any of
# them is imported, until runtime.started(); elsewhere (tests, tools, the local server) nothing
# changes.
COLLECTOR_PAUSED = bool(os.environ.get("AWS_LAMBDA_FUNCTION_NAME")) and gc.isenabled()
if COLLECTOR_PAUSED:
    gc.disable()
