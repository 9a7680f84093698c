"""`nglint explain`: from the error.log lines a user has to their cause and the config line to change.

The pieces, each with one job: `lines` parses one error-log line (bytes in, fields out),
`causes` holds the fixed cause ids with their documentation next to the logic that
picks one, `reading` streams log files (plain, rotated, gzip, stdin), `aggregate`
counts, `access` reads optional access-log evidence, `correlate` maps lines to the
upstreams, servers, backends and findings of the loaded project, `render` writes
text, JSON or Markdown, and `command` is the CLI entry.
"""
