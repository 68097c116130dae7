"""Accounts: registration, login, sessions, API tokens."""
