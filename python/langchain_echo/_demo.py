"""The seed documents' examples, run for real: ``langchain-echo demo``."""

from __future__ import annotations

import asyncio

from langchain_core.messages import AIMessage, HumanMessage
from langchain_core.prompts import ChatPromptTemplate

from langchain_echo import ChatEcho, EchoLLM


async def _llm_examples() -> None:
    llm = EchoLLM(n=5)
    print(llm)
    print(repr(llm.invoke("This is a foobar thing")))
    print(repr(await llm.ainvoke("world")))
    print(llm.batch(["woof woof woof", "meow meow meow"]))
    print(await llm.abatch(["woof woof woof", "meow meow meow"]))
    async for token in llm.astream("hello"):
        print(token, end="|", flush=True)
    print()

    prompt = ChatPromptTemplate.from_messages([("system", "you are a bot"), ("human", "{input}")])
    chain = prompt | EchoLLM(n=7)
    async for event in chain.astream_events({"input": "hello there!"}, version="v2"):
        if event["event"] == "on_llm_start":
            print(event["event"], event["data"]["input"])
        elif event["event"] == "on_llm_stream":
            print(event["event"], repr(event["data"]["chunk"]))


async def _chat_examples() -> None:
    model = ChatEcho(n=3, model_name="my_custom_model")
    conversation = [
        HumanMessage(content="hello!"),
        AIMessage(content="Hi there human!"),
        HumanMessage(content="Meow!"),
    ]
    print(model.invoke(conversation))
    print(model.invoke("hello"))
    print(model.batch(["hello", "goodbye"]))
    for chunk in model.stream("cat"):
        print(chunk.content, end="|")
    print()
    async for chunk in model.astream("cat"):
        print(chunk.content, end="|")
    print()
    async for event in model.astream_events("cat", version="v2"):
        data = event["data"]
        shown = data.get("chunk", data.get("output", data.get("input")))
        print(event["event"], repr(shown))


async def _what_the_seeds_could_not() -> None:
    print(EchoLLM(n=3).invoke("👨‍👩‍👧‍👦🇫🇷é and more"))  # three whole graphemes
    print(EchoLLM(stop=["."]).invoke("One. Two."))  # stop sequences honoured, and included
    print(ChatEcho(stop=["."], stop_mode="exclude").invoke("One. Two.").content)


def run() -> None:
    """Prints every example of the seed documents, then what they could not do."""
    print("== EchoLLM (seed: custom LLM) ==")
    asyncio.run(_llm_examples())
    print("\n== ChatEcho (seed: custom chat model) ==")
    asyncio.run(_chat_examples())
    print("\n== Graphemes and stop sequences ==")
    asyncio.run(_what_the_seeds_could_not())
