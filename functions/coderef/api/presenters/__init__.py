"""Presenters: the core's dataclasses turned into the JSON bodies the API sends.

Plain dicts, built once: routes that return them with a `response_model` have FastAPI check
them, hot routes that return a JSONResponse skip the second pass (the models in
api/schemas.py still describe them, and tests hold the two together). The frontend
(frontend/js) reads exactly these shapes.
"""
