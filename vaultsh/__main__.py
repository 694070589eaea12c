from vaultsh.cli import run

run()
