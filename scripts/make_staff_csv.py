"""Write a staff directory CSV of N civil servants, built by repeating the demo's contacts
under the demo's units (the layout of docs/cli.md, "Importing a staff directory (CSV)").

Used to measure the CSV import: the CSV needs the municipality and its areas in the database
first, which ``wegwijs demo load`` provides::

    export WEGWIJS_DATABASE_URL=sqlite:///var/big.db
    wegwijs demo load
    python scripts/make_staff_csv.py 20000 big.csv
    time wegwijs import big.csv
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from make_import_document import build_document

from api.cli.csv_directory import write_staff_csv


def main() -> None:
    size = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    target = Path(sys.argv[2]) if len(sys.argv) > 2 else Path("staff.csv")
    document = build_document(size)
    target.write_text(write_staff_csv(document), encoding="utf-8", newline="")
    print(f"{target}: {size} contacts, {target.stat().st_size / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
