"""Tests of the matching engine (bot/matching): rules, scoring, ties, optimality against a dense solver, the CSV CLI."""
