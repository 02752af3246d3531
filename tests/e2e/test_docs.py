# SPDX-License-Identifier: ISC
"""The documents name what the code has: every configuration key the loader
accepts is described in its section of frontdoor.ini(5) and appears in the
example config/frontdoor.ini, and every command of the control command table is
described in frontdoor(1).  Read from the sources, so a key or command added
without its documentation fails here."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SECTION_OF_TABLE = {"frontdoor": "THE [frontdoor] SECTION",
                    "tls": "THE [tls] SECTION",
                    "route": "ROUTE SECTIONS"}


def _config_keys():
    """{table: [key, ...]} from the loader's key tables in daemon/config.c."""
    src = (ROOT / "daemon/config.c").read_text()
    tables = {}
    for m in re.finditer(r"static const struct cfg_key cfg_(\w+)_keys\[\] = \{(.*?)\n\};",
                         src, re.S):
        tables[m.group(1)] = re.findall(r'\{ "([a-z0-9_]+)",', m.group(2))
    return tables


def _man_sections(page):
    """{".SH title": text} of a man page."""
    text = (ROOT / "man" / page).read_text()
    parts = re.split(r"^\.SH (.*)$", text, flags=re.M)
    return {parts[i].strip().strip('"'): parts[i + 1] for i in range(1, len(parts), 2)}


def _roff_words(line):
    """The words a roff macro line shows: no macro, quotes or font escapes."""
    line = re.sub(r"^\.[A-Z]+\s*", "", line)
    line = re.sub(r"\\f[BIRP]", "", line).replace('"', " ").replace("\\-", "-")
    return line.split()


def test_every_config_key_is_documented():
    tables = _config_keys()
    assert set(tables) == set(SECTION_OF_TABLE), tables.keys()
    assert sum(len(k) for k in tables.values()) > 50, "the key tables were not read"
    sections = _man_sections("frontdoor.ini.5")
    example = (ROOT / "config/frontdoor.ini").read_text()
    missing = []
    for table, keys in tables.items():
        text = sections[SECTION_OF_TABLE[table]]
        for key in keys:
            if not re.search(r'^\.BI %s " = "' % re.escape(key), text, re.M):
                missing.append("frontdoor.ini(5) %s: %s" % (SECTION_OF_TABLE[table], key))
            if not re.search(r"^;?\s*%s\s*=" % re.escape(key), example, re.M):
                missing.append("config/frontdoor.ini: %s" % key)
    assert not missing, "undocumented keys:\n" + "\n".join(missing)


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
