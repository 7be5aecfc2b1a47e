"""langchain-echo: deterministic, grapheme-exact echo models for LangChain.

``EchoLLM`` and ``ChatEcho`` echo their input, counted in Unicode grapheme clusters, with stop
sequences, streaming and native async; ``graphemes``, ``truncate_graphemes``, ``count_graphemes``
and ``StreamShaper`` expose the Rust core they stand on.
"""

from langchain_echo._core import (
    UNICODE_VERSION,
    StreamShaper,
    __version__,
    count_graphemes,
    graphemes,
    truncate_graphemes,
)
from langchain_echo.chat_models import ChatEcho
from langchain_echo.llms import EchoLLM

__all__ = [
    "UNICODE_VERSION",
    "ChatEcho",
    "EchoLLM",
    "StreamShaper",
    "__version__",
    "count_graphemes",
    "graphemes",
    "truncate_graphemes",
]
