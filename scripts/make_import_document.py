"""Write an import document of N contacts built by repeating the demo directory's contacts.

Used to measure import speed: ``python scripts/make_import_document.py 20000 big.json`` then
``time wegwijs import big.json``.
"""

import json
import sys
from pathlib import Path

DEMO = Path(__file__).resolve().parent.parent / "api" / "demo" / "demo.json"


def build_document(size: int) -> dict:
    """The demo's municipality, areas and units with ``size`` contacts."""
    demo = json.loads(DEMO.read_text(encoding="utf-8"))
    contacts = []
    position = {c["key"]: i for i, c in enumerate(demo["contacts"])}
    for n in range(size):
        template = demo["contacts"][n % len(demo["contacts"])]
        copy = n // len(demo["contacts"])
        contacts.append(
            {
                **template,
                "key": f"{template['key']}-{copy}",
                "email": f"{copy}.{template['email']}",
                # Colleagues within the same copy, and only those the document contains.
                "knows": [
                    f"{other}-{copy}"
                    for other in template["knows"]
                    if copy * len(demo["contacts"]) + position[other] < size
                ],
            }
        )
    return {k: demo[k] for k in ("municipalities", "areas", "units")} | {"contacts": contacts}


def main() -> None:
    size = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    target = Path(sys.argv[2]) if len(sys.argv) > 2 else Path("import.json")
    document = build_document(size)
    target.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    print(f"{target}: {size} contacts, {target.stat().st_size / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
