"""Offline: the data and (later) the training of the verifier's second stage. Never imported by the service."""
