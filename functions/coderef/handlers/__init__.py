"""Lambda entry points, one module per function. Each builds its FastAPI app from only the
routers that function serves, once, at import; runtime.py holds the wiring they share."""
