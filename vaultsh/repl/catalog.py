"""What completion offers beyond the command table, loaded in the background.

- S3: one listing per folder (ListObjectsV2 with Prefix and Delimiter `/`,
  every page), kept for `ttl` seconds and then fetched again while the old
  one is still offered;
- CloudFront: the distribution's recent invalidations (ListInvalidations);
- what this session has seen: keys it uploaded, downloaded or deleted and
  invalidations it made or showed. Where a listing is denied or fails, these
  are what completion offers, and `status` says why.

Nothing here waits on the network: `folder` and `invalidations` return what
is known now and leave the fetching to worker threads. Each listing is
published as a new immutable value (page by page until a first listing is
complete), so a reader never sees one half-updated; `on_change` is called from
the worker after each publication.
"""

from __future__ import annotations

import bisect
import logging
import queue
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime

from vaultsh import aws
from vaultsh.errors import ConfigError, VaultshError
from vaultsh.repl.settings import BUCKET_KEY
from vaultsh.session import LiveSession

log = logging.getLogger(__name__)

#: seconds a complete listing is offered before it is fetched again
LISTING_TTL = 60.0
INVALIDATIONS_TTL = 20.0
#: seconds before a failed listing is tried again
RETRY_AFTER = 30.0
#: seconds a problem stays on the toolbar after the user last asked for it
PROBLEM_SHOWN = 20.0
WORKERS = 2
MAX_INVALIDATIONS = 200
_DENIED = {"AccessDenied", "AccessDeniedException", "UnauthorizedOperation"}

Pages = Callable[[str], Iterable[dict]]
Summaries = Callable[[], Iterable[dict]]


@dataclass(frozen=True)
class Folder:
    """One folder level: its sub-folders and keys, each sorted, full names."""

    prefix: str
    folders: tuple[str, ...] = ()
    keys: tuple[str, ...] = ()
    sizes: tuple[int | None, ...] = ()
    complete: bool = False
    problem: str | None = None
    loaded_at: float | None = None

    @property
    def count(self) -> int:
        return len(self.folders) + len(self.keys)


@dataclass(frozen=True)
class Invalidation:
    ident: str
    status: str = ""
    created: datetime | None = None


@dataclass(frozen=True)
class Invalidations:
    items: tuple[Invalidation, ...] = ()
    complete: bool = False
    problem: str | None = None
    loaded_at: float | None = None


@dataclass
class _Asked:
    """What the user last completed, to decide what the toolbar talks about."""

    what: str = ""
    at: float = field(default=-1e9)


class Catalog:
    """Cached, background-loaded S3 folders and invalidation ids."""

    def __init__(
        self,
        list_folder: Pages,
        list_invalidations: Summaries,
        bucket: str | None = None,
        on_change: Callable[[str], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
        ttl: float = LISTING_TTL,
    ) -> None:
        self._list_folder = list_folder
        self._list_invalidations = list_invalidations
        self.bucket = bucket
        self.on_change = on_change
        self._clock = clock
        self._ttl = ttl
        self._folders: dict[str, Folder] = {}
        self._invalidations = Invalidations()
        self._seen_keys: dict[str, int | None] = {}
        self._seen_ids: dict[str, Invalidation] = {}
        self._loading: dict[str, float] = {}
        self._asked = _Asked()
        self._lock = threading.Lock()
        self._jobs: queue.LifoQueue[str | None] = queue.LifoQueue()
        self._workers: list[threading.Thread] = []
        self._closed = threading.Event()

    # what completion reads ---------------------------------------------------

    def folder(self, prefix: str) -> Folder:
        """What is known of `prefix` now (plus keys seen); fetches it if needed."""
        with self._lock:
            known = self._folders.get(prefix)
            self._asked = _Asked(_folder_job(prefix), self._clock())
        if self._needs_fetch(known, self._ttl):
            self._fetch(_folder_job(prefix))
        if known is not None and known.complete and not known.problem:
            return known
        return self._with_seen(known or Folder(prefix))

    def invalidations(self) -> Invalidations:
        """The invalidations known now (plus those seen); fetches them if needed."""
        with self._lock:
            known = self._invalidations
            self._asked = _Asked(_INVALIDATIONS_JOB, self._clock())
        if self._needs_fetch(known, INVALIDATIONS_TTL):
            self._fetch(_INVALIDATIONS_JOB)
        return self._with_seen_ids(known)

    def prefetch(self, prefix: str) -> None:
        """Start loading `prefix` if it is not known; never waits."""
        with self._lock:
            known = self._folders.get(prefix)
        if self._needs_fetch(known, self._ttl):
            self._fetch(_folder_job(prefix))

    def status(self) -> tuple[str, bool] | None:
        """(text, is it a problem) for the toolbar: a listing loading, or a failure."""
        with self._lock:
            loading = sorted(self._loading.items(), key=lambda item: item[1])
            asked = self._asked
            problem = self._problem_of(asked.what)
        if loading:
            return self._loading_text(loading[-1][0]), False
        if problem and self._clock() - asked.at < PROBLEM_SHOWN:
            return problem, True
        return None

    def prefetch_invalidations(self) -> None:
        """Start loading the invalidations if they are not known; never waits."""
        with self._lock:
            known = self._invalidations
        if self._needs_fetch(known, INVALIDATIONS_TTL):
            self._fetch(_INVALIDATIONS_JOB)

    # what commands tell it ---------------------------------------------------

    def saw_key(self, key: str, size: int | None = None) -> None:
        """A key this session used; offered where listings fail."""
        if key and not key.endswith("/"):
            with self._lock:
                self._seen_keys[key] = size

    def added_key(self, key: str, size: int | None = None) -> None:
        """The shell made `key`: known at once in every cached folder above it."""
        self.saw_key(key, size)
        with self._lock:
            for prefix, known in list(self._folders.items()):
                if known.complete and key.startswith(prefix):
                    self._folders[prefix] = _with_name(known, key, size)

    def removed_key(self, key: str) -> None:
        """The shell deleted `key`; its folders are fetched again when next asked."""
        with self._lock:
            self._seen_keys.pop(key, None)
            for prefix, known in list(self._folders.items()):
                if key.startswith(prefix):
                    self._folders[prefix] = _without_key(known, key)

    def saw_invalidation(self, item: Invalidation) -> None:
        """An invalidation this session made or showed; the list is fetched again."""
        with self._lock:
            self._seen_ids[item.ident] = item
            self._invalidations = replace(self._invalidations, loaded_at=None)

    def close(self) -> None:
        """Stop the workers after their current page."""
        self._closed.set()
        for _ in self._workers:
            self._jobs.put(None)

    # fetching ------------------------------------------------------------------

    def _needs_fetch(self, known: Folder | Invalidations | None, ttl: float) -> bool:
        if known is None or known.loaded_at is None:
            return True
        wait = RETRY_AFTER if known.problem else ttl
        return self._clock() - known.loaded_at >= wait

    def _fetch(self, job: str) -> None:
        with self._lock:
            if job in self._loading or self._closed.is_set():
                return
            self._loading[job] = self._clock()
            if len(self._workers) < WORKERS:
                self._start_worker()
        self._jobs.put(job)

    def _start_worker(self) -> None:
        worker = threading.Thread(
            target=self._work, name=f"vaultsh-catalog-{len(self._workers)}", daemon=True
        )
        self._workers.append(worker)
        worker.start()

    def _work(self) -> None:
        while not self._closed.is_set():
            job = self._jobs.get()
            if job is None:
                return
            try:
                if job == _INVALIDATIONS_JOB:
                    self._load_invalidations()
                else:
                    self._load_folder(job[len(_FOLDER) :])
            except Exception:  # a worker must live on; the details go to --debug
                log.debug("listing %s failed", job, exc_info=True)
            finally:
                with self._lock:
                    self._loading.pop(job, None)
                self._changed(job)

    def _load_folder(self, prefix: str) -> None:
        grown = _Growing(prefix)
        try:
            for page in self._list_folder(prefix):
                grown.add(page)
                if self._closed.is_set():
                    return
                self._publish_partial(prefix, grown.folder())
            self._publish(prefix, replace(grown.folder(), loaded_at=self._clock()))
        except VaultshError as exc:
            self._publish_problem(prefix, self._reason("s3", exc))

    def _publish_partial(self, prefix: str, folder: Folder) -> None:
        with self._lock:
            known = self._folders.get(prefix)
            if known is None or not known.complete:
                self._folders[prefix] = folder
        self._changed(_folder_job(prefix))

    def _publish(self, prefix: str, folder: Folder) -> None:
        with self._lock:
            self._folders[prefix] = replace(folder, complete=True)

    def _publish_problem(self, prefix: str, problem: str) -> None:
        with self._lock:
            known = self._folders.get(prefix) or Folder(prefix)
            self._folders[prefix] = replace(
                known, problem=problem, loaded_at=self._clock()
            )

    def _load_invalidations(self) -> None:
        try:
            items = tuple(_invalidation(raw) for raw in self._list_invalidations())
        except VaultshError as exc:
            problem = self._reason("cloudfront", exc)
            with self._lock:
                self._invalidations = replace(
                    self._invalidations, problem=problem, loaded_at=self._clock()
                )
            return
        with self._lock:
            self._invalidations = Invalidations(items, True, None, self._clock())

    def _changed(self, job: str) -> None:
        if self.on_change is None:
            return
        try:
            self.on_change(job)
        except Exception:  # e.g. the prompt's loop closing as the shell leaves
            log.debug("telling of a change to %s failed", job, exc_info=True)

    # views -------------------------------------------------------------------

    def _with_seen(self, known: Folder) -> Folder:
        """`known` with the seen keys of its folder added (while it is incomplete)."""
        with self._lock:
            seen = [
                (key, size)
                for key, size in self._seen_keys.items()
                if key.startswith(known.prefix)
            ]
        folder = known
        for key, size in seen:
            folder = _with_name(folder, key, size)
        return folder

    def _with_seen_ids(self, known: Invalidations) -> Invalidations:
        with self._lock:
            seen = dict(self._seen_ids)
        listed = {item.ident for item in known.items}
        extra = tuple(item for ident, item in seen.items() if ident not in listed)
        return replace(known, items=extra[::-1] + known.items)

    def _problem_of(self, job: str) -> str | None:
        if job == _INVALIDATIONS_JOB:
            return self._invalidations.problem
        known = self._folders.get(job[len(_FOLDER) :]) if job else None
        return known.problem if known else None

    def _loading_text(self, job: str) -> str:
        if job == _INVALIDATIONS_JOB:
            return "listing invalidations..."
        prefix = job[len(_FOLDER) :]
        with self._lock:
            known = self._folders.get(prefix)
        count = known.count if known and not known.complete else 0
        place = f"s3://{self.bucket or ''}/{prefix}"
        if count:
            return f"listing {place}... {count:,} so far"
        return f"listing {place}..."

    def _reason(self, service: str, exc: VaultshError) -> str:
        """Why a listing failed, and what completion offers instead."""
        if isinstance(exc, ConfigError):
            return f"no completion: {exc.message}"
        code = aws.error_code(exc)
        denied = code in _DENIED or "AccessDenied" in str(exc)
        if service == "s3":
            offer = "TAB shows keys used this session"
            what = "s3:ListBucket" if denied else "key listing"
        else:
            offer = "TAB shows ids used this session"
            what = "ListInvalidations" if denied else "invalidation listing"
        if denied:
            return f"{what} denied; {offer}"
        return f"{what} failed ({code or _short(exc.message)}); {offer}"


def for_session(
    session: LiveSession, on_change: Callable[[str], None] | None = None
) -> Catalog:
    """A Catalog of the session's bucket and distribution."""
    from vaultsh.repl import cloudfront, s3

    return Catalog(
        lambda prefix: s3.folder_pages(session, prefix),
        lambda: cloudfront.recent(session),
        bucket=session.setting(BUCKET_KEY),
        on_change=on_change,
    )


_FOLDER = "folder:"
_INVALIDATIONS_JOB = "invalidations"


def _folder_job(prefix: str) -> str:
    return _FOLDER + prefix


def _short(text: str, limit: int = 60) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."


class _Growing:
    """A folder listing being read page by page."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.folders: list[str] = []
        self.keys: list[str] = []
        self.sizes: list[int | None] = []
        self.ordered = True

    def add(self, page: dict) -> None:
        folders = [common["Prefix"] for common in page.get("CommonPrefixes", [])]
        items = [i for i in page.get("Contents", []) if i["Key"] != self.prefix]
        self._extend(self.folders, folders)
        self._extend(self.keys, [item["Key"] for item in items])
        self.sizes.extend(item.get("Size") for item in items)

    def _extend(self, names: list[str], more: list[str]) -> None:
        if names and more and more[0] < names[-1]:
            self.ordered = False
        names.extend(more)

    def folder(self) -> Folder:
        keys, sizes = tuple(self.keys), tuple(self.sizes)
        folders = tuple(self.folders)
        if not self.ordered:
            pairs = sorted(zip(keys, sizes, strict=True))
            keys = tuple(key for key, _ in pairs)
            sizes = tuple(size for _, size in pairs)
            folders = tuple(sorted(set(folders)))
        return Folder(self.prefix, folders, keys, sizes)


def _with_name(folder: Folder, key: str, size: int | None) -> Folder:
    """`folder` with `key` (or the sub-folder holding it) in its sorted names."""
    rest = key[len(folder.prefix) :]
    if "/" in rest:
        sub = folder.prefix + rest.split("/", 1)[0] + "/"
        at = bisect.bisect_left(folder.folders, sub)
        if folder.folders[at : at + 1] == (sub,):
            return folder
        folders = folder.folders[:at] + (sub,) + folder.folders[at:]
        return replace(folder, folders=folders)
    at = bisect.bisect_left(folder.keys, key)
    present = folder.keys[at : at + 1] == (key,)
    after = at + 1 if present else at
    return replace(
        folder,
        keys=folder.keys[:at] + (key,) + folder.keys[after:],
        sizes=folder.sizes[:at] + (size,) + folder.sizes[after:],
    )


def _without_key(folder: Folder, key: str) -> Folder:
    if key not in folder.keys:
        # the key was deeper: its sub-folder may be empty now
        return replace(folder, loaded_at=None) if folder.complete else folder
    index = folder.keys.index(key)
    return replace(
        folder,
        keys=folder.keys[:index] + folder.keys[index + 1 :],
        sizes=folder.sizes[:index] + folder.sizes[index + 1 :],
    )


def _invalidation(raw: dict) -> Invalidation:
    return Invalidation(raw["Id"], raw.get("Status", ""), raw.get("CreateTime"))


@dataclass(frozen=True)
class Matches:
    """The names of a folder that start with what was typed, as offered."""

    #: (full name, size or None for a folder), at most `limit` of them
    shown: tuple[tuple[str, int | None], ...]
    total: int


def matches(folder: Folder, typed: str, folders_only: bool, limit: int) -> Matches:
    """Sub-folders, then keys, starting with `typed`.

    Past `limit`, the first limit-1 and the very last match are shown: the
    first and last of a sorted run share exactly the prefix all of it shares,
    so completing their common part stays right.
    """
    f_start, f_end = _run(folder.folders, typed)
    k_start, k_end = (0, 0) if folders_only else _run(folder.keys, typed)
    in_folders = f_end - f_start
    total = in_folders + k_end - k_start

    def at(index: int) -> tuple[str, int | None]:
        if index < in_folders:
            return folder.folders[f_start + index], None
        offset = k_start + index - in_folders
        return folder.keys[offset], folder.sizes[offset]

    picked = range(total) if total <= limit else [*range(limit - 1), total - 1]
    return Matches(tuple(at(index) for index in picked), total)


def _run(names: tuple[str, ...], typed: str) -> tuple[int, int]:
    """The slice of sorted `names` that start with `typed`."""
    start = bisect.bisect_left(names, typed)
    return start, bisect.bisect_left(names, typed + "\U0010ffff", lo=start)
