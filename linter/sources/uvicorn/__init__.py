"""uvicorn: its command line, UVICORN_* variables and `uvicorn.run(...)` in Python."""
