"""Hostile and broken server.xml: P003 or a normal parse; nothing outside read, no network, bounded memory."""

from __future__ import annotations

import codecs

import pytest

from hostile import SECRET, Canary, all_formats_in_process, assert_clean, check_in_process, check_measured, make_secret

CONNECTOR = '<Connector port="8080" protocol="HTTP/1.1" connectionTimeout="20000"/>'
BODY = f'<Server port="8005"><Service name="Catalina">{CONNECTOR}</Service></Server>\n'
NGINX = "events {}\nhttp {\n  upstream app { server 127.0.0.1:8080; keepalive 8; }\n  server { location / { proxy_pass http://app; proxy_http_version 1.1; proxy_set_header Connection \"\"; } }\n}\n"


@pytest.fixture
def canary():
    listener = Canary()
    yield listener
    listener.close()


@pytest.fixture
def tree(tmp_path):
    """tmp/tree is checked; tmp/outside holds the secret."""
    root = tmp_path / "tree"
    (root / "conf").mkdir(parents=True)
    (root / "nginx.conf").write_text(NGINX)
    secret = make_secret(tmp_path / "outside")
    return root, secret


def run_xml(root, content: bytes):
    (root / "conf" / "server.xml").write_bytes(content)
    outcome = check_in_process(str(root))
    assert_clean(outcome)
    assert SECRET not in all_formats_in_process(str(root))
    return outcome


def p003(outcome) -> list[str]:
    return outcome.messages("P003")


def parsed_normally(outcome) -> bool:
    """The Connector was read: KA001 compares nginx's 60s default with its 20s."""
    return "KA001" in outcome.rules() and not p003(outcome)


# -- entities, DTDs, XInclude ------------------------------------------------------------
def _entity_cases(secret, url):
    file_url = secret.as_uri()
    return {
        "system-file": f'<!DOCTYPE Server [<!ENTITY x SYSTEM "{file_url}">]>\n<Server port="&x;"/>',
        "system-http": f'<!DOCTYPE Server [<!ENTITY x SYSTEM "{url}/x">]>\n<Server>&x;</Server>',
        "public-file": f'<!DOCTYPE Server [<!ENTITY x PUBLIC "-//EVIL//X" "{file_url}">]>\n<Server>&x;</Server>',
        "public-http": f'<!DOCTYPE Server [<!ENTITY x PUBLIC "-//EVIL//X" "{url}/x">]>\n<Server>&x;</Server>',
        "parameter-http": f'<!DOCTYPE Server [<!ENTITY % p SYSTEM "{url}/p.dtd"> %p;]>\n<Server/>',
        "parameter-file": f'<!DOCTYPE Server [<!ENTITY % p SYSTEM "{file_url}"> %p;]>\n<Server/>',
        "external-dtd-http": f'<!DOCTYPE Server SYSTEM "{url}/server.dtd">\n<Server/>',
        "external-dtd-file": f'<!DOCTYPE Server SYSTEM "{file_url}">\n<Server/>',
        "external-dtd-public": f'<!DOCTYPE Server PUBLIC "-//EVIL//DTD" "{url}/server.dtd">\n<Server/>',
    }


@pytest.mark.parametrize(
    "case",
    ["system-file", "system-http", "public-file", "public-http", "parameter-http", "parameter-file", "external-dtd-http", "external-dtd-file", "external-dtd-public"],
)
def test_entities_and_dtds_are_refused_without_reading_or_connecting(tree, canary, case):
    root, secret = tree
    document = _entity_cases(secret, canary.url)[case]
    outcome = run_xml(root, document.encode())
    assert any("refused as unsafe" in m for m in p003(outcome)), outcome.findings
    assert canary.connections() == 0


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-32"])
def test_entities_in_wide_encodings_are_still_refused(tree, canary, encoding):
    """The cheap byte scan for <!DOCTYPE cannot see UTF-16; the parser flags and the
    doctype check behind it must hold on their own."""
    root, secret = tree
    name = {"utf-16": "UTF-16", "utf-16-le": "UTF-16", "utf-32": "UTF-32"}[encoding]
    document = (
        f'<?xml version="1.0" encoding="{name}"?>\n'
        f'<!DOCTYPE Server [<!ENTITY x SYSTEM "{secret.as_uri()}"><!ENTITY % p SYSTEM "{canary.url}/p.dtd"> %p;]>\n'
        f'<Server port="&x;">{CONNECTOR}</Server>\n'
    )
    raw = document.encode(encoding)
    if encoding == "utf-16-le":
        raw = codecs.BOM_UTF16_LE + raw
    outcome = run_xml(root, raw)
    assert p003(outcome), outcome.findings
    assert canary.connections() == 0


@pytest.mark.parametrize("href", ["file", "http"])
def test_xinclude_is_never_processed(tree, canary, href):
    root, secret = tree
    target = secret.as_uri() if href == "file" else f"{canary.url}/inc.xml"
    document = (
        '<Server xmlns:xi="http://www.w3.org/2001/XInclude"><Service name="Catalina">'
        f'<xi:include href="{target}" parse="text"/>{CONNECTOR}</Service></Server>\n'
    )
    outcome = run_xml(root, document.encode())
    assert parsed_normally(outcome), outcome.findings  # an XInclude element is just an element
    assert canary.connections() == 0


def test_billion_laughs_is_refused_in_bounded_memory(tree):
    root, _ = tree
    entities = ['<!ENTITY lol0 "lol">'] + [f'<!ENTITY lol{i} "{("&lol%d;" % (i - 1)) * 10}">' for i in range(1, 10)]
    document = f'<?xml version="1.0"?>\n<!DOCTYPE Server [{"".join(entities)}]>\n<Server>&lol9;</Server>\n'
    (root / "conf" / "server.xml").write_text(document)
    result = check_measured(str(root), memory_cap_mb=1024)
    assert result.code in (0, 1), result.stderr
    assert "Traceback" not in result.stderr
    assert "refused as unsafe" in result.stdout
    assert result.max_rss_mb < 300, result.max_rss_mb


def test_quadratic_blowup_is_refused_in_bounded_memory(tree):
    root, _ = tree
    document = f'<!DOCTYPE Server [<!ENTITY a "{"x" * 100_000}">]>\n<Server port="{"&a;" * 50_000}"/>\n'
    (root / "conf" / "server.xml").write_text(document)
    result = check_measured(str(root), memory_cap_mb=1024)
    assert result.code in (0, 1) and "Traceback" not in result.stderr, result.stderr
    assert "refused as unsafe" in result.stdout
    assert result.max_rss_mb < 300, result.max_rss_mb


# -- size and shape -----------------------------------------------------------------------
def test_deep_nesting_is_a_parse_error_not_a_crash(tree):
    root, _ = tree
    depth = 100_000
    document = "<Server>" + "<a>" * depth + "</a>" * depth + "</Server>\n"
    outcome = run_xml(root, document.encode())
    assert p003(outcome), outcome.findings


def test_50mb_file_is_refused_by_size_before_reading(tree):
    root, _ = tree
    path = root / "conf" / "server.xml"
    with open(path, "wb") as handle:  # sparse: the test stays fast and light on disk
        handle.write(b"<Server>")
        handle.truncate(50 * 1024 * 1024)
    result = check_measured(str(root), memory_cap_mb=1024)
    assert result.code == 1 and "Traceback" not in result.stderr, result.stderr
    assert "over the max-file-size limit" in result.stdout
    assert result.max_rss_mb < 150, result.max_rss_mb  # it was not read into memory
    assert result.seconds < 20


def test_max_file_size_is_configurable(tree):
    root, _ = tree
    (root / ".nglint.toml").write_text('max-file-size = "100"\n')
    outcome = run_xml(root, BODY.encode())
    assert any("max-file-size limit of 100" in m for m in p003(outcome)), outcome.findings


def test_huge_attribute_values_parse_or_fail_in_bounded_memory(tree):
    root, _ = tree
    huge = "9" * (8 * 1024 * 1024)
    document = f'<Server><Service name="s"><Connector port="8080" connectionTimeout="20000" server="{huge}"/></Service></Server>\n'
    (root / "conf" / "server.xml").write_text(document)
    result = check_measured(str(root), memory_cap_mb=1024)
    assert result.code in (0, 1) and "Traceback" not in result.stderr, result.stderr
    assert result.max_rss_mb < 400, result.max_rss_mb


def test_huge_timeout_value_is_not_a_crash(tree):
    root, _ = tree
    document = f'<Server><Service name="s"><Connector port="8080" connectionTimeout="{"9" * 100_000}"/></Service></Server>\n'
    run_xml(root, document.encode())


# -- encodings ------------------------------------------------------------------------------
ENCODINGS = {
    "utf8-bom": codecs.BOM_UTF8 + BODY.encode(),
    "utf16-bom-declared": ('<?xml version="1.0" encoding="UTF-16"?>\n' + BODY).encode("utf-16"),
    "utf16-bom-undeclared": BODY.encode("utf-16"),
    "latin1-declared": ('<?xml version="1.0" encoding="ISO-8859-1"?>\n<!-- caf\u00e9 -->\n' + BODY).encode("latin-1"),
    "windows1252-declared": ('<?xml version="1.0" encoding="windows-1252"?>\n<!-- \u20ac -->\n' + BODY).encode("cp1252"),
}


@pytest.mark.parametrize("case", sorted(ENCODINGS))
def test_declared_or_bom_marked_encodings_parse_normally(tree, case):
    root, _ = tree
    outcome = run_xml(root, ENCODINGS[case])
    assert parsed_normally(outcome), outcome.findings


BROKEN = {
    "latin1-undeclared": ("<!-- caf\u00e9 -->\n" + BODY).encode("latin-1"),
    "wrong-declaration": ('<?xml version="1.0" encoding="UTF-16"?>\n' + BODY).encode("utf-8"),
    "unknown-encoding": ('<?xml version="1.0" encoding="x-nglint-bogus"?>\n' + BODY).encode(),
    "not-xml": b"this is not xml at all\n",
    "binary": bytes(range(256)) * 64,
    "empty": b"",
    "whitespace": b"  \n\t\n",
    "truncated": BODY.encode()[:40],
    "nul-bytes": BODY.encode().replace(b"Service", b"Serv\x00ice"),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_broken_documents_are_p003(tree, case):
    root, _ = tree
    outcome = run_xml(root, BROKEN[case])
    assert p003(outcome) or "KA001" in outcome.rules(), outcome.findings
    if case != "wrong-declaration":  # libxml2 may recover the real encoding here
        assert p003(outcome), outcome.findings


def test_server_xml_fifo_is_refused_without_blocking(tree):
    import os

    root, _ = tree
    os.mkfifo(root / "conf" / "server.xml")
    outcome = check_in_process(str(root))
    assert_clean(outcome)
    assert any("not a regular file" in m for m in p003(outcome))


def test_server_xml_symlink_out_of_tree_is_not_read(tree):
    root, secret = tree
    (secret.parent / "server.xml").write_text(BODY.replace("20000", "1234"))
    (root / "conf" / "server.xml").symlink_to(secret.parent / "server.xml")
    outcome = check_in_process(str(root))
    assert_clean(outcome)
    assert any("outside the checked tree" in m for m in p003(outcome))
    assert "1234" not in outcome.stdout and "1.234" not in outcome.stdout


def test_catalina_properties_symlink_out_of_tree_is_not_read(tree):
    root, secret = tree
    (secret.parent / "catalina.properties").write_text(f"leak={SECRET}\n")
    (root / "conf" / "catalina.properties").symlink_to(secret.parent / "catalina.properties")
    document = BODY.replace('connectionTimeout="20000"', 'connectionTimeout="${leak}"')
    outcome = run_xml(root, document.encode())
    assert any("unresolved placeholder" in m for m in outcome.messages("P004")), outcome.findings


def test_canary_sees_a_real_connection(canary):
    """The network assertions above mean something only if the canary notices a connect."""
    import socket

    with socket.create_connection(("127.0.0.1", canary.port), timeout=5):
        pass
    assert canary.connections() == 1


def test_unclosed_placeholders_in_attributes_are_linear(tree):
    """`${` repeated without a `}`: the placeholder regex was quadratic (minutes)."""
    root, _ = tree
    document = BODY.replace('connectionTimeout="20000"', 'connectionTimeout="20000" port="}' + "${" * 200_000 + '"').replace('port="8080" ', "")
    outcome = run_xml(root, document.encode())
    assert outcome.seconds < 10, outcome.seconds
