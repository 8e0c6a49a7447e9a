"""What every benchmark here shares: a throwaway database configured through the environment before
django.setup(), one child process per database (Django settings are configured once per process),
the code state measured, and row counts."""

from __future__ import annotations

import atexit
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_SERVER = "postgres://postgres@127.0.0.1:5432"
RESULT_MARK = "BENCH-RESULT "


def configure(db: str, *, name: str, pg_db: str) -> str:
    """Environment for a fresh database (SQLite file in a temp dir, or ``pg_db`` dropped and created),
    no broker (tasks in-process, the outbox stays a table write) and throwaway secrets. Returns a label."""
    tmp = tempfile.mkdtemp(prefix=f"huitong-bench-{name}-{db}-")
    atexit.register(shutil.rmtree, tmp, ignore_errors=True)
    os.environ["HUITONG_DATA_DIR"] = tmp
    os.environ["HUITONG_SQLITE_PATH"] = str(Path(tmp) / "bench.sqlite3")
    os.environ.setdefault("HUITONG_LOG_LEVEL", "WARNING")
    os.environ["DJANGO_SETTINGS_MODULE"] = "huitong.config.settings"
    for var in ("REDIS_URL", "HUITONG_SECRET_KEY", "HUITONG_DATA_KEYS", "HUITONG_REQUIRE_SECRETS"):
        os.environ.pop(var, None)
    if db == "sqlite":
        os.environ.pop("DATABASE_URL", None)
        import sqlite3

        return f"SQLite {sqlite3.sqlite_version}, WAL, synchronous=NORMAL"
    import psycopg

    # Sessions sharing one PostgreSQL server keep their throwaway databases apart by a prefix.
    pg_db = os.environ.get("HUITONG_BENCH_PG_PREFIX", "huitong_") + pg_db.removeprefix("huitong_")
    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {pg_db} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {pg_db}")
        version = conn.execute("SHOW server_version").fetchone()[0]
        sync = conn.execute("SHOW synchronous_commit").fetchone()[0]
    os.environ["DATABASE_URL"] = f"{PG_SERVER}/{pg_db}"
    return f"PostgreSQL {version.split()[0]} on 127.0.0.1 (TCP), synchronous_commit={sync}"


def run_child(script: str, db: str, child_args: list[str]) -> dict:
    """Run ``script --child --db DB ...`` and return the JSON it prints after RESULT_MARK."""
    cmd = [sys.executable, str(Path(script).resolve()), "--child", "--db", db, *child_args]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    sys.stderr.write(proc.stderr)
    for line in proc.stdout.splitlines():
        if line.startswith(RESULT_MARK):
            return json.loads(line[len(RESULT_MARK):])
    last = (proc.stderr.strip().splitlines() or ["no output"])[-1]
    return {"db": db, "error": f"child exited {proc.returncode} without a result: {last}"}


def code_state() -> str:
    """The commit measured, and which files under huitong/ and bench/ differed from it."""
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                              check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "huitong", "bench"], cwd=ROOT,
                               capture_output=True, text=True, check=True).stdout.splitlines()
    except (OSError, subprocess.CalledProcessError):
        return "unknown (not a git checkout)"
    changed = [line[3:] for line in dirty if line.strip()]
    return head + (f" + local changes in {', '.join(changed)}" if changed else " (clean)")


def table_counts(tables) -> dict[str, int]:
    from django.db import connection

    with connection.cursor() as cur:
        counts = {}
        for table in tables:
            cur.execute(f"SELECT COUNT(*) FROM {table}")
            counts[table] = cur.fetchone()[0]
    return counts
