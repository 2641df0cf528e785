"""API keys -> tenants. Pure: parsing and constant-time lookup; api/deps.py applies it to requests.

`SEMCACHE_API_KEYS` is `key=tenant` pairs separated by commas (or a JSON object); a file
(`SEMCACHE_API_KEYS_FILE`) holds the same, one pair per line. With no keys, the service is open and
every caller is the default tenant.
"""

from __future__ import annotations

import hmac
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from semcache.config import Settings

__all__ = ["KeyRing", "Principal", "load_keyring", "parse_pairs"]

_TENANT = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


@dataclass(frozen=True)
class Principal:
    tenant: str
    is_admin: bool


@dataclass(frozen=True)
class KeyRing:
    keys: dict[str, str] = field(default_factory=dict)
    admin_key: str | None = None
    default_tenant: str = "default"

    @property
    def open(self) -> bool:
        return not self.keys and self.admin_key is None

    def resolve(self, token: str | None) -> Principal | None:
        """The principal for a bearer token, or None. Every key is compared, in constant time each,
        so the time taken does not tell which key (or how much of one) matched."""
        if self.open:
            return Principal(self.default_tenant, is_admin=True)
        if not token:
            return None
        given = token.encode()
        found: Principal | None = None
        if self.admin_key is not None and hmac.compare_digest(given, self.admin_key.encode()):
            found = Principal(self.default_tenant, is_admin=True)
        for key, tenant in self.keys.items():
            if hmac.compare_digest(given, key.encode()) and found is None:
                found = Principal(tenant, is_admin=False)
        return found


def parse_pairs(text: str) -> dict[str, str]:
    text = text.strip()
    if not text:
        return {}
    if text.startswith("{"):
        raw = json.loads(text)
        if not isinstance(raw, dict):
            raise ValueError("SEMCACHE_API_KEYS JSON must be an object of key -> tenant")
        pairs = {str(k): str(v) for k, v in raw.items()}
    else:
        pairs = {}
        for raw_item in re.split(r"[,\n]", text):
            item = raw_item.strip()
            if not item or item.startswith("#"):
                continue
            key, sep, tenant = item.partition("=")
            if not sep:
                key, sep, tenant = item.partition(":")
            if not sep or not key.strip() or not tenant.strip():
                raise ValueError("each API key entry must look like key=tenant")
            pairs[key.strip()] = tenant.strip()
    for key, tenant in pairs.items():
        if len(key) < 8:
            raise ValueError("API keys must be at least 8 characters")
        if not _TENANT.match(tenant):
            raise ValueError(f"tenant names are 1-64 of [A-Za-z0-9_.-]; got {tenant!r}")
    return pairs


def load_keyring(settings: Settings) -> KeyRing:
    keys: dict[str, str] = {}
    if settings.semcache_api_keys is not None:
        keys.update(parse_pairs(settings.semcache_api_keys.get_secret_value()))
    if settings.semcache_api_keys_file is not None:
        keys.update(parse_pairs(Path(settings.semcache_api_keys_file).read_text()))
    admin = settings.semcache_admin_key.get_secret_value() if settings.semcache_admin_key else None
    return KeyRing(keys, admin, settings.default_tenant)
