"""The ``wegwijs`` command line (``api.cli.main``), its CSV directory format and the demo."""
