"""Tests of organisers' pure pieces: profile CSV and the programme set-up draft."""
