"""Azure Monitor (OpenTelemetry), only when APPLICATIONINSIGHTS_CONNECTION_STRING is set.

Imported lazily and configured before the app is built, so FastAPI requests and httpx calls (Azure OpenAI) are
traced. Redis calls are not: the distro has no Redis instrumentation.
configure_azure_monitor() probes a cloud metadata address: it must never run without a connection
string, and never in tests.
"""

from __future__ import annotations

import logging

from semcache.config import Settings

__all__ = ["configure_if_set"]

log = logging.getLogger(__name__)
_configured = False


def configure_if_set(settings: Settings) -> bool:
    global _configured
    secret = settings.applicationinsights_connection_string
    if secret is None or not secret.get_secret_value().strip():
        return False
    if _configured:
        return True
    try:
        from azure.monitor.opentelemetry import configure_azure_monitor
    except ImportError:
        log.warning("APPLICATIONINSIGHTS_CONNECTION_STRING is set but azure-monitor-opentelemetry is not installed")
        return False
    configure_azure_monitor(connection_string=secret.get_secret_value(), logger_name="semcache")
    _configured = True
    log.info("Azure Monitor OpenTelemetry configured")
    return True
