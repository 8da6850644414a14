"""Print the exact pins (name==version) of the named distributions and of
everything they depend on, as installed in the Python that runs this script.

`make requirements` runs it in the scratch environment it freezes
requirements/test.txt from, to write requirements/onboard.txt: the onboarding
venv then gets exactly the versions the tests use.

Usage: python scripts/pins-closure.py DISTRIBUTION...
"""

import re
import sys
from importlib import metadata


def canonical(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_name(requirement):
    """The distribution a Requires-Dist line names, or None when the line only
    applies to an extra or an environment marker that does not hold here."""
    spec, _separator, marker = requirement.partition(";")
    if marker.strip():
        # Markers of the dependencies we follow are extras ("extra == ...") and
        # Python versions; evaluate them with packaging when it is there.
        try:
            from packaging.markers import Marker
        except ImportError:
            if "extra" in marker:
                return None
        else:
            if not Marker(marker).evaluate({"extra": ""}):
                return None
    match = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", spec)
    return canonical(match.group(1)) if match else None


def main(names):
    if not names:
        sys.exit(__doc__.strip())
    seen = {}
    todo = [canonical(name) for name in names]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            sys.exit("pins-closure: {0} is not installed".format(name))
        seen[name] = "{0}=={1}".format(dist.metadata["Name"], dist.version)
        for requirement in dist.requires or []:
            dependency = requirement_name(requirement)
            if dependency:
                todo.append(dependency)
    for pin in sorted(seen.values(), key=str.lower):
        print(pin)


if __name__ == "__main__":
    main(sys.argv[1:])
