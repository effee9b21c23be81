"""relu-bench's tooling: the `relu-bench` command (tools/__main__.py) and the modules its subcommands use.

Importing this package imports nothing: `python3 -m tools.run_tests` runs with a bare Python.
"""
