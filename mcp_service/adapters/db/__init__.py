"""SQLAlchemy (async) persistence for PostgreSQL and SQLite."""
