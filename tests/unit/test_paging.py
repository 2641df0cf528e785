import pytest

from semcache.paging import CursorError, decode_cursor, encode_cursor, query_digest


def test_a_cursor_round_trips_for_its_tenant_and_query_only() -> None:
    digest = query_digest({"filter": "*", "sort": "-hits"})
    cursor = encode_cursor(tenant="acme", digest=digest, offset=50)
    assert decode_cursor(cursor, tenant="acme", digest=digest) == 50
    with pytest.raises(CursorError, match="another tenant"):
        decode_cursor(cursor, tenant="globex", digest=digest)
    with pytest.raises(CursorError, match="another query"):
        decode_cursor(cursor, tenant="acme", digest=query_digest({"filter": "*", "sort": "hits"}))
    for junk in ("", "!!!", "e30", encode_cursor(tenant="acme", digest=digest, offset=-1)):
        with pytest.raises(CursorError):
            decode_cursor(junk, tenant="acme", digest=digest)
