"""Users' verdicts on answers (👍/👎 and a comment), kept in a SQLite file beside the index so
they survive restarts and rebuilds, and exported for whoever improves the corpus or the reader.

One connection per call: SQLite serializes writers itself, and the server calls this from
worker threads.
"""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

COLUMNS = ("time", "question", "resolved_question", "answer", "verdict", "comment", "citations", "build_id")


class FeedbackStore:
    def __init__(self, path: Path) -> None:
        self.path = path

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        con = sqlite3.connect(self.path, timeout=10)
        con.execute("CREATE TABLE IF NOT EXISTS feedback (id INTEGER PRIMARY KEY, time TEXT, question TEXT, "
                    "resolved_question TEXT, answer TEXT, verdict TEXT, comment TEXT, citations TEXT, build_id TEXT)")
        return con

    def add(self, record: dict[str, Any]) -> int:
        row = dict(record, time=time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                   citations=json.dumps(record.get("citations") or [], ensure_ascii=False))
        con = self._connect()
        try:
            with con:
                cur = con.execute(f"INSERT INTO feedback ({', '.join(COLUMNS)}) "
                                  f"VALUES ({', '.join('?' * len(COLUMNS))})", [row.get(c) for c in COLUMNS])
            return int(cur.lastrowid or 0)
        finally:
            con.close()

    def rows(self) -> Iterator[dict[str, Any]]:
        if not self.path.exists():
            return
        con = self._connect()
        try:
            for values in con.execute(f"SELECT id, {', '.join(COLUMNS)} FROM feedback ORDER BY id"):
                row = dict(zip(("id", *COLUMNS), values))
                row["citations"] = json.loads(row["citations"] or "[]")
                yield row
        finally:
            con.close()

    def export(self, fmt: str) -> str:
        """All feedback as JSON lines or CSV (citations as a JSON string in their column)."""
        rows = list(self.rows())
        if fmt == "jsonl":
            return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=("id", *COLUMNS))
        writer.writeheader()
        for r in rows:
            writer.writerow(dict(r, citations=json.dumps(r["citations"], ensure_ascii=False)))
        return buf.getvalue()
