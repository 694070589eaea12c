"""vaultsh: an AWS access key in the OS keyring, short-lived STS sessions at hand."""

__version__ = "0.1.0"
