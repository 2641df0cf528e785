"""The hot-path second stage: what decides whether a candidate past the similarity threshold is served.

`verifier.build_verifier(settings)` is the one entry point the service uses; the offline evaluation that
chooses its settings lives in `semcache.calibration` and is never imported from here. Per-entry feedback
(`feedback`, `bound`) is here too: it decides what is served.
"""
