"""Ports (Protocols) and their adapters: SQLite locally, DynamoDB on AWS."""
