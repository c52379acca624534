"""Every module here defines Reader subclasses; importing them registers them."""
from __future__ import annotations

import importlib
import pkgutil

from ..base import Reader


def _import_all() -> None:
    for module in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{module.name}")


_import_all()


def readers_in_sniff_order() -> list[Reader]:
    return [cls() for cls in sorted(Reader.registry, key=lambda c: (c.order, c.name))]
