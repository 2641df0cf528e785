"""Framing: one module per wire format a route answers in, below the routes (which import no other route).

The service yields framing-neutral events (semcache/events.py); these modules turn them into what a client
reads, every SSE byte through sse-starlette's ServerSentEvent:
- `events`: /ask/stream's named events and /ask's JSON body;
- `chat`: OpenAI chat completion chunks and bodies (/v1/chat/completions);
- `responses`: OpenAI Responses events and `response` objects (/v1/responses);
- `gateway`: the x-semcache-* headers and the error response both OpenAI-compatible APIs share."""
