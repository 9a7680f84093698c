"""`nglint topology`: every chain of connections nglint found, hop by hop."""
