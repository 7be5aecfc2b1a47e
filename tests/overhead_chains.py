"""Pipelines for the ``langchain-echo overhead`` tests (loaded by path: not a test module)."""

from __future__ import annotations

from typing import Any

from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate

PROMPT = ChatPromptTemplate.from_messages([("human", "{q}")])


def build(model: Any) -> Any:
    return PROMPT | model | StrOutputParser()


def buffered(model: Any) -> Any:
    return PROMPT | model | StrOutputParser() | (lambda text: text)


def bare(model: Any) -> Any:
    return model


NOT_CALLABLE = 3
