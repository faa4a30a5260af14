"""A PostgreSQL server of one test's own: a fresh data directory (initdb, trust auth) served on a free port of
127.0.0.1, which the test may stop, restart or kill as it likes — never the shared server of TEST_DATABASE_URL,
so tests that restart PostgreSQL run beside every other test (xdist). Removed when the test ends.

As root (CI), the server runs as the ``postgres`` user (PostgreSQL refuses root); otherwise as the current user.
"""

from __future__ import annotations

import asyncio
import contextlib
import glob
import os
import pwd
import shutil
import socket
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path

from sqlalchemy import text

from storage.db import create_engine, upgrade
from tests.support.reliability import Database

# a throwaway server: no fsync (a clean or fast shutdown still checkpoints; nothing here outlives the test)
SETTINGS = {"listen_addresses": "127.0.0.1", "fsync": "off", "synchronous_commit": "off",
            "full_page_writes": "off", "max_connections": "60", "shared_buffers": "32MB"}


def postgres_bindir() -> Path | None:
    """Where initdb and pg_ctl are (Debian keeps them out of PATH)."""
    for name in ("initdb", "pg_ctl"):
        found = shutil.which(name)
        if found and Path(found).resolve().parent.joinpath("pg_ctl").exists():
            return Path(found).resolve().parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), reverse=True)
    return Path(candidates[0]).parent if candidates else None


def _run_as() -> list[str]:
    """The command prefix that runs the server's programs as a user PostgreSQL accepts."""
    if os.geteuid() != 0:
        return []
    return ["runuser", "-u", "postgres", "--"]


def unavailable() -> str | None:
    """Why no private server can be made here (``None``: it can)."""
    if postgres_bindir() is None:
        return "PostgreSQL's initdb and pg_ctl are not installed"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root and there is no postgres user to run a server as"
        if shutil.which("runuser") is None:
            return "running as root without runuser"
    return None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class PrivatePostgres:
    def __init__(self) -> None:
        bindir = postgres_bindir()
        assert bindir is not None, unavailable()
        self.bindir = bindir
        self.root = Path(tempfile.mkdtemp(prefix="mentorbot-pg-"))
        self.data = self.root / "data"
        self.port = free_port()
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    async def _run(self, *args: str, check: bool = True) -> int:
        proc = await asyncio.create_subprocess_exec(
            *_run_as(), *args, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
        out, _ = await proc.communicate()
        if check and proc.returncode != 0:
            raise RuntimeError(f"{' '.join(args[:2])} failed ({proc.returncode}): {out.decode(errors='replace')[-2000:]}")
        return proc.returncode or 0

    def _pg_ctl(self, *args: str) -> list[str]:
        return [str(self.bindir / "pg_ctl"), "-D", str(self.data), "-l", str(self.root / "server.log"), *args]

    async def start(self) -> PrivatePostgres:
        """initdb (first time) and start; returns when it accepts connections."""
        if not self.data.exists():
            if os.geteuid() == 0:
                shutil.chown(self.root, user="postgres")
            await self._run(str(self.bindir / "initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust",
                            "-E", "UTF8", "--no-sync", "--no-instructions")
            options = [f"port = {self.port}", f"unix_socket_directories = '{self.root}'",
                       *(f"{k} = '{v}'" for k, v in SETTINGS.items())]
            conf = self.data / "postgresql.conf"
            conf.write_text(conf.read_text() + "\n" + "\n".join(options) + "\n")
        await self._run(*self._pg_ctl("-w", "-t", "60", "start"))
        return self

    async def restart(self) -> int:
        """A fast restart (as ``pg_ctlcluster restart``): every connection is cut; the exit status of pg_ctl."""
        return await self._run(*self._pg_ctl("-w", "-t", "60", "-m", "fast", "restart"), check=False)

    async def running(self) -> bool:
        return await self._run(*self._pg_ctl("status"), check=False) == 0

    async def destroy(self) -> None:
        with contextlib.suppress(Exception):
            await self._run(*self._pg_ctl("-w", "-m", "immediate", "stop"), check=False)
        shutil.rmtree(self.root, ignore_errors=True)


@contextlib.asynccontextmanager
async def private_database() -> AsyncIterator[tuple[PrivatePostgres, Database]]:
    """A private server and a migrated schema on it (the :class:`Database` the cluster's processes use)."""
    server = PrivatePostgres()
    try:
        await server.start()
        schema = "mentorbot"
        admin = create_engine(server.url)
        async with admin.begin() as conn:
            await conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        await admin.dispose()
        engine = create_engine(server.url, schema=schema)
        await upgrade(engine)
        try:
            yield server, Database(server.url, schema, engine)
        finally:
            await engine.dispose()
    finally:
        await server.destroy()
