"""Intake: leads from social posts (X), claim codes, invite texts, and suggestions from what people wrote.

Domain core: no discord import, no SQL. See :mod:`bot.intake.source` for the Source interface and
:mod:`bot.intake.cursor` for why the X cursor may be stored after every page.
"""
