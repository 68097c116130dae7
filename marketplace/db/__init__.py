"""Database: the declarative base, the engine and session configuration, Alembic migrations."""
