"""Completion under least privilege: listings IAM denies.

moto in this process with IAM enforcement on gives a real AccessDenied to a
user whose policy lacks s3:ListBucket and cloudfront:ListInvalidations (moto
as a server cannot: it refuses the signature of any request with a `/` in its
query string, such as a Delimiter). Completion then offers what this session
has seen, and the toolbar says why.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator

import boto3
import pytest
from moto.core import enable_iam_authentication
from prompt_toolkit.completion import CompleteEvent
from prompt_toolkit.document import Document

from tests.unit.conftest import REGION
from vaultsh import aws
from vaultsh.repl.catalog import Catalog, Invalidation
from vaultsh.repl.completer import ShellCompleter

BUCKET = "static.example.com"
DISTRIBUTION = "EDFDVBD6EXAMPLE"
#: what the role may still do: get and put objects, make invalidations
POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Action": ["s3:GetObject", "s3:PutObject"],
            "Resource": f"arn:aws:s3:::{BUCKET}/*",
        },
        {"Effect": "Allow", "Action": "cloudfront:CreateInvalidation", "Resource": "*"},
    ],
}


@pytest.fixture
def limited(admin) -> Iterator[dict]:
    """Clients of a user who may not list; IAM is enforced while they are used."""
    s3 = boto3.client("s3", region_name=REGION, **_admin_keys())
    s3.create_bucket(Bucket=BUCKET)
    s3.put_object(Bucket=BUCKET, Key="notes/listed-elsewhere.txt", Body=b"x")
    admin.create_user(UserName="limited")
    made = admin.create_policy(PolicyName="limited", PolicyDocument=json.dumps(POLICY))
    admin.attach_user_policy(UserName="limited", PolicyArn=made["Policy"]["Arn"])
    key = admin.create_access_key(UserName="limited")["AccessKey"]
    keys = {
        "aws_access_key_id": key["AccessKeyId"],
        "aws_secret_access_key": key["SecretAccessKey"],
    }
    clients = {
        name: boto3.client(name, region_name=REGION, **keys)
        for name in ("s3", "cloudfront")
    }
    with enable_iam_authentication():
        yield clients


def _admin_keys() -> dict:
    return {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}


def _catalog(clients: dict) -> Catalog:
    def folder(prefix: str) -> Iterator[dict]:
        paginator = clients["s3"].get_paginator("list_objects_v2")
        with aws.calling(f"ListObjectsV2 on s3://{BUCKET}/{prefix}"):
            yield from paginator.paginate(Bucket=BUCKET, Prefix=prefix, Delimiter="/")

    def invalidations() -> list[dict]:
        with aws.calling(f"ListInvalidations on distribution {DISTRIBUTION}"):
            answer = clients["cloudfront"].list_invalidations(
                DistributionId=DISTRIBUTION
            )
        return answer["InvalidationList"].get("Items", [])

    return Catalog(folder, invalidations, bucket=BUCKET)


def _settled(catalog: Catalog, ask) -> None:
    """Ask (through `ask`) until the catalog's answer is final."""
    done = threading.Event()
    catalog.on_change = lambda job: done.set()
    while True:
        known = ask()
        if known.complete or known.problem:
            return
        assert done.wait(20), "the listing did not end within 20s"
        done.clear()


def _texts(completer: ShellCompleter, text: str) -> list[str]:
    event = CompleteEvent(completion_requested=True)
    return [c.text for c in completer.get_completions(Document(text), event)]


def test_a_denied_listing_offers_the_keys_seen_this_session_and_says_why(limited):
    catalog = _catalog(limited)
    completer = ShellCompleter(catalog=catalog)
    catalog.saw_key("notes/new.txt", 12)
    catalog.saw_key("notes/deep/er.txt", 3)
    catalog.saw_key("elsewhere.txt", 1)

    _settled(catalog, lambda: catalog.folder("notes/"))

    assert _texts(completer, "s3 get notes/") == ["notes/deep/", "notes/new.txt"]
    assert catalog.status() == (
        "s3:ListBucket denied; TAB shows keys used this session",
        True,
    )
    assert completer.waiting is None
    catalog.close()


def test_denied_invalidations_offer_the_ids_seen_this_session(limited):
    catalog = _catalog(limited)
    completer = ShellCompleter(catalog=catalog)
    catalog.saw_invalidation(Invalidation("I2J0SEEN", "InProgress"))

    _settled(catalog, catalog.invalidations)

    assert _texts(completer, "cf get ") == ["I2J0SEEN"]
    assert catalog.status() == (
        "ListInvalidations denied; TAB shows ids used this session",
        True,
    )
    catalog.close()
