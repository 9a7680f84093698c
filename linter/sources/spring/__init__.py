"""Spring Boot: application.properties/.yml (and profiles), environment, -D and -- flags."""
