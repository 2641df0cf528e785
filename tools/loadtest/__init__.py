"""The load/fault driver: a bounded load on loopback with Redis killed and restarted in the middle.

Everything it needs it starts itself: an embedded Redis it can kill, the tests' scripted OpenAI-compatible
upstream, and the service in a subprocess. Traffic goes to 127.0.0.1 only. Run it from the repository root:
`python -m tools.loadtest --duration 120` (or `semcache loadtest ...` from there). It lives outside the
`semcache` package: nothing the service serves imports it.
"""
