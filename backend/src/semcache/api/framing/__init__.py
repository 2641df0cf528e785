"""Framing: one module per wire format a route answers in, below the routes (which import no other route).

The service yields framing-neutral events (semcache/events.py); these modules turn them into bytes or response
objects: `gateway` (the x-semcache-* headers and error body both OpenAI-compatible APIs share)."""
