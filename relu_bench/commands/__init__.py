"""The subcommands of `relu-bench`, one module each: `setup_arguments(subparsers)` adds its parser (which
sets `run`), `run(args)` does it and returns the exit status."""
