"""Reading a response body inside `briefing.poll`: decoded incrementally, refused past a size limit.

The limit applies to the bytes after Content-Encoding is undone, and each decoding step is told how much it
may still produce, so a small compressed body that inflates to gigabytes (a gzip bomb) stops at the limit.
"""

from __future__ import annotations

import zlib

import httpx


class BodyError(Exception):
    """A one-line reason why the body was refused (too large, undecodable)."""


async def read_capped(response: httpx.Response, max_bytes: int) -> bytes:
    """The decoded body, refusing anything past `max_bytes` while streaming (so a gzip bomb never inflates)."""
    declared = response.headers.get("content-length", "")
    encoding = response.headers.get("content-encoding", "identity").strip().lower()
    if declared.isdigit() and int(declared) > max_bytes and encoding in ("", "identity"):
        raise BodyError(f"body too large: {int(declared):,} bytes declared, the limit is {max_bytes:,}")
    if response.is_stream_consumed:  # an in-memory response (httpx.MockTransport) arrives read and decoded
        return _capped(response.content, max_bytes)
    inflater = Inflater(encoding)
    chunks: list[bytes] = []
    total = 0
    async for raw in response.aiter_raw():
        data = inflater.feed(raw, max_bytes - total + 1)
        total += len(data)
        if total > max_bytes:
            raise BodyError(f"body too large: more than {max_bytes:,} bytes after decompression")
        chunks.append(data)
    return b"".join(chunks)


def _capped(body: bytes, max_bytes: int) -> bytes:
    if len(body) > max_bytes:
        raise BodyError(f"body too large: more than {max_bytes:,} bytes after decompression")
    return body


class Inflater:
    """Incremental Content-Encoding decoding with an output limit per step (zlib's max_length).

    httpx's own decoders inflate each network chunk fully (a 64 KB gzip chunk of zeros is ~64 MB), so poll
    reads raw bytes and decodes here, never producing more than the caller can still accept.
    """

    def __init__(self, encoding: str) -> None:
        self.encoding = encoding
        if encoding in ("", "identity"):
            self._zlib = None
        elif encoding in ("gzip", "x-gzip"):
            self._zlib = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif encoding == "deflate":
            self._zlib = zlib.decompressobj()
        elif encoding == "br":
            # a declared dependency, imported late: most feeds are gzip or plain
            import brotli  # type: ignore[import-untyped]

            self._brotli = brotli.Decompressor()
            self._zlib = None
        else:
            raise BodyError(f"unsupported Content-Encoding {encoding!r}")
        self._first = True

    def feed(self, data: bytes, limit: int) -> bytes:
        try:
            if self.encoding in ("", "identity"):
                return data
            if self.encoding == "br":
                return self._brotli_feed(data, limit)
            return self._zlib_feed(data, limit)
        except BodyError:
            raise
        except Exception as exc:  # zlib.error, brotli.error: a corrupt body is this feed's failure
            raise BodyError(f"cannot decode {self.encoding} body: {' '.join(str(exc).split())[:200]}") from exc

    def _zlib_feed(self, data: bytes, limit: int) -> bytes:
        assert self._zlib is not None
        try:
            out = self._zlib.decompress(data, limit)
        except zlib.error:
            if not (self._first and self.encoding == "deflate"):
                raise
            self._zlib = zlib.decompressobj(-zlib.MAX_WBITS)  # raw deflate, as some servers send it
            out = self._zlib.decompress(data, limit)
        self._first = False
        return out  # if unconsumed input remains, len(out) == limit and the caller stops

    def _brotli_feed(self, data: bytes, limit: int) -> bytes:
        try:
            out: bytes = self._brotli.process(data, output_buffer_limit=limit)
        except TypeError:  # brotli < 1.2 has no output limit: the chunk is inflated whole
            out = self._brotli.process(data)
        return out
