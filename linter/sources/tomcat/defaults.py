"""Tomcat Connector defaults that decide how long an idle keep-alive connection lives."""

from nglint.tiers.defaults import INFINITE, table

_HTTP = "https://tomcat.apache.org/tomcat-10.1-doc/config/http.html"
_AJP = "https://tomcat.apache.org/tomcat-10.1-doc/config/ajp.html"

DEFAULTS = table(
    "tomcat",
    [
        ("http.connectionTimeout", 60_000, "ms", f"{_HTTP}#Standard_Implementation", None, None,
         "the shipped conf/server.xml sets 20000"),
        ("http.keepAliveTimeout", "connectionTimeout", "", f"{_HTTP}#Standard_Implementation", None, None,
         "keepAliveTimeout defaults to connectionTimeout"),
        ("ajp.connectionTimeout", INFINITE, "ms", f"{_AJP}#Standard_Implementation"),
        ("http.maxKeepAliveRequests", 100, "requests", f"{_HTTP}#Standard_Implementation", None, None,
         "1 disables keep-alive"),
        ("image.connectionTimeout", 20_000, "ms",
         "https://github.com/apache/tomcat/blob/main/conf/server.xml", None, None,
         "as set by the conf/server.xml shipped in Tomcat's distribution and the official tomcat image"),
        ("http.port", 8080, "port", f"{_HTTP}#Common_Attributes", None, None, "nglint's assumption when port is absent"),
        ("ajp.port", 8009, "port", f"{_AJP}#Common_Attributes", None, None, "nglint's assumption when port is absent"),
    ],
)
