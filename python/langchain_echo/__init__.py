"""langchain-echo: deterministic, grapheme-exact echo models for LangChain.

``EchoLLM`` and ``ChatEcho`` echo their input, counted in Unicode grapheme clusters, with stop
sequences, streaming and native async; ``graphemes``, ``truncate_graphemes``, ``count_graphemes``
``StopSet`` and ``StreamShaper`` expose the Rust core they stand on; ``shape_stream`` and
``ShapeStream`` give any model's stream the same grapheme and stop-sequence semantics;
``Fault`` scripts a reply that fails part-way (``responses=[...]``); ``measure_stream`` and
``ameasure_stream`` measure a pipeline's streaming overhead per chunk.
"""

from langchain_echo._core import (
    UNICODE_VERSION,
    StopSet,
    StreamShaper,
    __version__,
    count_graphemes,
    graphemes,
    truncate_graphemes,
)
from langchain_echo._script import Fault, ScriptExhaustedError
from langchain_echo.chat_models import ChatEcho
from langchain_echo.llms import EchoLLM
from langchain_echo.measure import StreamReport, ameasure_stream, measure_stream
from langchain_echo.shape import ShapeStream, ashape_stream, shape_stream

__all__ = [
    "UNICODE_VERSION",
    "ChatEcho",
    "EchoLLM",
    "Fault",
    "ScriptExhaustedError",
    "ShapeStream",
    "StopSet",
    "StreamReport",
    "StreamShaper",
    "__version__",
    "ameasure_stream",
    "ashape_stream",
    "count_graphemes",
    "graphemes",
    "measure_stream",
    "shape_stream",
    "truncate_graphemes",
]
