"""Wegwijs ranking engine: pure Python, no database, no web framework."""
