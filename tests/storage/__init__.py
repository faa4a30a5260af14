"""Tests of storage: migrations, constraints and query functions, on SQLite and PostgreSQL."""
