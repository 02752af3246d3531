# SPDX-License-Identifier: ISC
"""The documents name what the code has: every command of the control command
table is described in frontdoor(1).  Read from the sources, so a command added
without its documentation fails here.  The configuration keys are checked the
same way, both ways, against the loader's key table itself by
tests/unit/test-config.c (test_keys_documented)."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _roff_words(line):
    """The words a roff macro line shows: no macro, quotes or font escapes."""
    line = re.sub(r"^\.[A-Z]+\s*", "", line)
    line = re.sub(r"\\f[BIRP]", "", line).replace('"', " ").replace("\\-", "-")
    return line.split()


def test_every_command_is_documented():
    src = (ROOT / "common/ctlcmd.c").read_text()
    table = re.search(r"const struct ctlcmd ctlcmd_table\[CTLCMD_COUNT\] = \{(.*?)\n\};", src, re.S)
    assert table
    commands = re.findall(r'\{ "([a-z]+)", (?:NULL|"([a-z]+)"),', table.group(1))
    assert len(commands) > 15, commands
    described = [_roff_words(l) for l in (ROOT / "man/frontdoor.1").read_text().splitlines()
                 if re.match(r"^\.B[IR]? ", l)]
    missing = []
    for verb, sub in commands:
        words = [verb, sub] if sub else [verb]
        if not any(w[:len(words)] == words for w in described):
            missing.append(" ".join(words))
    assert not missing, "commands frontdoor(1) does not describe: %s" % missing
