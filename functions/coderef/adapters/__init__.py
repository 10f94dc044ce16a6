"""Everything that talks to the outside: SQLite and DynamoDB stores, mailers, Bedrock.

Adapters implement the core's ports and turn storage errors into domain errors."""
