"""Run by test_openai2.py in .venv-openai2 (openai 2.x, LlamaIndex), not by pytest: the openai 2.x SDK and
LlamaIndex's OpenAI-like client against the service at argv[1]. Prints one JSON object of what they saw."""

from __future__ import annotations

import asyncio
import json
import sys

import httpx
import openai
from llama_index.core.llms import ChatMessage
from llama_index.llms.openai_like import OpenAILike

Q = "What is the capital of France?"


async def sdk(url: str, statuses: list[str]) -> dict[str, object]:
    async def record(response: httpx.Response) -> None:
        statuses.append(response.headers.get("x-semcache-status", ""))

    async with (
        httpx.AsyncClient(event_hooks={"response": [record]}) as http,
        openai.AsyncOpenAI(base_url=url + "/v1", api_key="any", max_retries=0, http_client=http) as client,
    ):
        plain = await client.chat.completions.create(model="m", messages=[{"role": "user", "content": Q}])
        stream = await client.chat.completions.create(model="m", messages=[{"role": "user", "content": Q}], stream=True)
        streamed = "".join([c.choices[0].delta.content or "" async for c in stream if c.choices])
        response = await client.responses.create(model="m", input=Q)
        return {
            "chat": plain.choices[0].message.content,
            "stream": streamed,
            "responses": response.output_text,
        }


async def llama_index(url: str) -> dict[str, object]:
    common = {"model": "m", "api_base": url + "/v1", "api_key": "any", "max_retries": 0, "context_window": 2048}
    completion = await OpenAILike(**common).acomplete("What is the capital of Spain?")  # /v1/completions
    chat = await OpenAILike(is_chat_model=True, **common).achat([ChatMessage(role="user", content=Q)])
    return {"complete": completion.text, "chat": chat.message.content}


async def main(url: str) -> None:
    statuses: list[str] = []
    out = {"openai": openai.__version__, "sdk": await sdk(url, statuses), "statuses": statuses}
    out["llama_index"] = await llama_index(url)
    print(json.dumps(out))


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
