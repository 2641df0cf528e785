"""Offline calibration, off the hot path: evaluation on labelled pairs, threshold calibration and fitting the
second stage (`semcache eval`, `semcache calibrate`). The service never imports it; what it calibrates runs in
`semcache.verify`."""
