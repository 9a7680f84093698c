"""Loading rules (P001-P005): what nglint could not read or link, reported instead of guessed around."""
