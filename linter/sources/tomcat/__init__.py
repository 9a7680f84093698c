"""Tomcat's server.xml and catalina.properties."""
