"""What a child process of semcache inherits (pure): the basics, never the user's PORT, HOST or settings."""

from __future__ import annotations

from semcache.local.process import child_env

USER_ENV = {
    "PATH": "/usr/bin",
    "HOME": "/home/u",
    "LANG": "C.UTF-8",
    "LC_ALL": "C.UTF-8",
    "TMPDIR": "/tmp/u",
    "LD_LIBRARY_PATH": "/opt/lib",
    "PORT": "8799",
    "HOST": "0.0.0.0",
    "REDIS_URL": "redis://secret@host",
    "OPENAI_API_KEY": "sk-x",
    "MODEL": "/elsewhere.gguf",
    "N_CTX": "99",
    "OMP_NUM_THREADS": "64",
    "PYTHONPATH": "/src",
}


def test_a_child_gets_the_basics_and_our_thread_counts_and_nothing_else() -> None:
    env = child_env(USER_ENV, threads=2)
    kept = {k: USER_ENV[k] for k in ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "LD_LIBRARY_PATH")}
    ours = {"OMP_NUM_THREADS": "2", "OPENBLAS_NUM_THREADS": "2", "MKL_NUM_THREADS": "2", "PYTHONUNBUFFERED": "1"}
    assert env == {**kept, **ours}


def test_settings_a_child_would_read_never_reach_it() -> None:
    env = child_env(USER_ENV, threads=1)
    for name in ("PORT", "HOST", "REDIS_URL", "OPENAI_API_KEY", "MODEL", "N_CTX", "PYTHONPATH"):
        assert name not in env, name
