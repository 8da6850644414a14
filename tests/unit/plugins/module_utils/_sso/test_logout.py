# -*- coding: utf-8 -*-
# Copyright: Recro platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Which files a logout of one session deletes, and which it leaves."""

from __future__ import annotations

import json
import os
import socket

import pytest

from ansible_collections.recro.aws_sso.plugins.module_utils._aws.config import AwsConfig
from ansible_collections.recro.aws_sso.plugins.module_utils._common.errors import FileRefused
from ansible_collections.recro.aws_sso.plugins.module_utils._sso.cache import (
    pending_authorization_file,
    registration_cache_file,
    role_credentials_cache_file,
    token_cache_file,
)
from ansible_collections.recro.aws_sso.plugins.module_utils._sso.logout import (
    PENDING,
    REGISTRATION,
    ROLE_CREDENTIALS,
    TOKEN,
    is_sso_role_credentials,
    named_files,
    present,
    registration_files,
    removable,
)

URL = "https://recrocog.awsapps.com/start"
CONFIG = AwsConfig(
    """[profile admin]
sso_session = recro
sso_account_id = 111111111111
sso_role_name = adminAccess
[profile admin-again]
sso_session = recro
sso_account_id = 111111111111
sso_role_name = adminAccess
[profile other]
sso_session = other
sso_account_id = 222222222222
sso_role_name = readOnly
[profile legacy]
sso_start_url = {0}
sso_account_id = 333333333333
sso_role_name = readOnly
[sso-session recro]
sso_start_url = {0}
sso_region = eu-west-1
sso_registration_scopes = sso:account:access, codewhisperer:completions
[sso-session other]
sso_start_url = {0}
sso_region = eu-west-1
""".format(URL)
)


def read_bytes(path, limit=None):
    with open(path, "rb") as handle:
        return handle.read(-1 if limit is None else limit)


def test_named_files_are_the_token_the_pending_authorization_and_each_role_once():
    files = named_files(CONFIG, "/h", "recro")
    assert files == [
        (TOKEN, token_cache_file("/h", "recro")),
        (PENDING, pending_authorization_file("/h", "recro")),
        (ROLE_CREDENTIALS, role_credentials_cache_file("/h", "111111111111", "adminAccess", "recro")),
    ]
    # Never the other session's, nor a legacy profile's (its key has the start URL, not a session name).
    others = [path for dummy, path in named_files(CONFIG, "/h", "other")]
    assert not set(others) & set(path for dummy, path in files)


def test_registrations_with_the_configured_scopes_without_and_with_the_pkce_default():
    paths = [path for role, path in registration_files(CONFIG, "/h", "recro", None)]
    assert paths == [
        registration_cache_file("/h", "recro", URL, "eu-west-1", ["sso:account:access", "codewhisperer:completions"]),
        registration_cache_file("/h", "recro", URL, "eu-west-1", None),
        registration_cache_file("/h", "recro", URL, "eu-west-1", ["sso:account:access"]),
    ]
    assert all(role == REGISTRATION for role, dummy in registration_files(CONFIG, "/h", "recro", None))
    # Same start URL and Region, another session name: other files.
    assert not set(paths) & set(path for dummy, path in registration_files(CONFIG, "/h", "other", None))
    # A stanza without scopes: no duplicate of the None key.
    assert len(registration_files(CONFIG, "/h", "other", None)) == 2


def test_without_the_stanza_the_registrations_come_from_the_token_or_not_at_all():
    config = AwsConfig(
        "[profile admin]\nsso_session = gone\nsso_account_id = 111111111111\nsso_role_name = adminAccess\n"
    )
    token = {"startUrl": URL, "region": "us-east-1", "accessToken": "secret"}
    assert [path for dummy, path in registration_files(config, "/h", "gone", token)] == [
        registration_cache_file("/h", "gone", URL, "us-east-1", None),
        registration_cache_file("/h", "gone", URL, "us-east-1", ["sso:account:access"]),
    ]
    assert registration_files(config, "/h", "gone", None) == []
    assert registration_files(config, "/h", "gone", {"startUrl": URL}) == []
    # The token and the role credentials are still named.
    assert [role for role, dummy in named_files(config, "/h", "gone")] == [TOKEN, PENDING, ROLE_CREDENTIALS]


def test_registration_name_matches_the_reference_example():
    # sha1 of the dumped key the reference shows.
    import hashlib

    text = (
        '{"region": "us-east-1", "scopes": ["sso:account:access"], "session_name": "corp", '
        '"startUrl": "https://example.awsapps.com/start", "tool": "botocore"}'
    )
    path = registration_cache_file(
        "/h", "corp", "https://example.awsapps.com/start", "us-east-1", ["sso:account:access"]
    )
    assert os.path.basename(path) == hashlib.sha1(text.encode("utf-8")).hexdigest() + ".json"


def test_present_names_regular_files_and_dangling_links_without_opening(tmp_path):
    regular = tmp_path / "regular"
    regular.write_text("{}")
    link = tmp_path / "link"
    link.symlink_to(regular)
    dangling = tmp_path / "dangling"
    dangling.symlink_to(tmp_path / "nowhere")
    files = [(TOKEN, str(regular)), (PENDING, str(tmp_path / "absent")), (REGISTRATION, str(link))]
    assert present(files + [(ROLE_CREDENTIALS, str(dangling))]) == [
        (TOKEN, str(regular), "file"),
        (REGISTRATION, str(link), "file"),
        (ROLE_CREDENTIALS, str(dangling), "dangling symlink"),
    ]


@pytest.mark.parametrize(
    "make, kind",
    [
        (os.mkfifo, "a FIFO (named pipe)"),
        (os.mkdir, "a directory"),
        (lambda path: socket.socket(socket.AF_UNIX).bind(path), "a socket"),
        (lambda path: os.symlink("/dev/null", path), "a character device"),
    ],
)
def test_present_refuses_what_is_not_a_regular_file_naming_path_role_and_kind(tmp_path, make, kind):
    token = tmp_path / "token.json"
    make(str(token))
    with pytest.raises(FileRefused) as caught:
        present([(PENDING, str(tmp_path / "absent")), (TOKEN, str(token))])
    assert caught.value.path == str(token) and caught.value.kind == kind
    target = "/dev/null, which is" if token.is_symlink() else "is"
    assert str(caught.value) == (
        "{0}: the token file {1} {2}, not a regular file: refused, nothing was read or changed".format(
            token, "leads to " + target if token.is_symlink() else target, kind
        )
    )


def test_only_sso_role_credentials_are_removed(tmp_path):
    sso = tmp_path / "sso.json"
    sso.write_text(json.dumps({"ProviderType": "sso", "Credentials": {}}))
    assumed = tmp_path / "assumed.json"
    assumed.write_text(json.dumps({"Credentials": {}}))
    broken = tmp_path / "broken.json"
    broken.write_bytes(b"\xff")
    token = tmp_path / "token.json"
    token.write_text("not even JSON")  # a token file goes whatever it holds
    dangling = tmp_path / "dangling.json"
    dangling.symlink_to(tmp_path / "nowhere")
    files = [
        (ROLE_CREDENTIALS, str(sso)),
        (ROLE_CREDENTIALS, str(assumed)),
        (ROLE_CREDENTIALS, str(broken)),
        (TOKEN, str(token)),
        (ROLE_CREDENTIALS, str(dangling)),
        (PENDING, str(tmp_path / "absent")),
    ]
    assert removable(present(files), read_bytes) == [str(sso), str(token), str(dangling)]
    assert is_sso_role_credentials(b'{"ProviderType": "sso"}')
    assert not is_sso_role_credentials(b'["sso"]')


def test_the_cache_lock_is_the_one_lock_waits_at_most_its_timeout_and_needs_no_directory(tmp_path):
    import fcntl
    import time

    from ansible_collections.recro.aws_sso.plugins.module_utils._common.errors import LockTimeout
    from ansible_collections.recro.aws_sso.plugins.module_utils._common.writing import locked_private_directory

    with locked_private_directory(str(tmp_path / "absent"), 0, check_mode=True):
        pass
    assert not (tmp_path / "absent").exists()
    holder = os.open(str(tmp_path), os.O_RDONLY)
    try:
        fcntl.flock(holder, fcntl.LOCK_EX)
        started = time.monotonic()
        with pytest.raises(LockTimeout) as caught:
            with locked_private_directory(str(tmp_path), 0.3):
                pytest.fail("entered a directory another run holds")
        assert 0.3 <= time.monotonic() - started < 2
        assert str(caught.value) == (
            "{0}: another run has held the lock on this directory for more than 0.3 s (lock_timeout); "
            "nothing was changed".format(tmp_path)
        )
        fcntl.flock(holder, fcntl.LOCK_UN)
        with locked_private_directory(str(tmp_path), 0):
            pass
    finally:
        os.close(holder)


def test_a_role_credential_file_larger_than_a_login_is_read_no_further_and_stays(tmp_path):
    from ansible_collections.recro.aws_sso.plugins.module_utils._sso.cache import FILE_LIMIT

    sparse = tmp_path / "sparse.json"
    with open(str(sparse), "wb") as handle:
        handle.write(b'{"ProviderType": "sso", "padding": "')
        handle.truncate(400 << 20)  # 400 MB, sparse
    small = tmp_path / "sso.json"
    small.write_text(json.dumps({"ProviderType": "sso"}))
    asked = []

    def read_bytes_noting_the_limit(path, limit=None):
        asked.append(limit)
        return read_bytes(path, limit)

    files = [(ROLE_CREDENTIALS, str(sparse)), (ROLE_CREDENTIALS, str(small))]
    assert removable(present(files), read_bytes_noting_the_limit) == [str(small)]
    assert asked == [FILE_LIMIT + 1, FILE_LIMIT + 1]
