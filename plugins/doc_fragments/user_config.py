# -*- coding: utf-8 -*-
# Copyright: Recro platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    """The user and config file every module of recro.aws_sso works on."""

    DOCUMENTATION = r"""
options:
  user:
    description:
      - Whose config file (and SSO token cache) it is. Run as root (C(become)) with O(user=alice), the module works
        with Alice's uid, gid and groups, so files it creates belong to her and a symlink she planted cannot make
        root read or write where she may not.
      - Default is the user the module runs as.
    type: str
  path:
    description:
      - The config file, an absolute path or one under C(~/). A leading C(~) and C($HOME) mean the home of O(user);
        a relative path or another user's home (C(~bob/)) is refused.
      - Default is C(AWS_CONFIG_FILE) when that is set where the module runs, otherwise C(.aws/config) in the
        home of O(user) (C(HOME) for the user the module runs as, as for the AWS tools).
    type: str
"""

    # extends_documentation_fragment: recro.aws_sso.user_config.lock_timeout
    LOCK_TIMEOUT = r"""
options:
  lock_timeout:
    description:
      - How many seconds to wait for another run's lock on the directory of the files the module writes (the config
        file's, or the SSO token cache C(~/.aws/sso/cache)) before failing; nothing is changed then.
    type: int
    default: 15
"""
