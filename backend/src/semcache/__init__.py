"""semcache: a semantic cache for LLM applications."""

__version__ = "0.1.0"
