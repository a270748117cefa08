"""One module per ``minirnn`` subcommand; see :mod:`minirnn.cli`."""
