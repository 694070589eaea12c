"""One module a command: each does its work with the config, vault and
clients it is handed, and raises VaultshError; the CLI and the shell call them.
"""
