"""Every ReLU variant of the Theano family, written once, and the layer that loads the library.

Importing this package imports no library: call `load_backend()` for that.
"""

from .backend import LINKERS, Backend, installed_libraries, load_backend
from .errors import (
    BackendImportError,
    BackendNotFound,
    ModeUnavailable,
    ReluBenchError,
    UnknownVariant,
    VariantUnavailable,
)
from .variants import FLOORS, VARIANTS

__all__ = [
    "FLOORS",
    "LINKERS",
    "VARIANTS",
    "Backend",
    "BackendImportError",
    "BackendNotFound",
    "ModeUnavailable",
    "ReluBenchError",
    "UnknownVariant",
    "VariantUnavailable",
    "installed_libraries",
    "load_backend",
]
