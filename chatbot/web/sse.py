"""Server-Sent Events for a streamed answer: ``delta`` events with text, then one ``answer`` event.

The answer engine streams from a thread (it is CPU-bound and synchronous). Its pieces cross to the
event loop through a queue; pieces that arrive together go out as one event. The first piece is
awaited before the response starts, because the engine raises before it (an invalid question, a
missing index): that still becomes a normal JSON refusal with its status code. A failure after
the stream has started is sent as an ``error`` event with the same JSON as a refusal.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable, Iterator
from concurrent.futures import Executor
from typing import Any

from starlette.responses import StreamingResponse

from chatbot.web.errors import ApiError

_END = object()


def sse(event: str, data: Any) -> bytes:
    """One event in the wire format: ``event: NAME`` and one ``data:`` line of JSON, then a blank line."""
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n".encode()


async def event_stream(
    pool: Executor, produce: Callable[[], Iterator[str | dict]], refusal: Callable[[BaseException], ApiError]
) -> StreamingResponse:
    """Run ``produce()`` on ``pool`` and stream what it yields: strings as ``delta``, a dict as ``answer``.

    Raises ``refusal(exc)`` when ``produce`` fails before its first piece.
    """
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue = asyncio.Queue()

    def put(item: object) -> None:
        loop.call_soon_threadsafe(queue.put_nowait, item)

    def run() -> None:
        try:
            for item in produce():
                put(item)
        except BaseException as exc:  # noqa: BLE001 - handed to the event loop, which answers with it
            put(exc)
        finally:
            put(_END)

    pool.submit(run)
    first = await queue.get()
    if isinstance(first, BaseException):
        raise refusal(first)

    async def events() -> AsyncIterator[bytes]:
        item = first
        while item is not _END:
            if isinstance(item, str):
                text, held = [item], None
                while held is None and not queue.empty():  # pieces that have arrived meanwhile go in the same event
                    piece = queue.get_nowait()
                    if isinstance(piece, str):
                        text.append(piece)
                    else:
                        held = piece
                yield sse("delta", {"text": "".join(text)})
                item = held if held is not None else await queue.get()
                continue
            if isinstance(item, dict):
                yield sse("answer", item)
            elif isinstance(item, BaseException):
                yield sse("error", refusal(item).body())
            item = await queue.get()

    return StreamingResponse(events(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})

