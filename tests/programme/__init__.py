"""Tests of programmes as data (bot/programme): each preset's criteria, its typed profile, the export → offline match trip."""
