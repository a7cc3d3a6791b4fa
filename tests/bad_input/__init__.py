"""The bad-input tables (a package, so that each table imports the harness as `from .conftest import ...`)."""
