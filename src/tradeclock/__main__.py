"""``python -m tradeclock`` runs the CLI."""

from .cli import main

raise SystemExit(main())
