"""The per-version response cache stays within its bounds."""

from __future__ import annotations

from app.edge.response_cache import ResponseCache


def entry(size: int) -> tuple[list, bytes]:
    return ([], b"x" * size)


def test_least_recently_used_goes_first_when_entries_run_out():
    cache = ResponseCache(max_entries=2, max_bytes=1000)
    cache.put(("a",), entry(10))
    cache.put(("b",), entry(10))
    assert cache.get(("a",)) is not None  # a is now the most recently used
    cache.put(("c",), entry(10))
    assert cache.get(("b",)) is None
    assert cache.get(("a",)) is not None and cache.get(("c",)) is not None


def test_bytes_are_bounded_and_counted():
    cache = ResponseCache(max_entries=100, max_bytes=1000)
    for name in "abcdefghij":
        cache.put((name,), entry(100))
    assert cache.bytes == 1000
    cache.put(("k",), entry(100))
    assert cache.bytes == 1000
    assert cache.get(("a",)) is None and cache.get(("k",)) is not None


def test_a_body_over_a_tenth_of_the_budget_is_not_kept():
    cache = ResponseCache(max_entries=100, max_bytes=1000)
    cache.put(("big",), entry(101))
    assert cache.get(("big",)) is None and cache.bytes == 0
