"""Screenshots of the web page's main screens, for the README, docs/web-page.md and reviews.

Usage: python scripts/screenshots.py [--out docs/screenshots]

Starts ``wegwijs serve --demo`` on a free local port with a temporary database (the browser
tests' approach, tests/web/server.py), drives Debian's Chromium with Playwright, and writes:
vraag.png (the question form), resultaten.png (ranked cards), kennismaking.png (registered,
an introduction requested), organisatie.png (the organisation tree) and telefoon.png (the
results at phone width).
"""

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.sync_api import Page, sync_playwright  # noqa: E402

from tests.web.server import DemoServer, demo_server, ensure_chromium  # noqa: E402

QUESTION = "Wij willen een moestuin in onze buurt en zoeken een stukje grond en wat vrijwilligers"
EMAIL = "x@example.org"
WAIT_MS = 15_000


def fill_question(page: Page, server: DemoServer) -> None:
    page.goto(server.base_url + "/")
    page.get_by_label("Wat wilt u doen?").fill(QUESTION)
    page.get_by_label("Waar speelt het?").select_option(label="Heel Noord")
    page.get_by_role("checkbox", name="Ruimte", exact=True).check()
    page.get_by_role("checkbox", name="Vrijwilligers", exact=True).check()


def ask(page: Page, server: DemoServer) -> None:
    fill_question(page, server)
    page.get_by_role("button", name="Zoek wie ik moet hebben").click()
    page.locator("#kaarten > li").first.wait_for()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with demo_server() as server, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=ensure_chromium())
        desktop = browser.new_context(viewport={"width": 1280, "height": 1000}, locale="nl-NL")
        desktop.set_default_timeout(WAIT_MS)
        page = desktop.new_page()

        fill_question(page, server)
        page.screenshot(path=args.out / "vraag.png")

        page.get_by_role("button", name="Zoek wie ik moet hebben").click()
        page.locator("#kaarten > li").first.wait_for()
        page.evaluate("document.getElementById('resultaten-kop').scrollIntoView()")
        page.screenshot(path=args.out / "resultaten.png")

        page.get_by_label("Uw sleutel").fill(server.create_key("initiator", EMAIL))
        page.get_by_role("button", name="Sleutel gebruiken").click()
        page.get_by_label("Naam van uw initiatief").fill("Moestuin Noord")
        page.get_by_label("Uw naam").fill("Xander de Vries")
        page.get_by_label("Uw e-mailadres").fill(EMAIL)
        page.get_by_role("button", name="Initiatief registreren").click()
        first = page.locator("#kaarten > li").first
        first.get_by_label("Bericht voor deze persoon").fill("Mogen we eens langskomen?")
        first.get_by_role("button", name="Vraag een kennismaking aan").click()
        page.locator("#kennismakingen-lijst > li").first.wait_for()
        page.locator("#kennismakingen").screenshot(path=args.out / "kennismaking.png")

        page.goto(server.base_url + "/organisatie")
        page.locator("#boom > li").first.wait_for()
        page.locator("#boom > li > details > summary").first.click()
        page.locator("#boom > li > details .boom > li > details > summary").first.click()
        page.screenshot(path=args.out / "organisatie.png", full_page=True)
        desktop.close()

        phone = browser.new_context(
            viewport={"width": 375, "height": 812}, locale="nl-NL", device_scale_factor=2
        )
        phone.set_default_timeout(WAIT_MS)
        page = phone.new_page()
        ask(page, server)
        page.evaluate("document.getElementById('resultaten-kop').scrollIntoView()")
        page.screenshot(path=args.out / "telefoon.png")
        phone.close()
        browser.close()
    for name in sorted(args.out.glob("*.png")):
        print(name.relative_to(ROOT) if name.is_relative_to(ROOT) else name)


if __name__ == "__main__":
    main()
