"""Queries and rules, one module per domain noun. Plain keyword-only functions."""
