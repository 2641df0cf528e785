"""`python -m bench.serve`: `semcache serve` with the uvicorn event loop and HTTP parser made explicit.

Identical to `semcache serve` when both are `auto` (uvicorn then takes uvloop and httptools if installed);
`--loop asyncio --http h11` measures the service without them.
"""

from __future__ import annotations

import argparse


def main() -> None:
    import uvicorn

    from semcache.config import Settings
    from semcache.main import create_app

    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--loop", default="auto", choices=["auto", "asyncio", "uvloop"])
    parser.add_argument("--http", default="auto", choices=["auto", "h11", "httptools"])
    args = parser.parse_args()
    settings = Settings()
    uvicorn.run(
        create_app(settings),
        host="127.0.0.1",
        port=args.port,
        log_level=settings.log_level.lower(),
        loop=args.loop,
        http=args.http,
    )


if __name__ == "__main__":
    main()
