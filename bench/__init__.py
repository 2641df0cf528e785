"""semcache benchmarks: one command (`semcache bench` / `python -m bench`) writes docs/benchmarks.{md,json,svg}."""
