"""Limits of the real server on loopback: oversized request lines and headers are refused
before they reach the app."""

from __future__ import annotations

from tests.serving import raw_request


def status_of(response: bytes) -> int:
    return int(response.split(b" ", 2)[1]) if response else 0


def test_normal_request_is_served(live_server):
    response = raw_request(
        live_server, b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )
    assert status_of(response) == 200


def test_oversized_header_is_refused(live_server):
    big = b"X-Padding: " + b"a" * 40_000 + b"\r\n"
    response = raw_request(
        live_server, b"GET /health HTTP/1.1\r\nHost: x\r\n" + big + b"Connection: close\r\n\r\n"
    )
    assert status_of(response) == 431, response[:200]
    assert b"application/problem+json" in response


def test_oversized_request_line_is_refused(live_server):
    line = b"GET /drivers?q=" + b"a" * 40_000 + b" HTTP/1.1\r\n"
    response = raw_request(live_server, line + b"Host: x\r\nConnection: close\r\n\r\n")
    assert status_of(response) == 414
