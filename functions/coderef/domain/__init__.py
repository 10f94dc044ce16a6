"""Pure rules and types: code identity, records, meters and accounts. No I/O here."""
