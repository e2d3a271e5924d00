"""Helpers for the deployment checks: chart rendering, schema validation, simulated deploy."""
