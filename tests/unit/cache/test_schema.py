from semcache.cache.schema import IndexSpec


def test_index_name_carries_the_embedder_fingerprint() -> None:
    a = IndexSpec(prefix="semcache", fingerprint="all-MiniLM-L6-v2-int8-384", dims=384)
    b = IndexSpec(prefix="semcache", fingerprint="openai-text-embedding-3-small-1536", dims=1536)
    assert a.name != b.name and "384" in a.name and "1536" in b.name
    assert a.key_prefix != b.key_prefix


def test_create_args_declare_hnsw_cosine_float32_and_scope_tags() -> None:
    spec = IndexSpec(prefix="p", fingerprint="m-8", dims=8, scope_fields=("tenant", "model"), ef_runtime=50)
    args = spec.create_args()
    assert args[:7] == ["FT.CREATE", spec.name, "ON", "HASH", "PREFIX", 1, spec.key_prefix]
    for token in ("HNSW", "FLOAT32", "COSINE", "CASESENSITIVE"):
        assert token in args
    assert args[args.index("DIM") + 1] == 8
    assert args[args.index("EF_RUNTIME") + 1] == 50
    assert spec.expected_attributes() == {"tenant", "model", "tags", "prompt", "created_at", "embedding"}
    assert args[args.index("tags") + 1 : args.index("tags") + 4] == ["TAG", "SEPARATOR", ","]


def test_entries_and_stats_keys_do_not_overlap() -> None:
    spec = IndexSpec(prefix="p", fingerprint="m-8", dims=8)
    assert spec.entry_key("abc").startswith(spec.key_prefix)
    assert not spec.stats_key.startswith(spec.key_prefix)
