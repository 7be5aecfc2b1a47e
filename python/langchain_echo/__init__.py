"""langchain-echo: deterministic, grapheme-exact echo models for LangChain."""

from langchain_echo._core import (
    UNICODE_VERSION,
    StreamShaper,
    __version__,
    count_graphemes,
    graphemes,
    truncate_graphemes,
)

__all__ = [
    "UNICODE_VERSION",
    "StreamShaper",
    "__version__",
    "count_graphemes",
    "graphemes",
    "truncate_graphemes",
]
