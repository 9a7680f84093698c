"""Built-in checks: one module per rule, each with `RULE` metadata next to `check()`.

The list of built-ins lives in nglint.registry.
"""
