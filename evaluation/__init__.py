"""Offline evaluation of the ranking engine against a labelled set (see ``metrics``)."""
