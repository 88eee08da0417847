"""An embedded PostgreSQL for tests and the demo (the `pgserver` wheel: a real server).

Development only: the service image never installs pgserver.
"""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path

logger = logging.getLogger(__name__)

# Unix sockets live in the data directory, and socket paths are limited to about 100 bytes.
_MAX_SOCKET_DIR_LENGTH = 80


def start_embedded_postgres(data_dir: Path | None = None) -> str:
    """Start (or reuse) a server on `data_dir` and return its socket URL.

    With no folder a throw-away one is made and deleted when the process exits; a given folder
    keeps its data, and the server stops when the process exits.
    """
    import pgserver

    # pgserver logs every pg_ctl call at INFO, including at interpreter exit after the
    # streams have closed; its warnings are all we want to see.
    logging.getLogger("pgserver").setLevel(logging.WARNING)

    if data_dir is None:
        data_dir, cleanup = Path(tempfile.mkdtemp(prefix="efm-pg-")), "delete"
    else:
        data_dir, cleanup = data_dir.resolve(), "stop"
        data_dir.mkdir(parents=True, exist_ok=True)
    if len(str(data_dir)) > _MAX_SOCKET_DIR_LENGTH:
        raise RuntimeError(f"{data_dir} is too long a path for a PostgreSQL socket folder")
    server = pgserver.get_server(data_dir, cleanup_mode=cleanup)
    logger.info("embedded postgres started", extra={"data_dir": str(data_dir)})
    return server.get_uri()


def stop_embedded_postgres(data_dir: Path) -> None:
    """Stop the server `start_embedded_postgres(data_dir)` started in this process, now.

    It would stop at exit anyway; stopping it explicitly lets a caller stop things in order.
    """
    import pgserver

    # get_server hands back this process's handle for the folder; cleanup stops the server
    # unless another process holds a handle too, and makes the exit-time stop a no-op.
    pgserver.get_server(data_dir.resolve()).cleanup()
