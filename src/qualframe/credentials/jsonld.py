"""JSON-LD processing for credentials: a static document loader and strict RDF canonicalisation.

Nothing is fetched: the loader serves the contexts shipped in `contexts/`, each pinned by SHA-256, the VC 1.1
context bundled with pyld (a declared dependency; pinned by the SHA-256 of its parsed content), and the Data
Integrity v2 context derived from the pinned VC 2.0 context (see `data_integrity_v2`); it refuses any other URL.
pyld drops undefined terms and relative IRIs silently, so a field added or changed under such a name would
not be covered by a signature; `canonicalize` refuses them instead (on issue and on verify).
"""

from __future__ import annotations

import copy
import hashlib
import json
import threading
from collections.abc import Iterator
from functools import cache, lru_cache
from importlib import resources
from typing import Any

from cachetools import LRUCache

CREDENTIALS_V2 = "https://www.w3.org/ns/credentials/v2"
EXAMPLES_V2 = "https://www.w3.org/ns/credentials/examples/v2"
OB_V3P0 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
OB_V3P0_EXTENSIONS = "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json"
CREDENTIALS_V1 = "https://www.w3.org/2018/credentials/v1"
DATA_INTEGRITY_V2 = "https://w3id.org/security/data-integrity/v2"

# URL -> (file in contexts/, SHA-256 of its bytes). The hashes are those of the files in
# ../shared/standards/vc/contexts; a mismatch means the package data was altered.
CONTEXTS: dict[str, tuple[str, str]] = {
    CREDENTIALS_V2: ("credentials-v2.json", "59955ced6697d61e03f2b2556febe5308ab16842846f5b586d7f1f7adec92734"),
    EXAMPLES_V2: ("examples-v2.json", "57393fbc69d6efb9b9b5dc9cb6b9880b0944360abfe2eaf459c9e58cf2279d7c"),
    OB_V3P0: ("ob-context-3.0.3.json", "ef2fa9c7846dce233cc166b43639027278be4ee44f00bb1d45c75de2dd0cd761"),
    OB_V3P0_EXTENSIONS: ("ob-v3p0-extensions.json", "146f85aa16effd7ca1da8056eb443f53ce1eca8a34186cb062832c0a97d889c3"),
}

# VC 1.1: pyld's bundled copy (pyld/documentloader/frozen/bundled). Pinned by the SHA-256 of its parsed content
# (sorted keys, compact): a reformatted file in a new pyld release still loads, a changed definition does not.
PYLD_BUNDLED: dict[str, tuple[str, str]] = {
    CREDENTIALS_V1: ("credentials-v1.jsonld", "b01e671e873981f19a9102a9a57f666dbcaeb31b99e3e124378d143e71549247"),
}

# The terms of https://w3id.org/security/data-integrity/v2 that the derived context takes, verbatim, from the
# pinned VC 2.0 context (`proof` as VerifiableCredential's scoped context defines it). That context is not
# published in any offline form; VC 2.0 defines these terms with the same definitions (VC 2.0 includes the Data
# Integrity terms). tests/test_credentials_vc11.py checks that they expand identically.
DATA_INTEGRITY_TERMS = ("proof", "DataIntegrityProof", "digestMultibase")

# The VC 2.0 context's catch-all vocabulary (in later editions): a term expanded into it is undefined.
ISSUER_DEPENDENT = "https://www.w3.org/ns/credentials/issuer-dependent#"

_ABSOLUTE_IRI_SCHEME = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+-.")


class ContextNotAllowed(ValueError):
    """A document names a context URL that is not shipped (nothing is fetched)."""


class CanonicalizationError(ValueError):
    """A document that cannot be canonicalised safely; `problems` lists each reason."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def _content_digest(document: Any) -> str:
    return hashlib.sha256(json.dumps(document, sort_keys=True, separators=(",", ":")).encode("utf-8")).hexdigest()


def _pyld_bundled(url: str) -> dict[str, Any]:
    filename, digest = PYLD_BUNDLED[url]
    try:
        data = resources.files("pyld.documentloader.frozen").joinpath("bundled", filename).read_bytes()
    except (ModuleNotFoundError, OSError):
        raise ContextNotAllowed(f"context {url}: the installed pyld does not bundle it (pyld >= 3.3 does)") from None
    document = json.loads(data)
    if _content_digest(document) != digest:
        raise ContextNotAllowed(f"context {url}: pyld's bundled {filename} does not match its pinned SHA-256")
    return document


def data_integrity_v2() -> dict[str, Any]:
    """The Data Integrity v2 context (https://w3id.org/security/data-integrity/v2), derived at load time.

    Its term definitions (`proof`, `DataIntegrityProof`, `digestMultibase`, protected, with the `id`/`type`
    aliases) are copied from the pinned VC 2.0 context, which defines them identically; nothing else is added.
    It is what a VC 1.1 credential signed with `eddsa-rdfc-2022` names after the VC 1.1 context.
    """
    v2 = _context_document(CREDENTIALS_V2)["@context"]
    definitions = {"proof": v2["VerifiableCredential"]["@context"]["proof"],
                   "DataIntegrityProof": v2["DataIntegrityProof"], "digestMultibase": v2["digestMultibase"]}
    return {"@context": {"id": "@id", "type": "@type", "@protected": True, **copy.deepcopy(definitions)}}


def status_entry_context() -> dict[str, Any]:
    """An inline context defining `BitstringStatusListEntry` exactly as the pinned VC 2.0 context does.

    VC 1.1 has no status-list terms; a VC 1.1 credential issued with a Bitstring Status List entry carries this
    object in its own @context (so it is signed with it and any verifier reads the same definitions).
    """
    v2 = _context_document(CREDENTIALS_V2)["@context"]
    return {"BitstringStatusListEntry": copy.deepcopy(v2["BitstringStatusListEntry"])}


# every URL the loader serves
KNOWN_CONTEXTS: frozenset[str] = frozenset({*CONTEXTS, *PYLD_BUNDLED, DATA_INTEGRITY_V2})


def context_bytes(url: str) -> bytes:
    """The bytes of a known context: a shipped file checked against its pinned SHA-256, else the JSON of the
    pinned pyld-bundled or derived document."""
    if url in CONTEXTS:
        filename, digest = CONTEXTS[url]
        data = resources.files("qualframe.credentials").joinpath("contexts", filename).read_bytes()
        if hashlib.sha256(data).hexdigest() != digest:
            raise ContextNotAllowed(f"shipped context file {filename} does not match its pinned SHA-256")
        return data
    if url in KNOWN_CONTEXTS:
        return json.dumps(_context_document(url), ensure_ascii=False, indent=2).encode("utf-8")
    raise ContextNotAllowed(f"context {url} is not one of the known, shipped contexts")


@cache
def _context_document(url: str) -> dict[str, Any]:
    if url in PYLD_BUNDLED:
        return _pyld_bundled(url)
    if url == DATA_INTEGRITY_V2:
        return data_integrity_v2()
    return json.loads(context_bytes(url))


def document_loader(url: str, options: dict[str, Any] | None = None) -> dict[str, Any]:
    """pyld document loader over the shipped contexts only; any other URL raises ContextNotAllowed."""
    return {
        "contextUrl": None,
        "documentUrl": url,
        # a copy: pyld must never be able to alter the cached parse
        "document": copy.deepcopy(_context_document(url)),
        # pinned and immutable: pyld may keep the resolved context (in our own cache, see _options)
        "tag": "static",
    }


# A resolved-context cache of our own: pyld's process-wide one could hold another loader's documents
# under the same URLs.
_RESOLVED_CACHE: dict[str, Any] = {}


@cache
def _processor_class() -> type:
    """The pyld processor class; pyld (and requests under it) load on the first canonicalisation, not at
    import: starting the web app or the CLI does not pay for them."""
    from pyld import jsonld

    class _Processor(jsonld.JsonLdProcessor):
        """pyld with processed contexts memoised across documents.

        pyld caches a processed context under the id (`_uuid`) of the active context it extends, but a
        type-scoped context (OB 3.0 scopes one per type) is applied to a fresh clone with a fresh id every time,
        so the OB context was re-processed for every node of every credential (most of the time of an issue or a
        verify). Here the result is kept under the id of the *input* active context, the local context object (the
        shipped contexts are parsed once and held by our resolver cache) and the flags. Processing is deterministic
        given those, and pyld itself shares processed contexts between documents the same way.
        """

        def _process_context(self, active_ctx: Any, local_ctx: Any, options: Any, override_protected: bool = False,
                             propagate: bool = True, validate_scoped: bool = True, cycles: Any = None) -> Any:
            uid = active_ctx.get("_uuid") if isinstance(active_ctx, dict) or hasattr(active_ctx, "get") else None
            if uid is None or cycles:
                return super()._process_context(active_ctx, local_ctx, options, override_protected, propagate,
                                                validate_scoped, cycles)
            key = (uid, id(local_ctx), override_protected, propagate, validate_scoped)
            with _CONTEXT_LOCK:
                hit = _PROCESSED.get(key)
            if hit is not None and hit[0] is local_ctx and hit[1] is active_ctx:
                return hit[2]
            result = super()._process_context(active_ctx, local_ctx, options, override_protected, propagate,
                                              validate_scoped, cycles)
            with _CONTEXT_LOCK:
                # the key's objects are kept alive with the result, so their ids cannot be reused meanwhile
                _PROCESSED[key] = (local_ctx, active_ctx, result)
            return result

    return _Processor


_PROCESSED: LRUCache = LRUCache(maxsize=4096)
_CONTEXT_LOCK = threading.Lock()


def _options() -> dict[str, Any]:
    from pyld.context_resolver import ContextResolver

    return {
        "algorithm": "URDNA2015",
        "format": "application/n-quads",
        "base": None,  # pyld >= 3 would otherwise resolve relative IRIs against an example base
        "documentLoader": document_loader,
        "contextResolver": ContextResolver(_RESOLVED_CACHE, document_loader),
    }


def _is_absolute(iri: str) -> bool:
    scheme, sep, rest = iri.partition(":")
    return (
        bool(sep) and bool(scheme) and scheme[0].isalpha() and all(c in _ABSOLUTE_IRI_SCHEME for c in scheme)
        and not any(c.isspace() for c in rest)
    )


def _is_node_ref(iri: Any) -> bool:
    return isinstance(iri, str) and (iri.startswith("_:") or _is_absolute(iri))


def _walk_problems(node: Any) -> Iterator[str]:
    """Relative IRIs and undefined (issuer-dependent) terms left in an expanded document."""
    if isinstance(node, list):
        for item in node:
            yield from _walk_problems(item)
        return
    if not isinstance(node, dict):
        return
    if "@value" in node:
        datatype = node.get("@type")
        if isinstance(datatype, str) and datatype != "@json" and not _is_absolute(datatype):
            yield f"relative datatype IRI {datatype!r}"
        return  # a literal (including @json) has no nested nodes
    for key, value in node.items():
        if key == "@id":
            if not _is_node_ref(value):
                yield f"relative IRI {value!r} used as an id"
        elif key == "@type":
            for t in value if isinstance(value, list) else [value]:
                if not _is_node_ref(t):
                    yield f"undefined type {t!r} (not a term of the contexts, not an absolute IRI)"
                elif t.startswith(ISSUER_DEPENDENT):
                    yield f"undefined type {t.removeprefix(ISSUER_DEPENDENT)!r}"
        elif not key.startswith("@"):
            if key.startswith(ISSUER_DEPENDENT):
                yield f"undefined term {key.removeprefix(ISSUER_DEPENDENT)!r}"
            elif not _is_absolute(key):
                yield f"undefined term {key!r}"
            yield from _walk_problems(value)
        else:
            yield from _walk_problems(value)


def _root_cause(exc: BaseException) -> str:
    """The innermost message of a pyld error chain (pyld wraps each layer)."""
    while True:
        if isinstance(exc, ContextNotAllowed):
            return str(exc)
        nxt = exc.__cause__ or getattr(exc, "cause", None)
        if not isinstance(nxt, BaseException):
            break
        exc = nxt
    details = getattr(exc, "details", None)
    msg = getattr(exc, "message", None) or str(exc)
    if isinstance(details, dict) and details.get("url"):
        msg = f"{msg} ({details['url']})"
    return msg


def _serialize(document: Any) -> str:
    try:
        return json.dumps(document, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    except (TypeError, ValueError, RecursionError) as exc:
        raise CanonicalizationError([f"not a JSON document: {type(exc).__name__}"]) from None


def clear_caches() -> None:
    """Forget memoised expansions (benchmarks measure cold work with it)."""
    _expand_cached.cache_clear()
    _canonical_cached.cache_clear()


@lru_cache(maxsize=256)
def _expand_cached(serialized: str) -> list[Any]:
    # keyed by the document's JSON: a verification expands the same document for the terms check and for the
    # proof; pyld does not alter its input, and callers only get copies of the cached value
    document = json.loads(serialized)
    dropped: list[str] = []
    from pyld import jsonld

    processor = _processor_class()(on_property_dropped=lambda prop: dropped.append(str(prop)))
    try:
        expanded = processor.expand(document, _options())
    except jsonld.JsonLdError as exc:
        raise CanonicalizationError([_root_cause(exc)]) from None
    except RecursionError:
        raise CanonicalizationError(["the document nests too deeply to process"]) from None
    problems = [f"undefined term {p!r} (not defined by the document's contexts)" for p in dict.fromkeys(dropped)]
    problems += list(dict.fromkeys(_walk_problems(expanded)))
    if problems:
        raise CanonicalizationError(problems)
    return expanded


@lru_cache(maxsize=256)
def _canonical_cached(serialized: str) -> str:
    from pyld import jsonld

    try:
        # the expanded form carries no context: normalising it needs no loader and gives the same dataset
        return _processor_class()().normalize(_expand_cached(serialized), _options())
    except jsonld.JsonLdError as exc:
        raise CanonicalizationError([_root_cause(exc)]) from None


def expand_strict(document: dict[str, Any]) -> list[Any]:
    """Expand a JSON-LD document with the shipped contexts; refuse undefined terms and relative IRIs."""
    if not isinstance(document, dict):
        raise CanonicalizationError(["a JSON-LD document must be a JSON object"])
    return copy.deepcopy(_expand_cached(_serialize(document)))


def canonicalize(document: dict[str, Any]) -> str:
    """RDFC-1.0 (URDNA2015) canonical N-Quads of a JSON-LD document, strictly (see expand_strict)."""
    if not isinstance(document, dict):
        raise CanonicalizationError(["a JSON-LD document must be a JSON object"])
    return _canonical_cached(_serialize(document))
