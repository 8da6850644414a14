# Copyright: Recro platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A login with ``aws_sso_login`` for tests: profile ``p`` of session ``recro``, the playbook that logs in,
and the token's expiry moved, and a desktop whose browser is the test (``tests/e2e/test_login.py``,
``tests/interop``)."""

from __future__ import annotations

import datetime
import json
import os
import shutil

from .aws_servers import SSO_REGION, START_URL, write_endpoint_overrides

CONFIG = """[profile p]
sso_session = recro
sso_account_id = 111111111111
sso_role_name = adminAccess
region = us-east-1

[sso-session recro]
sso_start_url = {start_url}
sso_region = {region}
sso_registration_scopes = sso:account:access
""".format(start_url=START_URL, region=SSO_REGION)

SAVE = """
    - name: Save what the test looks at
      ansible.builtin.copy:
        content: "{{ login | to_json }}"
        dest: "{{ results_file }}"
        mode: "0600"
"""


def login_task(**options):
    lines = ''.join('        {0}: {1}\n'.format(key, json.dumps(value)) for key, value in options.items())
    return (
        """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: Log in
      recro.aws_sso.aws_sso_login:
        sso_session: recro
{0}      register: login
      ignore_errors: true
""".format(lines)
        + SAVE
    )


class Login:
    """The servers, the OIDC stand-in and the environment of one test."""

    def __init__(self, servers, oidc):
        self.servers = servers
        self.oidc = oidc
        self.env = dict(servers.env, AWS_ENDPOINT_URL_SSO_OIDC=oidc.url)
        # AWS CLI 2.9.19 predates AWS_ENDPOINT_URL_*: its endpoint rule set points it at the stand-in.
        write_endpoint_overrides(servers.endpoint_data_dir, {'sso-oidc': oidc.url})
        servers.config_file.parent.mkdir(parents=True, exist_ok=True)
        servers.config_file.write_text(CONFIG, encoding='utf-8')

    @property
    def token_file(self):
        return self.servers.token_cache_file()

    def token(self):
        return json.loads(self.token_file.read_text(encoding='utf-8'))

    def cache_files(self):
        directory = self.token_file.parent
        return sorted(directory.iterdir()) if directory.exists() else []


def expire_soon(login, seconds):
    token = login.token()
    moment = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=seconds)
    token['expiresAt'] = moment.strftime('%Y-%m-%dT%H:%M:%SZ')
    login.token_file.write_text(json.dumps(token), encoding='utf-8')
    return token


BROWSER = """#!{python}
# The person at the browser: follows the authorize page of the OIDC stand-in to the loopback redirect.
import os, sys, urllib.request
opener = urllib.request.build_opener(urllib.request.ProxyHandler({{}}))
with open({log!r}, 'a') as log:
    log.write(sys.argv[1] + '\\n')
with open({uid_log!r}, 'a') as log:
    log.write('%d %d\\n' % (os.getuid(), os.geteuid()))
opener.open(sys.argv[1], timeout=30).read()
"""


def fake_desktop(login, directory, python=None):
    """A desktop session whose ``xdg-open`` is the test following the URL; it logs the
    URL (the second value) and the ids it runs with (``directory / 'browser.uid'``)."""
    bin_dir = directory / 'desktop-bin'
    bin_dir.mkdir()
    log = directory / 'browser.log'
    script = bin_dir / 'xdg-open'
    python = python or shutil.which('python3') or '/usr/bin/python3'
    script.write_text(
        BROWSER.format(python=python, log=str(log), uid_log=str(directory / 'browser.uid')), encoding='utf-8'
    )
    script.chmod(0o755)
    return dict(login.env, DISPLAY=':99', PATH=str(bin_dir) + os.pathsep + login.env['PATH']), log
