"""systemd service units: the `ExecStart=` of a `*.service` file as a process."""
