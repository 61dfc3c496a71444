"""`python -m agents.model_server SCRIPT.json [LOG.jsonl]` (from tests/): serve until interrupted,
printing the base URL first."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from .script import Book
from .server import ModelServer

if __name__ == "__main__":
    book = Book.from_json(json.loads(Path(sys.argv[1]).read_text()))
    log = Path(sys.argv[2]) if len(sys.argv) > 2 else None
    with ModelServer(book, log) as server:
        print(server.url, flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
