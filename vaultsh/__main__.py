from vaultsh.cli import main

raise SystemExit(main())
