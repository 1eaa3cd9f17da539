"""The live server's harness: a response the server abandons half-way is still closed."""

from __future__ import annotations

import gc

from tests.browser.conftest import closing_on_abandon


class _Response:
    """A response of two chunks that records whether it was closed."""

    def __init__(self) -> None:
        self.closed = False

    def __iter__(self):
        yield b"first"
        yield b"second"

    def close(self) -> None:
        self.closed = True


def test_a_response_abandoned_after_its_first_chunk_is_closed_at_once():
    response = _Response()
    started = []

    def app(environ, start_response):
        start_response("200 OK", [])
        return response

    served = closing_on_abandon(app)({}, lambda status, headers: started.append(status))
    assert next(served) == b"first"
    assert started == ["200 OK"]
    gc.disable()  # the close must not wait for a collection
    try:
        del served
        assert response.closed
    finally:
        gc.enable()


def test_a_response_read_to_the_end_is_closed_once():
    closes = []

    class Counted(_Response):
        def close(self) -> None:
            closes.append(1)

    served = closing_on_abandon(lambda environ, start_response: Counted())({}, None)
    assert list(served) == [b"first", b"second"]
    assert closes == [1]
