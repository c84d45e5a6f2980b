"""Write docs/configuration.md from the Settings class, so the reference cannot drift.

Usage: python scripts/configuration_reference.py [OUTPUT]   (default: docs/configuration.md)

Every field of ``api.core.settings.Settings`` (and of its nested ``MatchingSettings``) becomes one
row: its environment variable, its default as one would write it in the environment, the
values it accepts and its ``description``. ``tests/test_docs.py`` fails when the committed
page differs from what this script writes: run it after changing a setting.
"""

import argparse
import typing
from pathlib import Path

import annotated_types
from pydantic import BaseModel, SecretStr
from pydantic.fields import FieldInfo

from api.core.settings import Settings

DEFAULT_OUTPUT = Path(__file__).resolve().parent.parent / "docs" / "configuration.md"

HEADER = """\
# Configuration

<!-- Written by scripts/configuration_reference.py from api/core/settings.py; do not edit by hand:
change the Settings class (its fields' descriptions) and run the script again. -->

Every setting is an environment variable (or a line of a `.env` file in the working
directory) named `WEGWIJS_` and the field's name in capitals. The matching weights are nested:
`WEGWIJS_MATCHING__TEXT=0.4` (two underscores). Lists are comma-separated. A value outside
what a setting accepts stops `wegwijs` at start-up with a message naming the setting.

Where the settings matter: [the API's limits](api.md#limits),
[operations](operations.md) (database, scaling, metrics, logs),
[mail](mail.md), [webhooks](webhooks.md), [matching](matching.md),
[privacy](privacy.md). Besides these, `PROMETHEUS_MULTIPROC_DIR` (metrics of several workers)
is described under [Metrics](operations.md#metrics), and uvicorn's `FORWARDED_ALLOW_IPS`
under [Limits](api.md#limits) (behind a reverse proxy).

| Variable | Default | Accepts | Meaning |
| --- | --- | --- | --- |
"""


def env_default(field: FieldInfo) -> str:
    """The default as it would be written in the environment."""
    value = field.get_default(call_default_factory=True)
    if value is None:
        return "unset"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, list):
        return f"`{','.join(_number(item) for item in value)}`" if value else "empty"
    if isinstance(value, dict):
        return "empty" if not value else f"`{value}`"
    if isinstance(value, int | float):
        return f"`{_number(value)}`"
    return f"`{value}`"


def _number(value: object, *, grouped: bool = False) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    # Bounds read better grouped (10,000,000); defaults stay as one would type them.
    return f"{value:,}" if grouped and isinstance(value, int) else str(value)


def accepts(field: FieldInfo) -> str:
    """What a value must be: its choices, its bounds or its kind."""
    annotation = field.annotation
    if typing.get_origin(annotation) is typing.Literal:
        return ", ".join(f"`{choice}`" for choice in typing.get_args(annotation))
    args = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
    base = args[0] if args and typing.get_origin(annotation) is not list else annotation
    if typing.get_origin(annotation) is list:
        kind = "list of numbers" if typing.get_args(annotation) == (float,) else "list"
    elif typing.get_origin(annotation) is dict:
        kind = "per municipality"
    elif base is bool:
        return "`true`, `false`"
    elif base is int:
        kind = "whole number"
    elif base is float:
        kind = "number"
    elif base is SecretStr:
        kind = "URL (secret)"
    else:
        kind = "text"
    bounds = []
    for item in field.metadata:
        for attribute, sign in (("ge", "≥"), ("gt", ">"), ("le", "≤"), ("lt", "<")):
            if isinstance(item, getattr(annotated_types, attribute.title())):
                bounds.append(f"{sign} {_number(getattr(item, attribute), grouped=True)}")
        if isinstance(item, annotated_types.MaxLen) and typing.get_origin(annotation) is list:
            bounds.append(f"at most {item.max_length} items")
    return kind + (f", {' and '.join(bounds)}" if bounds else "")


def rows(model: type[BaseModel], prefix: str) -> list[str]:
    lines = []
    for name, field in model.model_fields.items():
        variable = f"{prefix}{name.upper()}"
        nested = field.annotation
        if isinstance(nested, type) and issubclass(nested, BaseModel):
            lines.extend(rows(nested, f"{variable}__"))
            continue
        description = " ".join((field.description or "").split())
        lines.append(f"| `{variable}` | {env_default(field)} | {accepts(field)} | {description} |")
    return lines


def render() -> str:
    """The whole page, as committed."""
    prefix = Settings.model_config.get("env_prefix", "")
    return HEADER + "\n".join(rows(Settings, prefix)) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output", nargs="?", default=DEFAULT_OUTPUT, type=Path)
    args = parser.parse_args()
    args.output.write_text(render(), encoding="utf-8")


if __name__ == "__main__":
    main()
