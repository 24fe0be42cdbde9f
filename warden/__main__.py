"""Allow `python -m warden ...` as a synonym of the `warden` command."""

from warden.cli import main

raise SystemExit(main())
