"""publiccode.yml (the Standard for Public Code) parses, has the keys the standard requires,
and agrees with pyproject.toml and CHANGELOG.md; CHANGELOG.md keeps the Keep a Changelog
shape. The rules are the standard's (https://yml.publiccode.tools, core schema 0.4)."""

import re
import tomllib
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
REQUIRED = {
    "publiccodeYmlVersion",
    "name",
    "url",
    "platforms",
    "categories",
    "developmentStatus",
    "softwareType",
    "description",
    "legal",
    "maintenance",
    "localisation",
}
DEVELOPMENT_STATUSES = {"concept", "development", "beta", "stable", "obsolete"}
SOFTWARE_TYPES = {
    "standalone/mobile",
    "standalone/iot",
    "standalone/desktop",
    "standalone/web",
    "standalone/backend",
    "standalone/other",
    "addon",
    "library",
    "configurationFiles",
}
MAINTENANCE_TYPES = {"internal", "contract", "community", "none"}
# The standard's controlled vocabularies (categories-list, scope-list).
CATEGORIES = set(
    [
        "accounting",
        "agile-project-management",
        "applicant-tracking",
        "application-development",
        "appointment-scheduling",
        "backup",
        "billing-and-invoicing",
        "blog",
        "budgeting",
        "business-intelligence",
        "business-process-management",
        "cad",
        "call-center-management",
        "cloud-management",
        "collaboration",
        "communications",
        "compliance-management",
        "contact-management",
        "content-management",
        "crm",
        "customer-service-and-support",
        "data-analytics",
        "data-collection",
        "data-visualization",
        "design",
        "design-system",
        "digital-asset-management",
        "digital-citizenship",
        "document-management",
        "donor-management",
        "e-commerce",
        "e-signature",
        "educational-content",
        "email-management",
        "email-marketing",
        "employee-management",
        "enterprise-project-management",
        "enterprise-social-networking",
        "erp",
        "event-management",
        "facility-management",
        "feedback-and-reviews-management",
        "financial-reporting",
        "fleet-management",
        "fundraising",
        "gamification",
        "geographic-information-systems",
        "grant-management",
        "graphic-design",
        "help-desk",
        "hr",
        "ide",
        "identity-management",
        "instant-messaging",
        "inventory-management",
        "it-asset-management",
        "it-development",
        "it-management",
        "it-security",
        "it-service-management",
        "knowledge-management",
        "learning-management-system",
        "marketing",
        "mind-mapping",
        "mobile-marketing",
        "mobile-payment",
        "network-management",
        "office",
        "online-booking",
        "online-community",
        "payment-gateway",
        "payroll",
        "predictive-analysis",
        "procurement",
        "productivity-suite",
        "project-collaboration",
        "project-management",
        "property-management",
        "real-estate-management",
        "remote-support",
        "resource-management",
        "sales-management",
        "seo",
        "service-desk",
        "social-media-management",
        "survey",
        "talent-management",
        "task-management",
        "taxes-management",
        "test-management",
        "time-management",
        "time-tracking",
        "translation",
        "video-conferencing",
        "video-editing",
        "visitor-management",
        "voip",
        "warehouse-management",
        "web-collaboration",
        "web-conferencing",
        "website-builder",
        "whistleblowing",
        "workflow-management",
    ]
)
SCOPES = set(
    [
        "agriculture",
        "culture",
        "defence",
        "education",
        "emergency-services",
        "employment",
        "energy",
        "environment",
        "finance-and-economic-development",
        "foreign-affairs",
        "healthcare",
        "infrastructures",
        "justice",
        "local-authorities",
        "manufacturing",
        "research",
        "science-and-technology",
        "security",
        "society",
        "sport",
        "tourism",
        "transportation",
        "welfare",
    ]
)
LANGUAGE_TAG = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")


@pytest.fixture(scope="module")
def publiccode() -> dict[str, Any]:
    # YAML 1.1 would read an unquoted 2026-11-23 as a date; the standard wants strings.
    return yaml.safe_load((ROOT / "publiccode.yml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def project() -> dict[str, Any]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def test_it_has_every_required_key(publiccode: dict) -> None:
    assert set(publiccode) >= REQUIRED, REQUIRED - set(publiccode)
    assert publiccode["publiccodeYmlVersion"] == "0.4"
    assert publiccode["name"] == "Wegwijs"
    assert re.fullmatch(r"https://\S+", publiccode["url"])


def test_the_controlled_values(publiccode: dict) -> None:
    assert publiccode["developmentStatus"] in DEVELOPMENT_STATUSES
    assert publiccode["softwareType"] in SOFTWARE_TYPES
    assert publiccode["platforms"] and all(isinstance(p, str) for p in publiccode["platforms"])
    assert publiccode["categories"] and set(publiccode["categories"]) <= CATEGORIES
    audience = publiccode["intendedAudience"]
    assert audience["countries"] == ["nl"]
    assert set(audience["scope"]) <= SCOPES


def test_descriptions_in_dutch_and_english(publiccode: dict) -> None:
    descriptions = publiccode["description"]
    assert {"nl", "en"} <= set(descriptions)
    for language, text in descriptions.items():
        assert LANGUAGE_TAG.match(language)
        short = text["shortDescription"]
        assert isinstance(short, str) and len(short) <= 150 and "\n" not in short.strip()
        assert 150 <= len(text["longDescription"]) <= 10_000
        assert text["features"] and all(isinstance(f, str) for f in text["features"])
        for screenshot in text.get("screenshots", []):
            assert (ROOT / screenshot).is_file(), screenshot


def test_legal_maintenance_localisation_and_dependencies(publiccode: dict, project: dict) -> None:
    assert publiccode["legal"]["license"] == project["license"]["text"] == "EUPL-1.2"
    maintenance = publiccode["maintenance"]
    assert maintenance["type"] in MAINTENANCE_TYPES
    if maintenance["type"] in {"internal", "community"}:
        assert maintenance["contacts"] and all(c["name"] for c in maintenance["contacts"])
    if maintenance["type"] == "contract":
        assert all(c["name"] and c["until"] for c in maintenance["contractors"])
    localisation = publiccode["localisation"]
    assert isinstance(localisation["localisationReady"], bool)
    languages = localisation["availableLanguages"]
    assert languages and all(LANGUAGE_TAG.match(tag) for tag in languages)
    for kind, dependencies in publiccode["dependsOn"].items():
        assert kind in {"open", "proprietary", "hardware"}
        assert all(isinstance(d["name"], str) and d["name"] for d in dependencies)
    python = next(d for d in publiccode["dependsOn"]["open"] if d["name"] == "Python")
    assert project["requires-python"] == f">={python['versionMin']}"


def test_the_version_and_date_are_the_changelogs(publiccode: dict, project: dict) -> None:
    assert publiccode["softwareVersion"] == project["version"]
    released = publiccode["releaseDate"]
    assert isinstance(released, str) and date.fromisoformat(released)
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert f"## [{project['version']}] - {released}" in changelog


def test_the_changelog_keeps_a_changelog() -> None:
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert changelog.startswith("# Changelog\n")
    assert "https://keepachangelog.com/en/1.1.0/" in changelog
    versions = re.findall(r"^## \[([^\]]+)\](?: - (\d{4}-\d{2}-\d{2}))?$", changelog, re.M)
    assert versions[0] == ("Unreleased", "")
    assert all(day for name, day in versions[1:]), versions  # every release has its date
    sections = set(re.findall(r"^### (.+)$", changelog, re.M))
    assert sections <= {"Added", "Changed", "Deprecated", "Removed", "Fixed", "Security"}
