"""FastAPI routers, one per resource; app.py assembles an app from the routers a process serves."""

from coderef.api import pydantic_v1_check

# Before any router module declares a route (see the module).
pydantic_v1_check.install()
