"""Each matcher of the completer, and the Catalog that feeds the S3 and
CloudFront ones, against a real bucket and distribution (a moto server in
this process, seeded like the reference account).

A Catalog lists in worker threads; `loaded` waits (with a time limit, never a
timed assertion) until what a test asks for has arrived.
"""

from __future__ import annotations

import threading
import urllib.request
from collections.abc import Iterator

import boto3
import pytest
from prompt_toolkit.completion import CompleteEvent, Completion
from prompt_toolkit.completion.base import get_common_complete_suffix
from prompt_toolkit.document import Document

from vaultsh import aws, demo
from vaultsh.repl import catalog as catalog_mod
from vaultsh.repl import commands
from vaultsh.repl.catalog import Catalog, Folder, matches
from vaultsh.repl.completer import ShellCompleter
from vaultsh.repl.suggest import split_partial

BUCKET = demo.BUCKET
ODD_KEYS = [
    "odd/with space.txt",
    "odd/it's.txt",
    'odd/say "hi".txt',
    "odd/a+b=c&d?e#f%20g.txt",
    "odd/fïlé-ünïcødé-日本語-😀.txt",
]
MANY = [f"many/file-{n:03d}.txt" for n in range(250)]
WAIT = 20.0


@pytest.fixture(scope="module")
def account() -> Iterator[demo.Account]:
    server, endpoint = demo.start_server()
    # moto servers in one process share their state: start from nothing
    urllib.request.urlopen(urllib.request.Request(f"{endpoint}/moto-api/reset", b""))
    try:
        seeded = demo.seed(endpoint)
        s3 = _client(seeded, "s3")
        for key in ODD_KEYS:
            s3.put_object(Bucket=BUCKET, Key=key, Body=b"x" * 3)
        fill(MANY)
        yield seeded
    finally:
        server.stop()


def fill(keys: list[str]) -> None:
    """Put many small objects straight into the in-process server's backend."""
    from moto.s3.models import s3_backends

    backend = s3_backends[demo.ACCOUNT_ID]["aws"]
    for key in keys:
        backend.put_object(BUCKET, key, b"x" * 3)


def _client(account: demo.Account, service: str):
    session = boto3.session.Session(region_name=demo.REGION, **demo.ADMIN)
    return session.client(service, endpoint_url=account.endpoint_url)


class Listers:
    """ListObjectsV2 and ListInvalidations as the shell calls them; a test may
    hold a listing back (`gate`) or count the calls."""

    def __init__(self, account: demo.Account) -> None:
        self.s3 = _client(account, "s3")
        self.cloudfront = _client(account, "cloudfront")
        self.distribution = account.distribution_id
        self.reset()

    def reset(self) -> None:
        self.gate = threading.Event()
        self.gate.set()
        self.folder_calls: list[str] = []

    def folder(self, prefix: str) -> Iterator[dict]:
        self.folder_calls.append(prefix)
        self.gate.wait(WAIT)
        paginator = self.s3.get_paginator("list_objects_v2")
        with aws.calling(f"ListObjectsV2 on s3://{BUCKET}/{prefix}"):
            yield from paginator.paginate(
                Bucket=BUCKET,
                Prefix=prefix,
                Delimiter="/",
                PaginationConfig={"PageSize": 100},
            )

    def invalidations(self) -> list[dict]:
        paginator = self.cloudfront.get_paginator("list_invalidations")
        with aws.calling("ListInvalidations"):
            pages = paginator.paginate(DistributionId=self.distribution)
            return [i for page in pages for i in page["InvalidationList"]["Items"]]


@pytest.fixture(scope="module")
def _listers(account) -> Listers:
    return Listers(account)  # clients cost more to make than the calls


@pytest.fixture
def listers(_listers) -> Listers:
    _listers.reset()
    return _listers


@pytest.fixture
def catalog(listers) -> Iterator[Catalog]:
    made = Catalog(listers.folder, listers.invalidations, bucket=BUCKET)
    yield made
    made.close()


def loaded(catalog: Catalog, prefix: str | None) -> None:
    """Wait until the folder `prefix` (None: the invalidations) is listed."""
    done = threading.Event()

    def ready() -> bool:
        if prefix is None:
            known = catalog.invalidations()
            return known.complete or known.problem is not None
        known = catalog.folder(prefix)
        return known.complete or known.problem is not None

    catalog.on_change = lambda job: done.set()
    while not ready():
        assert done.wait(WAIT), f"{prefix!r} was not listed within {WAIT}s"
        done.clear()


def idle(catalog: Catalog) -> None:
    """Wait until no listing is loading."""
    done = threading.Event()
    catalog.on_change = lambda job: done.set()
    while (catalog.status() or ("", True))[1] is False:
        assert done.wait(WAIT), f"still {catalog.status()} after {WAIT}s"
        done.clear()


def complete(completer: ShellCompleter, text: str) -> list[Completion]:
    event = CompleteEvent(completion_requested=True)
    return list(completer.get_completions(Document(text), event))


def texts(completer: ShellCompleter, text: str) -> list[str]:
    return [found.text for found in complete(completer, text)]


# S3 keys -----------------------------------------------------------------------


def test_first_tab_on_an_unlisted_folder_returns_at_once_and_waits(catalog, listers):
    listers.gate.clear()  # the listing is held back: TAB must not wait for it
    completer = ShellCompleter(catalog=catalog)

    assert texts(completer, "s3 get security/") == []
    assert completer.waiting == "s3 get security/"
    assert catalog.status() == ("listing s3://static.example.com/security/...", False)

    listers.gate.set()
    loaded(catalog, "security/")
    found = complete(completer, "s3 get security/")
    assert [c.text for c in found] == [
        "security/keys/",
        "security/index.html",
        "security/policy.txt",
    ]
    assert [c.display_text for c in found] == ["keys/", "index.html", "policy.txt"]
    assert [c.display_meta_text for c in found] == ["folder", "18 B", "38 B"]
    assert completer.waiting is None
    assert catalog.status() is None


def test_a_nested_key_completes_one_folder_at_a_time(catalog):
    completer = ShellCompleter(catalog=catalog)
    loaded(catalog, "security/")
    loaded(catalog, "security/keys/")

    assert texts(completer, "s3 get security/k") == ["security/keys/"]
    assert texts(completer, "s3 get security/keys/") == ["security/keys/pgp.txt"]
    assert [c.start_position for c in complete(completer, "s3 get security/k")] == [
        -len("security/k")
    ]


def test_a_key_with_a_space_is_inserted_quoted_even_from_a_half_typed_quote(catalog):
    completer = ShellCompleter(catalog=catalog)
    loaded(catalog, "docs/")
    loaded(catalog, "docs/with space/")

    assert texts(completer, "s3 get docs/w") == ["'docs/with space/'"]
    found = complete(completer, 's3 get "docs/with space/')
    assert [c.text for c in found] == ["'docs/with space/ü.txt'"]
    assert found[0].start_position == -len('"docs/with space/')


def test_odd_keys_are_inserted_so_that_the_command_reads_them_back(catalog):
    completer = ShellCompleter(catalog=catalog)
    loaded(catalog, "odd/")

    inserted = texts(completer, "s3 get odd/")

    assert sorted(split_partial("s3 rm " + word).value for word in inserted) == sorted(
        ODD_KEYS
    )
    line = "s3 rm " + " ".join(inserted)
    assert sorted(commands.split(line)[2:]) == sorted(ODD_KEYS)


def test_s3_ls_completes_folders_only(catalog):
    completer = ShellCompleter(catalog=catalog)
    loaded(catalog, "")

    found = texts(completer, "s3 ls ")

    assert found[:4] == ["css/", "docs/", "many/", "odd/"]
    assert "index.html" not in found
    assert "--recursive" in found


def test_put_completes_the_key_after_the_local_file(catalog, tmp_path, monkeypatch):
    completer = ShellCompleter(catalog=catalog)
    loaded(catalog, "")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "site.css").write_text("x")

    assert texts(completer, "s3 put si") == ["site.css"]
    assert "css/" in texts(completer, "s3 put site.css c")


def test_a_big_folder_offers_a_bounded_menu_and_the_right_common_part(catalog):
    completer = ShellCompleter(catalog=catalog, shown=50)
    loaded(catalog, "many/")
    text = "s3 get many/f"

    found = complete(completer, text)

    assert len(found) == 50
    assert found[-1].text == "many/file-249.txt"
    assert get_common_complete_suffix(Document(text), found) == "ile-"
    assert completer.note == "TAB shows 50 of 250 names; type more to narrow"
    assert texts(completer, "s3 get many/file-24") == [
        f"many/file-24{n}.txt" for n in range(10)
    ]


def test_matches_keep_first_and_last_of_a_long_run():
    keys = tuple(f"big/k{n:06d}" for n in range(100_000))
    folder = Folder("big/", ("big/sub/",), keys, (1,) * len(keys), complete=True)

    found = matches(folder, "big/k0", folders_only=False, limit=200)

    assert found.total == 100_000
    assert len(found.shown) == 200
    assert found.shown[0] == ("big/k000000", 1)
    assert found.shown[-1] == ("big/k099999", 1)
    assert matches(folder, "big/", True, 200).shown == (("big/sub/", None),)
    assert matches(folder, "big/x", False, 200).total == 0


# CloudFront paths and invalidation ids -------------------------------------------


def test_cf_paths_are_slash_and_key_and_a_folder_wildcard(catalog):
    completer = ShellCompleter(catalog=catalog)
    loaded(catalog, "")
    loaded(catalog, "css/")

    top = texts(completer, "cf invalidate /")
    assert top[0] == "'/*'"
    assert {"/css/", "/docs/", "/security/", "/index.html"} <= set(top)
    assert texts(completer, "cf invalidate /css/") == ["'/css/*'", "/css/site.css"]
    assert texts(completer, "cf invalidate ind") == ["/index.html"]
    assert texts(completer, "cf invalidate /a /css/s") == ["/css/site.css"]


def test_invalidation_ids_complete_from_list_invalidations(catalog, account):
    cloudfront = _client(account, "cloudfront")
    made = [
        cloudfront.create_invalidation(
            DistributionId=account.distribution_id,
            InvalidationBatch={
                "Paths": {"Quantity": 1, "Items": [path]},
                "CallerReference": path,
            },
        )["Invalidation"]["Id"]
        for path in ("/one", "/two")
    ]
    completer = ShellCompleter(catalog=catalog)
    loaded(catalog, None)

    found = complete(completer, "cf get ")
    assert set(made) <= {c.text for c in found}
    assert all(c.display_meta_text.startswith("COMPLETED ") for c in found)
    assert texts(completer, f"cf wait {made[0][:3].lower()}")[0] == made[0]


# when a listing is denied or fails -------------------------------------------------


def test_a_failed_listing_names_the_failure(listers):
    def missing(prefix: str) -> Iterator[dict]:
        paginator = listers.s3.get_paginator("list_objects_v2")
        with aws.calling("ListObjectsV2 on s3://nowhere.example.com/"):
            yield from paginator.paginate(Bucket="nowhere.example.com", Delimiter="/")

    catalog = Catalog(missing, lambda: [], bucket="nowhere.example.com")
    loaded(catalog, "")

    assert catalog.status() == (
        "key listing failed (NoSuchBucket); TAB shows keys used this session",
        True,
    )


def test_a_missing_bucket_setting_is_named():
    from vaultsh.errors import ConfigError

    def unset(prefix):
        raise ConfigError("profile p has no vaultsh_bucket", "add it")
        yield {}

    catalog = Catalog(unset, lambda: [])
    loaded(catalog, "")

    assert catalog.status() == ("no completion: profile p has no vaultsh_bucket", True)


# what the catalog keeps ----------------------------------------------------------


def test_a_listing_is_reused_and_fetched_again_once_old(listers):
    now = [0.0]
    catalog = Catalog(listers.folder, listers.invalidations, clock=lambda: now[0])
    loaded(catalog, "css/")
    catalog.folder("css/")
    assert listers.folder_calls == ["css/"]

    now[0] += catalog_mod.LISTING_TTL + 1
    assert catalog.folder("css/").keys == ("css/site.css",)  # the old one, meanwhile
    idle(catalog)
    assert listers.folder_calls == ["css/", "css/"]
    catalog.close()


def test_pages_are_offered_as_they_arrive(listers):
    catalog = Catalog(listers.folder, listers.invalidations, bucket=BUCKET)
    counts: list[tuple[int, bool]] = []
    arrived = threading.Condition()

    def changed(job: str) -> None:
        known = catalog.folder("many/")
        with arrived:
            counts.append((len(known.keys), known.complete))
            arrived.notify_all()

    catalog.on_change = changed
    catalog.prefetch("many/")
    with arrived:
        assert arrived.wait_for(lambda: (250, True) in counts, WAIT), counts

    assert (100, False) in counts and (200, False) in counts
    catalog.close()


def test_keys_the_shell_adds_or_removes_show_at_once(catalog):
    completer = ShellCompleter(catalog=catalog)
    loaded(catalog, "")
    loaded(catalog, "css/")

    catalog.added_key("css/new.css", 5)
    catalog.added_key("drafts/today/note.txt", 5)
    assert texts(completer, "s3 get css/") == ["css/new.css", "css/site.css"]
    assert "drafts/" in texts(completer, "s3 get d")

    catalog.removed_key("css/new.css")
    assert texts(completer, "s3 get css/") == ["css/site.css"]


def test_typing_starts_the_listing_of_the_folder_being_typed(catalog, listers):
    completer = ShellCompleter(catalog=catalog)

    completer.prefetch("s3 get security/keys/p")
    completer.prefetch("cf get ")

    loaded(catalog, "security/keys/")
    assert "security/keys/" in listers.folder_calls
