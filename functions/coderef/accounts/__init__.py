"""Accounts: users, sessions, the view meter and metered code pages.

Pure rules; storage and mail are reached through the ports in `accounts.ports`."""
