"""Reading where the local model's server says it listens (pure)."""

from __future__ import annotations

from semcache.local.llm import listening_on


def test_the_address_uvicorn_reports_is_read_from_the_log() -> None:
    log = "llama_model_loader: ...\nINFO:     Uvicorn running on http://127.0.0.1:41234 (Press CTRL+C to quit)\n"
    assert listening_on(log) == ("127.0.0.1", 41234)
    assert listening_on("INFO:     Uvicorn running on http://0.0.0.0:8799 (Press CTRL+C to quit)") == ("0.0.0.0", 8799)
    assert listening_on("llama_model_loader: loaded meta data\n") is None
