"""FastAPI routers, one per resource; app.py assembles an app from the routers a process serves."""
