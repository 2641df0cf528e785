"""`semcache loadtest`: a bounded load on loopback with Redis killed and restarted in the middle.

Everything it needs it starts itself: an embedded Redis it can kill, a scripted OpenAI-compatible
upstream, and the service in a subprocess. Traffic goes to 127.0.0.1 only.
"""
