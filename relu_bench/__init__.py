"""relu-bench's tooling: the `relu-bench` command (relu_bench/__main__.py) and the modules its subcommands use.

Importing this package imports nothing: `python3 -m relu_bench.run_tests` runs with a bare Python.
"""
