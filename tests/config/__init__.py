"""Tests of the configuration: the TOML file, environment overrides, and readable validation errors."""
