import pytest

from nglint.units import UnitError, format_ms, parse_nginx_size, parse_nginx_time, parse_tomcat_millis


@pytest.mark.parametrize(
    "text, ms",
    [("500ms", 500), ("15s", 15_000), ("60", 60_000), ("1m30s", 90_000), ("1h", 3_600_000), ("2d", 172_800_000),
     ("1m 30s", 90_000), ("0", 0), ("1s500ms", 1_500)],
)
def test_nginx_time_values(text, ms):
    assert parse_nginx_time(text) == ms


@pytest.mark.parametrize("text", ["", "abc", "15x", "30s1m", "1s1s", "-5s", "1.5s", "${KA_TIMEOUT}", "10 s 5"])
def test_invalid_nginx_time_values_are_refused(text):
    with pytest.raises(UnitError):
        parse_nginx_time(text)


@pytest.mark.parametrize("text, size", [("8k", 8192), ("1m", 1048576), ("1M", 1048576), ("1024", 1024), ("2g", 2 * 1024**3)])
def test_nginx_sizes(text, size):
    assert parse_nginx_size(text) == size


def test_tomcat_millis_negative_means_infinite():
    assert parse_tomcat_millis("20000") == 20_000
    assert parse_tomcat_millis("-1") is None
    with pytest.raises(UnitError):
        parse_tomcat_millis("20s")


def test_format_ms_uses_nginx_syntax():
    assert format_ms(20_000) == "20s"
    assert format_ms(1_500) == "1500ms"
    assert format_ms(None) == "infinite"
