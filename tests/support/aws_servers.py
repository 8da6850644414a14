# Copyright: Recro platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A local SSO portal and moto's STS for tests, and a temporary HOME as after ``aws sso login``.

Neither IAM Identity Center nor STS can be reached from tests, so these servers speak their
real wire protocols on 127.0.0.1 (see ``sso_portal.py``). The fixtures are in ``aws_fixtures.py``::

    pytest_plugins = ['ansible_collections.recro.aws_sso.tests.support.aws_fixtures']

The ``aws_servers`` fixture (one per test) gives an ``AwsTestServers``: ``sso_endpoint``,
``sts_endpoint``, the ``portal`` and its ``organization`` (change them while the test runs),
``log_in()`` to mint an access token and write it to the token cache, ``env`` for a
subprocess (``ansible-playbook``, ``aws``), and ``use_in_process()`` for botocore in the
test's own process. ``portal_process()`` runs the portal as a separate program instead.
"""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from .sso_portal import Organization, SsoPortal

SESSION_NAME = 'recro'
START_URL = 'https://recrocog.awsapps.com/start'
SSO_REGION = 'us-east-1'
# Three accounts and three roles in the first: with the portal's default page size of 2,
# both listings take more than one page.
DEFAULT_ORGANIZATION = {
    'userName': 'cwilson',
    'accounts': [
        {
            'accountId': '111111111111',
            'accountName': 'recrocog',
            'emailAddress': 'aws@recrocog.com',
            'roles': ['adminAccess', 'readOnly', 'billing'],
        },
        {
            'accountId': '222222222222',
            'accountName': 'recrocog-staging',
            'emailAddress': 'aws-staging@recrocog.com',
            'roles': ['adminAccess', 'readOnly'],
        },
        {
            'accountId': '333333333333',
            'accountName': 'recrocog-sandbox',
            'emailAddress': 'aws-sandbox@recrocog.com',
            'roles': ['readOnly'],
        },
    ],
}
# The services botocore's SSO login and credential chain talk to, by botocore name and by
# the suffix of their AWS_ENDPOINT_URL_* variable.
SSO_FLOW_SERVICES = {'sso': 'SSO', 'sts': 'STS', 'sso-oidc': 'SSO_OIDC'}
_CACHE_TIME_FORMAT = '%Y-%m-%dT%H:%M:%SZ'
_PORTAL_PROGRAM = Path(__file__).with_name('sso_portal.py')


def token_cache_file(home: Path, session_name: str) -> Path:
    """Where botocore looks for an sso-session's token: ``~/.aws/sso/cache/<sha1 of the session name>.json``."""
    return home / '.aws' / 'sso' / 'cache' / (hashlib.sha1(session_name.encode('utf-8')).hexdigest() + '.json')


def write_token_cache(
    home: Path,
    access_token: str,
    *,
    session_name: str = SESSION_NAME,
    start_url: str = START_URL,
    sso_region: str = SSO_REGION,
    expired: bool = False,
    refreshable: bool = True,
) -> dict:
    """Write the token cache file as ``aws sso login --sso-session NAME`` does; returns its content.

    ``expired`` puts ``expiresAt`` an hour in the past. Without ``refreshable`` there is no
    ``refreshToken``, so botocore cannot refresh the token and fails on an expired one.
    """
    now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    expires_at = now + (datetime.timedelta(hours=-1) if expired else datetime.timedelta(hours=8))
    token = {
        'startUrl': start_url,
        'region': sso_region,
        'accessToken': access_token,
        'expiresAt': expires_at.strftime(_CACHE_TIME_FORMAT),
        'clientId': 'local-client-' + hashlib.sha1(start_url.encode('utf-8')).hexdigest()[:20],
        'clientSecret': 'local-client-secret',
        'registrationExpiresAt': (now + datetime.timedelta(days=90)).strftime(_CACHE_TIME_FORMAT),
    }
    if refreshable:
        token['refreshToken'] = 'local-refresh-' + access_token[-16:]
    path = token_cache_file(home, session_name)
    path.parent.mkdir(parents=True, exist_ok=True)
    # Created 0600 from the start, as the CLI's cache does (mkstemp), never briefly readable by others.
    file_descriptor = os.open(str(path), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(file_descriptor, 'w', encoding='utf-8') as cache_file:
        json.dump(token, cache_file)
    os.chmod(str(path), 0o600)  # an existing file keeps its old mode through os.open
    return token


def write_endpoint_overrides(data_dir: Path, endpoints: dict) -> None:
    """Write endpoint rule sets that send each service (botocore name -> URL) to the given URL.

    AWS CLI 2.9.19 (Debian 12) predates the AWS_ENDPOINT_URL_* variables and ``[services]``
    sections (CLI 2.13), and ``--endpoint-url`` does not reach the SSO client inside its
    credential provider. It does load data files from AWS_DATA_PATH before its own, endpoint
    rule sets included, so a rule set that always answers the local URL redirects it. The parameters are copied from the installed
    botocore's rule set, because botocore fills in each declared parameter.
    """
    import botocore.loaders  # pylint: disable=import-outside-toplevel

    loader = botocore.loaders.create_loader()
    for service, url in endpoints.items():
        rule_set = loader.load_service_model(service, 'endpoint-rule-set-1')
        api_version = loader.determine_latest_version(service, 'service-2')
        override = {
            'version': rule_set['version'],
            'parameters': rule_set['parameters'],
            'rules': [
                {'conditions': [], 'type': 'endpoint', 'endpoint': {'url': url, 'properties': {}, 'headers': {}}}
            ],
        }
        service_dir = data_dir / service / api_version
        service_dir.mkdir(parents=True, exist_ok=True)
        (service_dir / 'endpoint-rule-set-1.json').write_text(json.dumps(override), encoding='utf-8')


def write_portal_state(path: Path, state: dict) -> None:
    """Replace the state file of a portal process atomically, so it never reads half a file."""
    temporary = path.with_name(path.name + '.tmp')
    temporary.write_text(json.dumps(state), encoding='utf-8')
    os.replace(str(temporary), str(path))


def clear_aws_environment(monkeypatch) -> None:
    """Remove every AWS_* variable (the developer's profile, credentials, endpoints) for one test."""
    for name in list(os.environ):
        if name.startswith('AWS_'):
            monkeypatch.delenv(name)


class AwsTestServers:
    """The servers of one test, and a temporary HOME for the laptop being simulated."""

    def __init__(self, portal: SsoPortal, sts_endpoint: str, workdir: Path):
        self.portal = portal
        self.sts_endpoint = sts_endpoint
        self.home = workdir / 'home'
        self.home.mkdir()
        self.config_file = self.home / '.aws' / 'config'
        self.endpoint_data_dir = workdir / 'aws-endpoint-overrides'
        write_endpoint_overrides(self.endpoint_data_dir, self._endpoints())

    @property
    def sso_endpoint(self) -> str:
        return self.portal.url

    @property
    def organization(self) -> Organization:
        return self.portal.organization

    def _endpoints(self) -> dict:
        # sso-oidc goes to the portal too, which does not implement it: a token refresh then
        # fails here, visibly in the request log, instead of trying to reach AWS.
        return {'sso': self.sso_endpoint, 'sts': self.sts_endpoint, 'sso-oidc': self.sso_endpoint}

    def token_cache_file(self, session_name: str = SESSION_NAME) -> Path:
        return token_cache_file(self.home, session_name)

    def log_in(
        self,
        session_name: str = SESSION_NAME,
        *,
        start_url: str = START_URL,
        sso_region: str = SSO_REGION,
        expired: bool = False,
        refreshable: bool = True,
    ) -> dict:
        """Mint an access token the portal accepts and cache it for the session, as ``aws sso login`` would.

        Returns the cache file's content; the options are those of ``write_token_cache``.
        """
        return write_token_cache(
            self.home,
            self.portal.issue_access_token(),
            session_name=session_name,
            start_url=start_url,
            sso_region=sso_region,
            expired=expired,
            refreshable=refreshable,
        )

    @property
    def env(self) -> dict:
        """The environment for a subprocess: this process's, without any AWS_* setting, plus the test's own.

        No credentials, profile or region leak in from the developer's shell; endpoints point at the
        local servers both ways (AWS_ENDPOINT_URL_* for botocore >= 1.31, AWS_DATA_PATH for AWS CLI 2.9.19).
        """
        env = {name: value for name, value in os.environ.items() if not name.startswith('AWS_')}
        env.update(self.aws_variables())
        env['HOME'] = str(self.home)
        return env

    def aws_cli(self, *arguments: str) -> str:
        """What Debian's AWS CLI v2 prints for ``arguments`` in this test's environment, stripped;
        the test fails with its error output when it does not succeed."""
        completed = subprocess.run(
            ['/usr/bin/aws', *arguments],
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
            check=False,
        )
        assert completed.returncode == 0, completed.stderr
        return completed.stdout.strip()

    def aws_variables(self) -> dict:
        variables = {
            'AWS_ENDPOINT_URL_' + SSO_FLOW_SERVICES[service]: url for service, url in self._endpoints().items()
        }
        variables.update(
            {
                'AWS_DATA_PATH': str(self.endpoint_data_dir),
                'AWS_CONFIG_FILE': str(self.config_file),
                'AWS_SHARED_CREDENTIALS_FILE': str(self.home / '.aws' / 'credentials'),
                'AWS_EC2_METADATA_DISABLED': 'true',  # no credentials from an instance role, and no waiting for one
                'AWS_PAGER': '',  # the AWS CLI must never start `less` in a test
            }
        )
        return variables

    def use_in_process(self, monkeypatch) -> None:
        """Make botocore in this process see the same as a subprocess with ``env`` would.

        botocore computes the token cache directory from HOME once, when it is imported, so
        the two providers' class attributes are pointed at the temporary HOME as well.
        """
        import boto3  # pylint: disable=import-outside-toplevel
        import botocore.credentials  # pylint: disable=import-outside-toplevel
        import botocore.tokens  # pylint: disable=import-outside-toplevel

        clear_aws_environment(monkeypatch)
        for name, value in self.aws_variables().items():
            monkeypatch.setenv(name, value)
        monkeypatch.setenv('HOME', str(self.home))
        cache_dir = str(self.token_cache_file().parent)
        monkeypatch.setattr(botocore.credentials.SSOProvider, '_SSO_TOKEN_CACHE_DIR', cache_dir)
        monkeypatch.setattr(botocore.tokens.SSOTokenProvider, '_SSO_TOKEN_CACHE_DIR', cache_dir)
        # boto3's module-level session keeps the environment it was first made with.
        monkeypatch.setattr(boto3, 'DEFAULT_SESSION', None)


@contextlib.contextmanager
def portal_process(
    state_file: Path, *, sts_endpoint: str | None = None, moto_sts: bool = False, page_size: int | None = None
):
    """Run the portal as its own program (``sso_portal.py``); yields its ``AWS_ENDPOINT_URL_*`` variables.

    Change what it serves with ``write_portal_state(state_file, ...)``: it re-reads the file.
    """
    command = [sys.executable, str(_PORTAL_PROGRAM), '--state', str(state_file)]
    if sts_endpoint:
        command += ['--sts-endpoint', sts_endpoint]
    if moto_sts:
        command.append('--moto-sts')
    if page_size:
        command += ['--page-size', str(page_size)]
    # stderr to a file, not a pipe: nobody reads a pipe while the program runs, and a full one would stop it.
    with tempfile.TemporaryFile() as stderr:
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=stderr, text=True)
        try:
            # The program prints its URLs once it listens: reading them is waiting for it to be ready.
            variables = {}
            expected_count = 2 if sts_endpoint or moto_sts else 1
            while len(variables) < expected_count:
                line = process.stdout.readline()
                if not line:
                    process.wait(timeout=10)
                    stderr.seek(0)
                    raise RuntimeError(
                        'sso_portal.py exited with %s: %s'
                        % (process.returncode, stderr.read().decode('utf-8', 'replace'))
                    )
                name, separator, url = line.strip().partition('=')
                variables[name] = url
            yield variables
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            process.stdout.close()
