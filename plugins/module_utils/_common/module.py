# -*- coding: utf-8 -*-
# Copyright: Recro platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""What the collection's modules share: :class:`RecroModule`, with the options every
module takes (``user``, ``path``, ``lock_timeout``) declared and checked once and one way
of failing, and JMESPath queries.

The config's code (_aws.config) is imported only when a failure needs it: a module's
Python compiles every file it imports, on every run, and the shell and schedule modules
need only the user."""

from __future__ import annotations

import contextlib
import os

from ansible.module_utils.basic import AnsibleModule, missing_required_lib
from ansible.module_utils.common.text.converters import to_native

from ansible_collections.recro.aws_sso.plugins.module_utils._common import files as user_files
from ansible_collections.recro.aws_sso.plugins.module_utils._common.checks import check_seconds
from ansible_collections.recro.aws_sso.plugins.module_utils._common.errors import (
    NOTHING_CHANGED,
    URL_USER_INFO,
    FileError,
    ParameterError,
    ServiceError,
)

# The options every module of the collection may take, each documented once in the
# user_config doc fragment (LOCK_TIMEOUT for lock_timeout).
SHARED_OPTIONS = dict(
    user=dict(type="str"),
    path=dict(type="str"),
    lock_timeout=dict(type="int", default=user_files.DEFAULT_LOCK_TIMEOUT),
)


def _with_url_user_info(value):
    """The strings in ``value`` (an option's value: a string, list or dict) that hold a URL
    with user info (:data:`URL_USER_INFO`)."""
    if isinstance(value, str):
        return [value] if "@" in value and URL_USER_INFO.search(value) else []
    items = value.items() if isinstance(value, dict) else value if isinstance(value, (list, tuple)) else ()
    found = []
    for item in items:
        found.extend(_with_url_user_info(item))
    return found


class RecroModule(AnsibleModule):
    """An ``AnsibleModule`` with the shared options a module names in ``shared`` merged
    into its ``argument_spec`` and checked once: ``self.account`` is the user it works
    for (O(user)), ``self.config_path`` the config file (O(path)) when it takes one.
    Check mode is supported unless the module says otherwise.

    :meth:`failing_on` is the one error path: a refused parameter, a refused file, a
    lock timeout, a config botocore cannot read, a failed AWS call or an OS error each
    become one message naming the option and value, or the file."""

    def __init__(self, argument_spec, shared=("user", "path", "lock_timeout"), **kwargs):
        spec = dict((name, dict(SHARED_OPTIONS[name])) for name in shared)
        spec.update(argument_spec)
        kwargs.setdefault("supports_check_mode", True)
        super().__init__(argument_spec=spec, **kwargs)
        # A value holding a URL with user info ("https://user:password@host", "https://token@host",
        # anywhere in it, in any option or item of one) is refused by every check that reads it,
        # and hidden as a whole wherever Ansible shows the arguments (the invocation at -vvv).
        self.no_log_values.update(_with_url_user_info(self.params))
        self.account = None
        self.config_path = None
        with self.failing_on():
            if "lock_timeout" in shared:
                check_seconds("lock_timeout", self.params["lock_timeout"])
            self.account = user_files.target_account(self.params.get("user"))
            if "path" in shared:
                self.config_path = user_files.config_path(self.params["path"], self.account, os.environ)

    @contextlib.contextmanager
    def failing_on(self, path=None, consequence="", **result):
        """Fail the module on the collection's errors raised in the block, naming the
        option and value or ``path`` (default: the config file), then ``consequence``
        (e.g. "; the file was not changed"); ``result`` goes with the failure."""
        from ansible_collections.recro.aws_sso.plugins.module_utils._aws.config import (  # pylint: disable=import-outside-toplevel
            ConfigFileError,
        )

        path = path or self.config_path
        if path is not None:
            result.setdefault("path", path)
        try:
            yield
        except (ParameterError, ServiceError) as error:
            self.fail_json(msg="{0}{1}".format(to_native(error), consequence), **result)
        except ConfigFileError as error:
            self.fail_json(msg="{0}: {1}{2}".format(path, to_native(error), consequence), **result)
        except FileError as error:
            # These name their own path and say that nothing of it changed; what a run
            # wrote before (the consequence) is still to be said.
            said = "" if NOTHING_CHANGED in consequence else consequence
            if getattr(error, "replaced", False):
                # A rewrite that replaced the file before it gave up (writing.FileChanged) changed it.
                result["changed"] = True
            self.fail_json(msg=to_native(error) + said, **result)
        except (IOError, OSError) as error:
            where = error.filename or path
            user = self.account.name if self.account is not None else None
            self.fail_json(
                msg="{0}: {1} (as user {2!r}){3}".format(where, to_native(error.strerror or error), user, consequence),
                **result,
            )


def run_query(module, data, query=None, parameter="query"):
    """The JMESPath expression ``query`` (default O(query); ``parameter`` names it in
    errors) over ``data``, as ``aws --query`` applies it (``_common.queries``)."""
    from ansible_collections.recro.aws_sso.plugins.module_utils._common import (  # pylint: disable=import-outside-toplevel
        queries,
    )

    if query is None:
        query = module.params["query"]
    try:
        return queries.search(parameter, query, data)
    except ImportError:
        import traceback  # pylint: disable=import-outside-toplevel

        module.fail_json(msg=missing_required_lib("jmespath"), exception=traceback.format_exc())
    except ParameterError as error:
        module.fail_json(msg=str(error))
