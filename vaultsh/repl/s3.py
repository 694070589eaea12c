"""Object work on the profile's bucket: list, download, upload, delete.

Every function takes the live session and plain arguments, returns what to
show and raises VaultshError (AwsError for AWS, UsageError for arguments).
The role may not list buckets, so only the configured bucket is ever named.
Files of MULTIPART_THRESHOLD bytes or more move in parts of MULTIPART_CHUNK
bytes; from PROGRESS_FROM bytes a `Progress` (the shell's progress bar) sees
every chunk.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from vaultsh import aws
from vaultsh.errors import AwsError, UsageError
from vaultsh.repl.settings import bucket
from vaultsh.session import LiveSession

MIB = 1024 * 1024
MULTIPART_THRESHOLD = 8 * MIB
MULTIPART_CHUNK = 8 * MIB
PROGRESS_FROM = 4 * MIB
#: how many keys one DeleteObjects request may name
DELETE_BATCH = 1000

#: "PRE" right-aligned in the date and size columns, as `aws s3 ls` shows it
_PRE_COLUMN = 30
_SIZE_COLUMN = 10
_MISSING = {"404", "NoSuchKey", "NotFound"}

#: (label, total bytes) -> a context giving the callback that counts bytes
Progress = Callable[[str, int], AbstractContextManager[Callable[[int], None]]]


@dataclass(frozen=True)
class Transfer:
    """A finished upload or download: what to show, and the key and its size."""

    message: str
    key: str
    size: int


# listing ---------------------------------------------------------------------


def listing(
    session: LiveSession,
    prefix: str = "",
    recursive: bool = False,
    page_size: int | None = None,
) -> str:
    """The objects under `prefix`, one line each, as `aws s3 ls` prints them."""
    return "\n".join(listing_chunks(session, prefix, recursive, page_size))


def listing_chunks(
    session: LiveSession,
    prefix: str = "",
    recursive: bool = False,
    page_size: int | None = None,
) -> Iterator[str]:
    """The lines of `listing`, one chunk a page, as the pages arrive.

    Every page is read; `page_size` (default: S3's 1000) only sets how many
    entries one request asks for.
    """
    name = bucket(session)
    prefix = _in_bucket(name, prefix)
    shown = False
    for page in _pages(session, name, prefix, recursive, page_size):
        lines = list(_lines([page], recursive))
        if lines:
            shown = True
            yield "\n".join(lines)
    if not shown:
        yield f"nothing under s3://{name}/{prefix}"


def listing_json(
    session: LiveSession, prefix: str = "", recursive: bool = False
) -> str:
    """The listing as JSON, shaped like `aws s3api list-objects-v2` prints it."""
    name = bucket(session)
    prefix = _in_bucket(name, prefix)
    folders: list[dict] = []
    objects: list[dict] = []
    for page in _pages(session, name, prefix, recursive, None):
        folders += [{"Prefix": p["Prefix"]} for p in page.get("CommonPrefixes", [])]
        objects += [_object_json(item) for item in page.get("Contents", [])]
    answer: dict = {"Bucket": name, "Prefix": prefix, "Contents": objects}
    if not recursive:
        answer["CommonPrefixes"] = folders
    return json.dumps(answer, indent=2, ensure_ascii=False)


def _object_json(item: dict) -> dict:
    return {
        "Key": item["Key"],
        "LastModified": item["LastModified"].isoformat(),
        "ETag": item.get("ETag", ""),
        "Size": item["Size"],
        "StorageClass": item.get("StorageClass", "STANDARD"),
    }


def folder_pages(session: LiveSession, prefix: str) -> Iterator[dict]:
    """One folder level of the bucket, page by page, for completion.

    Uses the session as it is, without renewing it (this runs in the background).
    """
    name = bucket(session)
    paginator = session.client("s3", renew=False).get_paginator("list_objects_v2")
    with aws.calling(f"ListObjectsV2 on s3://{name}/{prefix}"):
        yield from paginator.paginate(Bucket=name, Prefix=prefix, Delimiter="/")


def _pages(
    session: LiveSession,
    name: str,
    prefix: str,
    recursive: bool,
    page_size: int | None,
) -> Iterator[dict]:
    params: dict = {"Bucket": name, "Prefix": prefix}
    if not recursive:
        params["Delimiter"] = "/"
    if page_size:
        params["PaginationConfig"] = {"PageSize": page_size}
    paginator = session.client("s3").get_paginator("list_objects_v2")
    with aws.calling(f"ListObjectsV2 on s3://{name}/{prefix}"):
        yield from paginator.paginate(**params)


def _lines(pages: Iterable[dict], recursive: bool) -> Iterator[str]:
    for page in pages:
        for common in page.get("CommonPrefixes", []):
            folder = common["Prefix"].rstrip("/").rsplit("/", 1)[-1]
            yield "PRE".rjust(_PRE_COLUMN) + f" {folder}/"
        for item in page.get("Contents", []):
            shown = item["Key"] if recursive else item["Key"].rsplit("/", 1)[-1]
            yield f"{_stamp(item['LastModified'])} {_size(item['Size'])} {shown}"


def _stamp(moment: datetime) -> str:
    return moment.astimezone().strftime("%Y-%m-%d %H:%M:%S")


def _size(size: int) -> str:
    return str(size).rjust(_SIZE_COLUMN)


# transfers -----------------------------------------------------------------


def transfer_config():
    """Multipart above MULTIPART_THRESHOLD, in MULTIPART_CHUNK parts."""
    from boto3.s3.transfer import TransferConfig

    return TransferConfig(
        multipart_threshold=MULTIPART_THRESHOLD, multipart_chunksize=MULTIPART_CHUNK
    )


def download(
    session: LiveSession,
    key: str,
    local: str | None = None,
    progress: Progress | None = None,
) -> Transfer:
    """Fetch `key` to `local` (a file, or a folder to put it in; default: here)."""
    name = bucket(session)
    key = _in_bucket(name, key)
    _check_object_key(key)
    target = _download_target(key, local)
    if not target.parent.is_dir():
        raise UsageError(
            f"cannot write {target}: folder {target.parent} does not exist",
            "create it first or name another place",
        )
    s3 = session.client("s3")
    with _object_call(f"download of s3://{name}/{key}", name, key):
        size = s3.head_object(Bucket=name, Key=key)["ContentLength"]
        with _watch(progress, f"get {key}", size) as callback:
            s3.download_file(
                name, key, str(target), Config=transfer_config(), Callback=callback
            )
    message = f"download: s3://{name}/{key} to {target} ({size} bytes)"
    return Transfer(message, key, size)


def _download_target(key: str, local: str | None) -> Path:
    base = key.rsplit("/", 1)[-1]
    if local is None:
        return Path.cwd() / base
    path = Path(os.path.expanduser(local))
    if path.is_dir() or local.endswith("/"):
        return path / base
    return path


def upload(
    session: LiveSession,
    local: str,
    key: str | None = None,
    progress: Progress | None = None,
) -> Transfer:
    """Send the file `local` to `key` (default: its name; `folder/` puts it there)."""
    name = bucket(session)
    source = Path(os.path.expanduser(local))
    _check_local_file(source)
    target = _upload_key(source, _in_bucket(name, key) if key else None)
    size = source.stat().st_size
    what = f"upload of {source} to s3://{name}/{target}"
    s3 = session.client("s3")
    with _upload_call(what), _watch(progress, f"put {source.name}", size) as callback:
        s3.upload_file(
            str(source), name, target, Config=transfer_config(), Callback=callback
        )
    message = f"upload: {source} to s3://{name}/{target} ({size} bytes)"
    return Transfer(message, target, size)


def _watch(
    progress: Progress | None, label: str, size: int
) -> AbstractContextManager[Callable[[int], None] | None]:
    if progress is None or size < PROGRESS_FROM:
        return contextlib.nullcontext(None)
    return progress(label, size)


@contextlib.contextmanager
def _upload_call(what: str) -> Iterator[None]:
    """aws.calling, also for boto3's wrapper around a failed upload's ClientError."""
    from boto3.exceptions import S3UploadFailedError
    from botocore.exceptions import ClientError

    with aws.calling(what):
        try:
            yield
        except S3UploadFailedError as exc:
            if isinstance(exc.__context__, ClientError):
                raise exc.__context__ from None
            raise AwsError(f"{what} failed: {exc}") from exc


def _check_local_file(source: Path) -> None:
    if source.is_dir():
        raise UsageError(
            f"{source} is a folder", "s3 put sends one file; name a file in it"
        )
    if not source.exists():
        raise UsageError(f"no file named {source}", "check the name with '!ls'")


def _upload_key(source: Path, key: str | None) -> str:
    # a leading slash is a habit from URL paths; S3 would keep it in the key
    key = (key or "").lstrip("/")
    if not key:
        return source.name
    if key.endswith("/"):
        return key + source.name
    return key


# deleting --------------------------------------------------------------------


def object_keys(session: LiveSession, words: Sequence[str]) -> list[str]:
    """The keys `words` name, each once, checked to be object keys."""
    name = bucket(session)
    keys = list(dict.fromkeys(_in_bucket(name, word) for word in words))
    for key in keys:
        _check_object_key(key)
    return keys


def remove(session: LiveSession, keys: Sequence[str]) -> str:
    """Delete the objects `keys`; if any does not exist, none is deleted."""
    name = bucket(session)
    s3 = session.client("s3")
    # DeleteObject succeeds for a missing key; look first to say so
    for key in keys:
        with _object_call(f"delete of s3://{name}/{key}", name, key, "nothing deleted"):
            s3.head_object(Bucket=name, Key=key)
    if len(keys) == 1:
        with aws.calling(f"delete of s3://{name}/{keys[0]}"):
            s3.delete_object(Bucket=name, Key=keys[0])
    else:
        _delete_many(s3, name, keys)
    return "\n".join(f"delete: s3://{name}/{key}" for key in keys)


def _delete_many(s3, name: str, keys: Sequence[str]) -> None:
    for start in range(0, len(keys), DELETE_BATCH):
        batch = keys[start : start + DELETE_BATCH]
        with aws.calling(f"delete of {len(batch)} objects in s3://{name}"):
            answer = s3.delete_objects(
                Bucket=name,
                Delete={"Objects": [{"Key": key} for key in batch], "Quiet": True},
            )
        failed = answer.get("Errors", [])
        if failed:
            first = failed[0]
            raise AwsError(
                f"could not delete s3://{name}/{first['Key']}: "
                f"{first.get('Code', '')} {first.get('Message', '')}".rstrip(),
                f"{len(failed)} of {len(batch)} objects were not deleted; "
                "check with 's3 ls'",
            )


# names -----------------------------------------------------------------------


def _in_bucket(name: str, text: str) -> str:
    """A key or prefix; `s3://BUCKET/key` is accepted for the profile's bucket."""
    if not text.startswith("s3://"):
        return text
    own = f"s3://{name}/"
    if text.startswith(own) or text == own[:-1]:
        return text[len(own) :]
    raise UsageError(
        f"{text} is not in bucket {name}",
        "this shell works on the profile's bucket (vaultsh_bucket); give a key",
    )


def _check_object_key(key: str) -> None:
    if not key or key.endswith("/"):
        raise UsageError(
            f"{key!r} is not an object key",
            "name one object; see the keys with 's3 ls --recursive'",
        )


@contextlib.contextmanager
def _object_call(
    what: str, name: str, key: str, outcome: str | None = None
) -> Iterator[None]:
    """Like aws.calling, but a missing object is worded as such."""
    try:
        with aws.calling(what):
            yield
    except AwsError as error:
        if aws.error_code(error) not in _MISSING:
            raise
        hint = "check the key with 's3 ls'"
        raise AwsError(
            f"no object {key!r} in bucket {name}",
            f"{outcome}; {hint}" if outcome else hint,
        ) from error.__cause__
