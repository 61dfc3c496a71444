"""What every request handler needs: how to open the plan and store, and the guard."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from phasegate.web.security import Guard

if TYPE_CHECKING:
    from phasegate.plan.load import LoadedPlan
    from phasegate.tracking.session import Session


@dataclass
class WebContext:
    plan: str | None  # the plan option as given (None: discover from the working directory)
    db: str | None
    guard: Guard
    reads_need_token: bool = False  # bound beyond loopback: every request shows a credential
    _loaded: tuple[tuple[str, int, int], LoadedPlan] | None = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def session(self) -> Session:
        from phasegate.tracking.session import open_session

        return open_session(self.plan, self.db)

    def loaded(self) -> LoadedPlan:
        """The validated plan, loaded again only when the file changed on disk."""
        from phasegate.plan.discover import find_plan
        from phasegate.plan.load import load_plan

        path = Path(find_plan(self.plan)).resolve()
        st = path.stat()
        key = (str(path), st.st_mtime_ns, st.st_size)
        with self._lock:
            if self._loaded is None or self._loaded[0] != key:
                self._loaded = (key, load_plan(str(path)))
            return self._loaded[1]
