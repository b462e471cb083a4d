"""The decoders' registry: every document format the pipeline reads, declared once, by its decoder.

A decoder registers itself with the decorator `decoder`, in its own module of pipelines/decode/:

    @decoder("pdf", extensions=(".pdf",), grids=True, layout="pdf")
    def decode_pdf(data: bytes, limits: Limits, ocr: bool = True) -> Decoded: ...

- `name` — the format, as `documents.format` and the decoders' `fmt` hold it;
- `extensions` — the file names it is usually seen under (documentation: a format is told from the bytes,
  never from the name);
- `magic` — byte prefixes that identify the format for ingest's sniffing (pipelines/ingest/sniff.py). The
  built-in formats are told apart there (PDF, DOCX in a ZIP, images, text kinds: their sniffing needs more than
  a prefix); a new binary format is recognised by its `magic` among the bytes no built-in format claims;
- `grids` — its tables come as grids (blocks of kind "table") that extraction reads as well as the text;
- `layout` — the spec §6 `source_format` of its documents when the format alone says it (pdf, docx,
  html_table); None when extraction tells it from the text (plain text, Markdown);
- `text` — it decodes text bytes: a UnicodeDecodeError or ValueError means `text_undecodable`;
- `empty_ok` — a document of it may decode to no text (a JSON record is its fields).

A decoder takes any of the parameters `data`, `encoding`, `limits`, `ocr`, `fmt` by name and returns a
`Decoded` (pipelines/decode/model.py) or raises `DecodeError`. `pipelines/decode/dispatch.py` calls it.

This module imports nothing of the project, so the floor below decode (ingest's sniffing) may read it. It
finds the decoders by importing the modules of the pipelines.decode package (`_discover`), once per process,
when a format is asked for that is not registered yet.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass

PACKAGE = "pipelines.decode"
# modules of the package that hold no decoder (the registry, the entry point, the pools and stores, helpers)
NOT_DECODERS = frozenset({"registry", "dispatch", "guard", "store", "model", "normalise", "ocr"})
PARAMETERS = ("data", "encoding", "limits", "ocr", "fmt")


@dataclass(frozen=True)
class Format:
    name: str
    decode: Callable
    extensions: tuple[str, ...] = ()
    magic: tuple[bytes, ...] = ()
    grids: bool = False
    layout: str | None = None
    text: bool = False
    empty_ok: bool = False
    # the parameters the decoder takes, read from its signature once (inspect.signature on every document
    # costs ~7 µs, 1–2% of decoding a short text)
    takes: frozenset[str] = frozenset()

    def __call__(self, **given):
        """Call the decoder with the parameters it takes."""
        takes = self.takes
        return self.decode(**{k: v for k, v in given.items() if k in takes})


_FORMATS: dict[str, Format] = {}
_discovered = False


def decoder(name: str, *, extensions: tuple[str, ...] = (), magic: tuple[bytes, ...] = (), grids: bool = False,
            layout: str | None = None, text: bool = False, empty_ok: bool = False):
    """Register the decorated function as the decoder of format `name` (see the module's doc)."""

    def register(function: Callable) -> Callable:
        params = list(inspect.signature(function).parameters)
        unknown = [p for p in params if p not in PARAMETERS]
        if unknown:
            raise TypeError(f"decoder {name!r}: parameters {unknown} (a decoder takes any of {PARAMETERS})")
        known = _FORMATS.get(name)
        if known is not None and known.decode is not function:
            raise ValueError(f"format {name!r} has a decoder already: "
                             f"{known.decode.__module__}.{known.decode.__qualname__}")
        _FORMATS[name] = Format(name, function, tuple(extensions), tuple(magic), grids, layout, text, empty_ok,
                                frozenset(params))
        return function

    return register


def unregister(name: str) -> None:
    """Forget format `name` (a test's throwaway decoder)."""
    _FORMATS.pop(name, None)


def _discover() -> None:
    global _discovered
    if _discovered:
        return
    package = importlib.import_module(PACKAGE)
    for module in pkgutil.iter_modules(package.__path__):
        if module.name not in NOT_DECODERS:
            importlib.import_module(f"{PACKAGE}.{module.name}")
    _discovered = True


def get(name: str) -> Format | None:
    """The registered format `name`, or None."""
    if name not in _FORMATS:
        _discover()
    return _FORMATS.get(name)


def formats() -> dict[str, Format]:
    """Every registered format, by name."""
    _discover()
    return dict(_FORMATS)


def grids(name: str) -> bool:
    """Whether format `name` gives its tables as grids."""
    entry = get(name)
    return bool(entry and entry.grids)


def layout(name: str) -> str | None:
    """The source_format format `name` implies, if any."""
    entry = get(name)
    return entry.layout if entry else None


def recognise(data: bytes) -> str | None:
    """The registered format whose `magic` the bytes start with, or None."""
    _discover()
    for fmt in _FORMATS.values():
        if any(data.startswith(m) for m in fmt.magic):
            return fmt.name
    return None
