"""Compression: Litestar's compressor (brotli, gzip fallback, bodies from 1 KiB), with the
coding taken from `negotiation.representation` instead of its own reading of the header."""

from __future__ import annotations

from litestar.config.compression import CompressionConfig
from litestar.middleware.compression import CompressionMiddleware
from litestar.types import Receive, Scope, Send

from app.edge.negotiation import representation


class NegotiatedCompression(CompressionMiddleware):
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        encoding = representation(scope).encoding
        if encoding == "identity":
            await self.app(scope, receive, send)
            return
        wrapped = self.create_compression_send_wrapper(
            send=send, compression_encoding=encoding, scope=scope
        )
        await self.app(scope, receive, wrapped)


def compression_config() -> CompressionConfig:
    # Serves exactly negotiation.ENCODINGS: "br" (the backend) and "gzip" (the fallback).
    return CompressionConfig(
        backend="brotli",
        brotli_gzip_fallback=True,
        minimum_size=1024,
        middleware_class=NegotiatedCompression,
    )
