# -*- coding: utf-8 -*-
# Copyright: Recro platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Run real ``ansible-playbook`` against the local SSO portal and moto's STS.

The SSO portal and STS cannot be reached from tests: ``tests/support`` serves
their real wire protocols on 127.0.0.1, and the environment points botocore
(and the AWS CLI) at them. The fixtures are tests/support's plugins.
"""

pytest_plugins = [
    'ansible_collections.recro.aws_sso.tests.support.aws_fixtures',
    'ansible_collections.recro.aws_sso.tests.support.playbook_fixtures',
]
