"""The test data: a fleet's SSO profiles, as each tool compared takes them.

One organisation's session (the values of the "AWS SSO Setup" guide) and any
number of profiles in it, each as `aws configure sso` writes it: five keys per
profile, three in the session.
"""

SESSION_NAME = "recro"
SESSION = {
    "sso_start_url": "https://recrocog.awsapps.com/start",
    "sso_region": "us-east-1",
    "sso_registration_scopes": "sso:account:access",
}
REGION = "us-east-1"
OUTPUT = "json"
ROLE_NAME = "adminAccess"
# The order `aws configure sso` writes a profile's keys in.
PROFILE_KEYS = ("sso_session", "sso_account_id", "sso_role_name", "region", "output")


def profile_name(index):
    return "acct-{0:06d}-admin".format(index)


def account_id(index):
    return "{0:012d}".format(100000000000 + index)


def profile_items(count):
    """The ``profiles`` option of recro.aws_sso.aws_sso_profile (and of the role)."""
    return [
        {"name": profile_name(index), "sso_account_id": account_id(index), "sso_role_name": ROLE_NAME}
        for index in range(count)
    ]


def profile_values(index):
    """One profile's keys and values, in the order they are written."""
    return {
        "sso_session": SESSION_NAME,
        "sso_account_id": account_id(index),
        "sso_role_name": ROLE_NAME,
        "region": REGION,
        "output": OUTPUT,
    }


def stanza_keys(count, with_session=True):
    """Every key of the file as ``{section, option, value}`` items: what a loop of
    community.general.ini_file takes, one item (and one module run) per key."""
    items = []
    for index in range(count):
        section = "profile " + profile_name(index)
        for option, value in profile_values(index).items():
            items.append({"section": section, "option": option, "value": value})
    if with_session:
        for option, value in SESSION.items():
            items.append({"section": "sso-session " + SESSION_NAME, "option": option, "value": value})
    return items


def config_text(count):
    """A config file of ``count`` profiles and their session, as `aws configure sso` (and the module) write it."""
    lines = []
    for index in range(count):
        lines.append("[profile {0}]\n".format(profile_name(index)))
        lines.extend("{0} = {1}\n".format(key, value) for key, value in profile_values(index).items())
    lines.append("[sso-session {0}]\n".format(SESSION_NAME))
    lines.extend("{0} = {1}\n".format(key, value) for key, value in SESSION.items())
    return "".join(lines)


def read_back(path):
    """Section -> key -> value, as botocore's configparser reads the file: to check
    that the tools compared wrote the same thing."""
    import configparser

    parser = configparser.RawConfigParser()
    parser.read(path)
    return dict((section, dict(parser.items(section))) for section in parser.sections())
