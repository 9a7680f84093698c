from nglint.sources.properties import parse_properties, substitute


def test_java_properties_syntax():
    text = "# comment\n! also comment\na=1\nb: 2\nc 3\nlong = one \\\n    two\nkey\\ with\\ space=x\nuni=\\u0041\n"
    props = parse_properties(text)
    assert props == {"a": "1", "b": "2", "c": "3", "long": "one two", "key with space": "x", "uni": "A"}


def test_substitute_resolves_defaults_and_reports_unresolved():
    props = {"http.port": "8080"}
    assert substitute("${http.port}", props) == ("8080", [])
    assert substitute("${missing:-20000}", props) == ("20000", [])
    value, unresolved = substitute("${nope}", props)
    assert value == "${nope}" and unresolved == ["nope"]
