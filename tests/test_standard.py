from __future__ import annotations

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


class TestChatEchoUnit(_EchoParams, ChatModelUnitTests):
    pass


class TestChatEchoIntegration(_EchoParams, ChatModelIntegrationTests):
    pass
