"""``ChatEcho.with_structured_output``: a bound model and the parser for its reply (SPEC 10).

``"function_calling"`` binds the schema as the one tool with ``tool_choice="any"`` (the reply is
one tool call) and parses its arguments; ``"json_schema"`` and ``"json_mode"`` bind an OpenAI
``response_format`` (the reply is the same arguments as JSON text content) and parse the text.
``include_raw`` wraps either as LangChain's own implementation does.
"""

from __future__ import annotations

from operator import itemgetter
from typing import TYPE_CHECKING, Any

from langchain_core.output_parsers import (
    BaseOutputParser,
    JsonOutputKeyToolsParser,
    JsonOutputParser,
    PydanticOutputParser,
    PydanticToolsParser,
)
from langchain_core.runnables import Runnable, RunnableMap, RunnablePassthrough
from langchain_core.utils.function_calling import convert_to_json_schema, convert_to_openai_tool
from langchain_core.utils.pydantic import is_basemodel_subclass

if TYPE_CHECKING:
    from langchain_echo.chat_models import ChatEcho

METHODS = ("function_calling", "json_schema", "json_mode")


def structured_output(
    model: ChatEcho,
    schema: dict[str, Any] | type | None,
    *,
    method: str,
    include_raw: bool,
    **kwargs: Any,
) -> Runnable[Any, Any]:
    """See :meth:`ChatEcho.with_structured_output`."""
    kwargs.pop("strict", None)
    if kwargs:
        msg = f"with_structured_output got unsupported arguments {sorted(kwargs)}"
        raise ValueError(msg)
    if method not in METHODS:
        msg = f"method must be one of {', '.join(map(repr, METHODS))}, got {method!r}"
        raise ValueError(msg)
    if schema is None and method != "json_mode":
        msg = f"schema is needed for method {method!r}; only 'json_mode' works without one"
        raise ValueError(msg)
    pydantic_schema = isinstance(schema, type) and is_basemodel_subclass(schema)
    traced = {"kwargs": {"method": method}, "schema": schema}
    parser: Runnable[Any, Any]
    if method == "function_calling":
        assert schema is not None  # checked above
        bound = model.bind_tools([schema], tool_choice="any", ls_structured_output_format=traced)
        if pydantic_schema:
            parser = PydanticToolsParser(tools=[schema], first_tool_only=True)
        else:
            name = convert_to_openai_tool(schema)["function"]["name"]
            parser = JsonOutputKeyToolsParser(key_name=name, first_tool_only=True)
    else:
        json_schema = {} if schema is None else convert_to_json_schema(schema)
        response_format: dict[str, Any] = (
            {"type": "json_object"}
            if method == "json_mode" and schema is None
            else {
                "type": "json_schema",
                "json_schema": {"name": json_schema.get("title", "output"), "schema": json_schema},
            }
        )
        bound = model.bind(response_format=response_format, ls_structured_output_format=traced)
        text_parser: BaseOutputParser[Any] = (
            PydanticOutputParser(pydantic_object=schema) if pydantic_schema else JsonOutputParser()
        )
        parser = text_parser
    if not include_raw:
        return bound | parser
    parsed = RunnablePassthrough.assign(
        parsed=itemgetter("raw") | parser, parsing_error=lambda _: None
    )
    unparsed = RunnablePassthrough.assign(parsed=lambda _: None)
    return RunnableMap(raw=bound) | parsed.with_fallbacks([unparsed], exception_key="parsing_error")
