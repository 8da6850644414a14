# Copyright: Recro platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""pytest plugin: the local SSO portal and moto's STS (see ``aws_servers.py``). Load it with::

    pytest_plugins = ['ansible_collections.recro.aws_sso.tests.support.aws_fixtures']

Kept apart from ``aws_servers.py`` so that test modules can import the helpers there
without importing the plugin before pytest registers it.
"""

from __future__ import annotations

import pytest

from .aws_servers import DEFAULT_ORGANIZATION, AwsTestServers
from .sso_portal import Organization, SsoPortal, start_moto_server


@pytest.fixture(scope='session')
def moto_sts_endpoint():
    """moto's server on 127.0.0.1, for the whole session: its URL."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        # With MOTO_ACCOUNT_ID set, moto (in this process) files every call under that one
        # account, and the assumed-role identities would all have the wrong Account.
        monkeypatch.delenv('MOTO_ACCOUNT_ID', raising=False)
        server, url = start_moto_server()
        try:
            yield url
        finally:
            server.stop()


@pytest.fixture
def aws_servers(moto_sts_endpoint, tmp_path):
    """A fresh portal with ``DEFAULT_ORGANIZATION`` and no tokens, moto's STS, and an empty temporary HOME."""
    with SsoPortal(Organization.from_dict(DEFAULT_ORGANIZATION), sts_endpoint=moto_sts_endpoint) as portal:
        yield AwsTestServers(portal, moto_sts_endpoint, tmp_path)
