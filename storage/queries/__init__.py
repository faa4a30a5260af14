"""Keyword-only query functions, one module per area. Cogs and services call these; nobody else writes SQL."""
