"""relu-bench's asv suite: ReLU variants of the Theano family, one concern per module.

Shared pieces live in `common.py`. Benchmark names and parameters never depend on
the installed library, so histories stay comparable across releases; what a
release cannot do is skipped (NotImplementedError raised in `setup`, with the reason).
"""
