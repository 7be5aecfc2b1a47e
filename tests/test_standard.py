from __future__ import annotations

import pytest
from langchain_core.language_models import BaseChatModel
from langchain_tests.integration_tests import ChatModelIntegrationTests
from langchain_tests.unit_tests import ChatModelUnitTests

from langchain_echo import ChatEcho


class _EchoParams:
    @property
    def chat_model_class(self) -> type[ChatEcho]:
        return ChatEcho

    @property
    def chat_model_params(self) -> dict:
        return {"model": "echo"}

    @property
    def returns_usage_metadata(self) -> bool:
        return True

    @property
    def model_override_value(self) -> str:
        return "echo-override"

    @property
    def supports_json_mode(self) -> bool:
        return True


# A test that needs a model to understand prose: the suite asks "What is the value of
# magic_function(3)? Use the tool." and expects the arguments {"input": 3}. An echo builds
# arguments from the tool's schema (integer: the smallest value allowed, 0), or echoes JSON input.
PROSE = "needs a model that reads prose: expects magic_function(3) to become {'input': 3}"


class TestChatEchoUnit(_EchoParams, ChatModelUnitTests):
    pass


class TestChatEchoIntegration(_EchoParams, ChatModelIntegrationTests):
    @pytest.mark.xfail(reason=PROSE, strict=True)
    @pytest.mark.parametrize("model", [{}, {"output_version": "v1"}], indirect=True)
    def test_tool_calling(self, model: BaseChatModel) -> None:
        super().test_tool_calling(model)

    @pytest.mark.xfail(reason=PROSE, strict=True)
    async def test_tool_calling_async(self, model: BaseChatModel) -> None:
        await super().test_tool_calling_async(model)
