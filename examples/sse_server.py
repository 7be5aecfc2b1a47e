"""A FastAPI app that streams a LangChain chain over a paced ChatEcho as server-sent events.

The chain is ``ChatPromptTemplate | ChatEcho(...) | StrOutputParser()``; each text chunk is one
``data:`` event, and the stream ends with ``event: end``. Query parameters: ``input`` (the text
to echo) and the model's pacing and chunking options ``ttft``, ``itl``, ``jitter``, ``seed``,
``chunk_size``, exactly what ``langchain-echo overhead --url`` sends, so that its schedule is the
one the server keeps. Run it and measure it::

    pip install 'langchain-echo[overhead]' fastapi uvicorn
    uvicorn --app-dir examples sse_server:app --port 8000 --no-access-log
    langchain-echo overhead --url http://127.0.0.1:8000/stream --itl 0.02 --concurrency 100

Plain-text server-sent events carry a line feed as a new ``data:`` line, which clients join
with a line feed; a carriage return cannot be carried that way (it is a line break to clients).
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from fastapi import FastAPI, HTTPException
from fastapi.responses import StreamingResponse
from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.runnables import Runnable

from langchain_echo import ChatEcho

app = FastAPI(title="langchain-echo SSE example")
prompt = ChatPromptTemplate.from_messages([("human", "{input}")])


def event(text: str) -> str:
    """One server-sent event holding ``text``: a ``data:`` line per line of it."""
    return "".join(f"data: {line}\n" for line in text.split("\n")) + "\n"


async def events(chain: Runnable[dict[str, str], str], text: str) -> AsyncIterator[str]:
    """The chain's chunks as events (an empty chunk carries nothing: none is sent), then end."""
    async for piece in chain.astream({"input": text}):
        if piece:
            yield event(piece)
    yield "event: end\ndata: end\n\n"


@app.get("/stream")
async def stream(
    input: str = "",
    ttft: float | None = None,
    itl: float | None = None,
    jitter: float = 0.0,
    seed: int | None = None,
    chunk_size: int = 1,
) -> StreamingResponse:
    """Streams the echo of ``input`` as server-sent events, paced as the parameters say."""
    try:
        model = ChatEcho(ttft=ttft, itl=itl, jitter=jitter, seed=seed, chunk_size=chunk_size)
    except ValueError as e:  # a bad option: 422, as FastAPI answers a bad parameter
        raise HTTPException(status_code=422, detail=str(e)) from e
    chain = prompt | model | StrOutputParser()
    return StreamingResponse(
        events(chain, input),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
