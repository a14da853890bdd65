"""Run by benchmarks/rss_server.py in a child process: migrate a fresh SQLite database
under WORKDIR, create an admin and a platform key (printed as one JSON line), then serve
on 127.0.0.1:PORT. Imports ``service`` from the PYTHONPATH it is given (this checkout or a
baseline commit's tree), so it only uses calls both have.

    python serve_for_bench.py WORKDIR PORT
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import uvicorn

from service.app.factory import create_app
from service.auth.service import Role, create_key
from service.kit.db import create_db_engine, make_session_factory
from service.kit.migrate import upgrade
from service.kit.settings import Settings


def main() -> None:
    workdir, port = Path(sys.argv[1]), int(sys.argv[2])
    url = f"sqlite:///{workdir / 'trustd.db'}"
    upgrade(url)
    settings = Settings(env="test", database_url=url, var_dir=workdir / "var",
                        log_json=False, log_level="WARNING")
    engine = create_db_engine(url)
    keys = {}
    with make_session_factory(engine)() as session:
        keys["admin"] = create_key(session, Role.admin, "bench-admin", None).secret
        keys["platform"] = create_key(session, Role.platform, "bench", "bench").secret
        session.commit()
    engine.dispose()
    print(json.dumps(keys), flush=True)
    uvicorn.run(create_app(settings, freeze_heap=True), host="127.0.0.1", port=port, log_level="warning")


if __name__ == "__main__":
    main()
