"""Errors a user can act on. Each says what went wrong and what to do."""


class ReluBenchError(Exception):
    """Base class of every error relu_impls raises on purpose."""


class UnknownVariant(ReluBenchError, KeyError):
    def __init__(self, name, known):
        self.name = name
        super().__init__(f"unknown ReLU variant {name!r}; known variants: {', '.join(known)}")

    # KeyError would repr() the message; keep it readable.
    __str__ = Exception.__str__


class VariantUnavailable(ReluBenchError, NotImplementedError):
    """The installed library lacks what a variant needs (asv shows this as skipped)."""


class ModeUnavailable(ReluBenchError, NotImplementedError):
    """The installed library (or its optional dependency) offers no such linker."""


class BackendNotFound(ReluBenchError, ImportError):
    pass


class BackendImportError(ReluBenchError, ImportError):
    pass
