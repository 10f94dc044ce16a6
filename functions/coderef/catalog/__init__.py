"""The code catalog: code identity, records, lookup, releases, notes and plain language.

Pure rules and types; storage is reached through the ports in `catalog.ports`."""
