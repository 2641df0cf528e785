import pytest

from semcache.auth import KeyRing, parse_pairs


def test_parse_pairs_accepts_pairs_and_json() -> None:
    assert parse_pairs("key-aaaaaaaa=acme, key-bbbbbbbb=globex") == {"key-aaaaaaaa": "acme", "key-bbbbbbbb": "globex"}
    assert parse_pairs('{"key-aaaaaaaa": "acme"}') == {"key-aaaaaaaa": "acme"}
    with pytest.raises(ValueError):
        parse_pairs("short=acme")
    with pytest.raises(ValueError):
        parse_pairs("key-aaaaaaaa=bad tenant!")


def test_open_keyring_makes_everyone_the_default_admin() -> None:
    principal = KeyRing(default_tenant="default").resolve(None)
    assert principal is not None and principal.tenant == "default" and principal.is_admin


def test_keys_resolve_to_their_tenant_only() -> None:
    ring = KeyRing({"key-aaaaaaaa": "acme", "key-bbbbbbbb": "globex"}, admin_key="admin-key-123")
    assert ring.resolve("key-aaaaaaaa") == ring.resolve("key-aaaaaaaa")
    acme = ring.resolve("key-aaaaaaaa")
    assert acme is not None and acme.tenant == "acme" and not acme.is_admin
    admin = ring.resolve("admin-key-123")
    assert admin is not None and admin.is_admin
    assert ring.resolve("key-aaaaaaab") is None
    assert ring.resolve(None) is None
