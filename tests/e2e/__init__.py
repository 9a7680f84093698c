"""End-to-end proof with real nginx and Tomcat (a package so its conftest does not shadow tests/conftest.py)."""
