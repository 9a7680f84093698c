"""Allow `python -m nglint`."""

from nglint.cli import main

raise SystemExit(main())
