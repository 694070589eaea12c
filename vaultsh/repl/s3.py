"""Object work on the profile's bucket: list, download, upload, delete.

Every function takes the live session and plain arguments, returns the text
to show and raises VaultshError (AwsError for AWS, UsageError for arguments).
The role may not list buckets, so only the configured bucket is ever named.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable, Iterator
from datetime import datetime
from pathlib import Path

from vaultsh import aws
from vaultsh.errors import AwsError, UsageError
from vaultsh.repl.settings import bucket
from vaultsh.session import LiveSession

#: "PRE" right-aligned in the date and size columns, as `aws s3 ls` shows it
_PRE_COLUMN = 30
_SIZE_COLUMN = 10
_MISSING = {"404", "NoSuchKey", "NotFound"}


def listing(
    session: LiveSession,
    prefix: str = "",
    recursive: bool = False,
    page_size: int | None = None,
) -> str:
    """The objects under `prefix`, one line each, as `aws s3 ls` prints them.

    Every page is read; `page_size` (default: S3's 1000) only sets how many
    entries one request asks for.
    """
    name = bucket(session)
    prefix = _in_bucket(name, prefix)
    pages = _pages(session, name, prefix, recursive, page_size)
    lines = list(_lines(pages, recursive))
    if not lines:
        return f"nothing under s3://{name}/{prefix}"
    return "\n".join(lines)


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


def download(session: LiveSession, key: str, local: str | None = None) -> str:
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
    with _object_call(f"download of s3://{name}/{key}", name, key):
        session.client("s3").download_file(name, key, str(target))
    return f"download: s3://{name}/{key} to {target} ({target.stat().st_size} bytes)"


def _download_target(key: str, local: str | None) -> Path:
    base = key.rsplit("/", 1)[-1]
    if local is None:
        return Path.cwd() / base
    path = Path(os.path.expanduser(local))
    if path.is_dir() or local.endswith("/"):
        return path / base
    return path


def upload(session: LiveSession, local: str, key: str | None = None) -> str:
    """Send the file `local` to `key` (default: its name; `folder/` puts it there)."""
    name = bucket(session)
    source = Path(os.path.expanduser(local))
    _check_local_file(source)
    target = _upload_key(source, _in_bucket(name, key) if key else None)
    with aws.calling(f"upload of {source} to s3://{name}/{target}"):
        session.client("s3").upload_file(str(source), name, target)
    size = source.stat().st_size
    return f"upload: {source} to s3://{name}/{target} ({size} bytes)"


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


def remove(session: LiveSession, key: str) -> str:
    """Delete the one object `key`; an error if it does not exist."""
    name = bucket(session)
    key = _in_bucket(name, key)
    _check_object_key(key)
    s3 = session.client("s3")
    with _object_call(f"delete of s3://{name}/{key}", name, key):
        # DeleteObject succeeds for a missing key; look first to say so
        s3.head_object(Bucket=name, Key=key)
        s3.delete_object(Bucket=name, Key=key)
    return f"delete: s3://{name}/{key}"


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
def _object_call(what: str, name: str, key: str) -> Iterator[None]:
    """Like aws.calling, but a missing object is worded as such."""
    try:
        with aws.calling(what):
            yield
    except AwsError as error:
        if aws.error_code(error) not in _MISSING:
            raise
        raise AwsError(
            f"no object {key!r} in bucket {name}", "check the key with 's3 ls'"
        ) from error.__cause__
