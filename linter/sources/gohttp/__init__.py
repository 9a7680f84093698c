"""Go net/http servers (and frameworks on it: gin, echo, chi) read from Go source."""
