"""Importers: one module per code system and source format. Each yields CodeRecords."""
