"""`python -m app.openapi FILE`: write the OpenAPI schema (no database needed)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from litestar.serialization import encode_json


def schema_json() -> bytes:
    from app.main import create_app
    from app.settings import Settings

    schema = create_app(Settings()).openapi_schema.to_schema()
    # Round-trip through json for a stable, reviewable layout (sorted keys, indented).
    return json.dumps(json.loads(encode_json(schema)), indent=2, sort_keys=True).encode() + b"\n"


def main(argv: list[str]) -> int:
    target = Path(argv[0]) if argv else Path("openapi.json")
    target.write_bytes(schema_json())
    print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
