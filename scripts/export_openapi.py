"""Write the OpenAPI document to a file, for CI's ADR linter (Spectral) and for reviewers.

Usage: python scripts/export_openapi.py [OUTPUT]   (default: openapi.json)

Needs no database: the app is built against an in-memory SQLite URL that is never opened.
"""

import argparse
import json
from pathlib import Path

from api.core.settings import Settings
from api.http.app import create_app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output", nargs="?", default="openapi.json", type=Path)
    args = parser.parse_args()
    app = create_app(Settings(database_url="sqlite:///:memory:"))
    args.output.write_text(json.dumps(app.openapi(), indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
