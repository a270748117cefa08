"""Allow ``python -m minirnn``."""

from minirnn.cli import main

raise SystemExit(main())
