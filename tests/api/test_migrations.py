"""The Alembic migrations are the schema: they match the SQLModel metadata, and data
survives a restart."""

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from fastapi.testclient import TestClient
from sqlalchemy import Column, Engine, Integer, MetaData, inspect, text

import schemas
from api.core.persistence import alembic_config, upgrade_database
from api.core.settings import Settings
from api.http.app import create_app
from tests.helpers import API, contact_body, initiative_body

Headers = dict[str, str]


def test_database_is_at_the_head_revision(engine: Engine, database_url: str) -> None:
    head = ScriptDirectory.from_config(alembic_config(database_url)).get_current_head()
    with engine.connect() as connection:
        current = MigrationContext.configure(connection).get_current_revision()
    assert current == head is not None


def test_head_matches_the_metadata(engine: Engine) -> None:
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "compare_server_default": True}
        )
        diff = compare_metadata(context, schemas.metadata)
    assert diff == []


def test_the_comparison_sees_a_drift(engine: Engine) -> None:
    """The check above is live: a column the migrations lack shows up as a difference."""
    drifted = MetaData()
    for table in schemas.metadata.sorted_tables:
        table.to_metadata(drifted)
    drifted.tables["contact"].append_column(Column("shoe_size", Integer, nullable=True))
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), drifted)
    assert [(d[0], d[2], d[3].name) for d in diff] == [("add_column", "contact", "shoe_size")]


def test_every_table_exists(engine: Engine) -> None:
    tables = set(inspect(engine).get_table_names())
    assert set(schemas.metadata.tables) <= tables
    assert "alembic_version" in tables


def test_upgrading_again_is_a_no_op(engine: Engine, settings: Settings) -> None:
    upgrade_database(settings)
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), schemas.metadata)
    assert diff == []


def test_restart_keeps_data(
    client: TestClient, admin: Headers, broker: Headers, municipality, settings: Settings
) -> None:
    created = client.post(
        f"{API}/contacts",
        json=contact_body(municipality.units["wonen"], knows=[municipality.contacts["bram"]]),
        headers=broker,
    ).json()
    initiative = client.post(f"{API}/initiatives", json=initiative_body(), headers=broker).json()
    keys = client.get(f"{API}/api-keys", headers=admin).json()

    # A new process: a new app with its own engine on the same database.
    restarted = create_app(Settings(database_url=settings.database_url, admin_token="other"))
    assert restarted.state.engine is not client.app.state.engine
    try:
        with TestClient(restarted) as again:
            fresh_admin = {"Authorization": "Bearer other"}
            assert again.get(f"{API}/contacts/{created['id']}", headers=fresh_admin).json() == (
                created
            )
            assert again.get(
                f"{API}/initiatives/{initiative['id']}", headers=fresh_admin
            ).json() == (initiative)
            assert again.get(f"{API}/units").json()["total"] == 4
            assert again.get(f"{API}/areas/BU0363TA01").json()["parentCode"] == "WK0363TA"
            # Issued keys keep working in the new process; the old admin token does not.
            assert again.get(f"{API}/contacts", headers=broker).status_code == 200
            assert again.get(f"{API}/api-keys", headers=fresh_admin).json() == keys
            assert again.get(f"{API}/api-keys", headers=admin).status_code == 401
    finally:
        restarted.state.engine.dispose()


# Rows as a database held them before migration 0010: (code, kind, parent).
FORMER_AREAS = [
    ("SD0599F", "district", None),
    ("WK0599FA", "neighbourhood", "SD0599F"),
    ("BU0599FA01", "neighbourhood", "WK0599FA"),
    ("BU0599FA0101", "neighbourhood", "BU0599FA01"),
    ("WK0599LOS", "neighbourhood", None),
    ("GB0599Z", "other", None),
    ("WK0599ZA", "neighbourhood", "GB0599Z"),
]
LEVELS = {
    "SD0599F": "stadsdeel",
    "WK0599FA": "wijk",
    "BU0599FA01": "buurt",
    "BU0599FA0101": "buurt",
    "WK0599LOS": "wijk",
    "GB0599Z": "other",
    "WK0599ZA": "wijk",
}


def _area_kinds(engine: Engine) -> dict[str, str]:
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT code, kind FROM area WHERE code LIKE '%0599%'"))
        return dict(rows.all())


def test_area_levels_migration_maps_existing_rows_by_the_hierarchy(
    engine: Engine, database_url: str
) -> None:
    """0010: a district is a stadsdeel; a neighbourhood is a buurt below a wijk (or buurt),
    else a wijk. Its downgrade gives the former kinds back."""
    config = alembic_config(database_url)
    before = ScriptDirectory.from_config(config).get_revision("0010").down_revision
    command.downgrade(config, before)
    try:
        with engine.begin() as connection:
            connection.execute(text("INSERT INTO municipality (code, name) VALUES ('GM0599', 'R')"))
            for code, kind, parent in FORMER_AREAS:  # parents first
                connection.execute(
                    text(
                        "INSERT INTO area (code, name, municipality_code, kind, parent_code, "
                        "aliases) VALUES (:code, :code, 'GM0599', :kind, :parent, '[]')"
                    ),
                    {"code": code, "kind": kind, "parent": parent},
                )
        command.upgrade(config, "0010")
        assert _area_kinds(engine) == LEVELS
        command.downgrade(config, before)
        assert _area_kinds(engine) == {code: kind for code, kind, _ in FORMER_AREAS}
    finally:
        command.upgrade(config, "head")
    assert _area_kinds(engine) == LEVELS


def test_keys_and_webhooks_made_before_tenancy_keep_what_they_had(tmp_path) -> None:
    """Migration 0008: existing broker keys and webhook subscriptions get every municipality
    there is; admin keys stay national, contact and initiator keys get none."""
    import json

    from alembic import command
    from sqlalchemy import create_engine, text

    url = f"sqlite:///{tmp_path / 'old.db'}"
    config = alembic_config(url)
    command.upgrade(config, "0007")
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO municipality (code, name, directory_version) VALUES "
                    "('GM0363', 'Amsterdam', 1), ('GM0599', 'Rotterdam', 1)"
                )
            )
            for number, role in enumerate(("broker", "admin", "contact", "initiator")):
                connection.execute(
                    text(
                        "INSERT INTO api_key (key_hash, role, subject, created_at) "
                        "VALUES (:hash, :role, :subject, '2026-01-01 00:00:00')"
                    ),
                    {"hash": f"{number:064d}", "role": role, "subject": None},
                )
            connection.execute(
                text(
                    "INSERT INTO webhook_subscription (url, description, active, events, "
                    "statuses, secret, created_at, updated_at) VALUES ('https://p.example/h', "
                    "'', 1, '[]', '[]', 'whsec_x', '2026-01-01 00:00:00', '2026-01-01 00:00:00')"
                )
            )
        upgrade_database(Settings(database_url=url))
        with engine.connect() as connection:
            keys = dict(
                connection.execute(text("SELECT role, municipality_codes FROM api_key")).all()
            )
            hooks = connection.execute(
                text("SELECT municipality_codes FROM webhook_subscription")
            ).scalars()
            assert {role: json.loads(codes) for role, codes in keys.items()} == {
                "broker": ["GM0363", "GM0599"],
                "admin": [],
                "contact": [],
                "initiator": [],
            }
            assert [json.loads(codes) for codes in hooks] == [["GM0363", "GM0599"]]
    finally:
        engine.dispose()
