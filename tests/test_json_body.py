"""A long page is encoded in parts, other requests running in between; the bytes are the ones
the whole page encoded at once gives (as Litestar writes a short page)."""

from __future__ import annotations

import asyncio
import datetime

import msgspec
import pytest
from litestar.serialization import encode_json

from app.models import Page
from app.routes.common import JSON_CHUNK, json_body
from tests.test_csv import Line, Team


def lines(count: int) -> list[Line]:
    return [
        Line(
            name=f'Pérez "{i}", Jr.\n' if i % 7 == 0 else f"D{i}",
            number=i if i % 3 else None,
            delta=i / 3 - 100,
            champion=i % 2 == 0,
            born=datetime.date(1950 + i % 70, 1 + i % 12, 1 + i % 28) if i % 4 else None,
            teams=[Team(ref=f"t{i}", points=0.1 * i)] if i % 5 else [],
        )
        for i in range(count)
    ]


@pytest.mark.parametrize("count", [0, 1, JSON_CHUNK, JSON_CHUNK + 1, 2 * JSON_CHUNK + 57, 1000])
def test_a_page_encoded_in_parts_is_the_page_encoded_at_once(count):
    page = Page(data=lines(count), total=count + 3, limit=1000, offset=3)
    body = asyncio.run(json_body(page))
    assert body == encode_json(page) == msgspec.json.encode(page)
    assert msgspec.json.decode(body, type=Page[Line]) == page


@pytest.mark.parametrize("count", [0, JSON_CHUNK + 1])
def test_a_list_encoded_in_parts_is_the_list_encoded_at_once(count):
    items = lines(count)
    assert asyncio.run(json_body(items)) == encode_json(items)
