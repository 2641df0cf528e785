"""Offline tools beside the product (not part of the served `semcache` package)."""
