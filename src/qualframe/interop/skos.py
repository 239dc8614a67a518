"""The framework as SKOS in JSON-LD: areas, levels and descriptors as concepts, levels ordered.

- one skos:ConceptScheme (the order), with its legal status;
- areas are top concepts; each level row is a narrower concept of its area, each descriptor a narrower
  concept of its level (skos:notation = the project id, skos:definition = the official Kazakh text);
- the level rows of each area are also an skos:OrderedCollection (memberList), so their order survives;
- crosswalks are SKOS mapping properties (closeMatch, broadMatch, relatedMatch) to EQF / e-CF / SFIA
  level concepts, with the caveats as notes;
- unofficial translations are `qf:unofficialTranslation` literals, never skos:prefLabel/definition.

Concept IRIs are the CASE item URIs, so SKOS and CASE describe the same resources. The @context is
inline (no network fetch is needed to read the file).
"""

from __future__ import annotations

import json
from typing import Any

from qualframe.interop import crosswalk as cx
from qualframe.interop.case import CaseBuilder
from qualframe.interop.common import EDITION_DATETIME, Translator, base_url, primary, source_lang
from qualframe.model import Framework


def context(base: str) -> dict[str, Any]:
    """The JSON-LD context, shipped inline in every export."""
    iri = {"@type": "@id"}
    return {
        "skos": "http://www.w3.org/2004/02/skos/core#",
        "dct": "http://purl.org/dc/terms/",
        "xsd": "http://www.w3.org/2001/XMLSchema#",
        "qf": f"{base}/ns/qualframe#",
        "Concept": "skos:Concept",
        "ConceptScheme": "skos:ConceptScheme",
        "OrderedCollection": "skos:OrderedCollection",
        "prefLabel": "skos:prefLabel",
        "altLabel": "skos:altLabel",
        "notation": "skos:notation",
        "definition": "skos:definition",
        "note": "skos:note",
        "scopeNote": "skos:scopeNote",
        "inScheme": {"@id": "skos:inScheme", **iri},
        "topConceptOf": {"@id": "skos:topConceptOf", **iri},
        "hasTopConcept": {"@id": "skos:hasTopConcept", **iri},
        "broader": {"@id": "skos:broader", **iri},
        "narrower": {"@id": "skos:narrower", **iri},
        "memberList": {"@id": "skos:memberList", "@container": "@list", **iri},
        "exactMatch": {"@id": "skos:exactMatch", **iri},
        "closeMatch": {"@id": "skos:closeMatch", **iri},
        "broadMatch": {"@id": "skos:broadMatch", **iri},
        "narrowMatch": {"@id": "skos:narrowMatch", **iri},
        "relatedMatch": {"@id": "skos:relatedMatch", **iri},
        "title": "dct:title",
        "creator": "dct:creator",
        "issued": {"@id": "dct:issued", "@type": "xsd:date"},
        "modified": {"@id": "dct:modified", "@type": "xsd:dateTime"},
        "source": {"@id": "dct:source", **iri},
        "language": "dct:language",
        "legalStatus": "qf:legalStatus",
        "repealedOn": {"@id": "qf:repealedOn", "@type": "xsd:date"},
        "nqfLevel": {"@id": "qf:nqfLevel", "@type": "xsd:integer"},
        "sqfLevel": "qf:sqfLevel",
        "levelSource": "qf:levelSource",
        "position": {"@id": "qf:position", "@type": "xsd:integer"},
        "column": "qf:column",
        "sourceLines": "qf:sourceLines",
        "unofficialTranslation": "qf:unofficialTranslation",
        "crosswalkConfidence": "qf:crosswalkConfidence",
    }


def _lit(text: str, lang: str) -> dict[str, str]:
    """A literal in the framework's own language ("kk" for the order)."""
    return {"@value": text, "@language": lang}


def _translations(tr: Translator, key: str) -> list[dict[str, str]]:
    out = []
    for lang, r in tr.all(key).items():
        if r.text is not None:
            out.append({"@value": r.text, "@language": lang})
    return out


def build_skos(fw: Framework, base: str | None = None) -> dict[str, Any]:
    """The JSON-LD document (a dict)."""
    b = base_url(base)
    tr = Translator(fw)
    cb = CaseBuilder(fw, b, tr)
    lang = source_lang(fw)

    def own(texts: dict[str, str]) -> dict[str, str] | str:
        text = primary(texts, lang)
        return _lit(text, lang) if text else ""  # "" is dropped with the other empty values

    scheme = cb.uri("CFDocuments", cb.doc_id)
    lg = fw.legal
    graph: list[dict[str, Any]] = []
    areas_iris = [cb.uri("CFItems", cb.area_id(a)) for a in fw.areas]
    scheme_node: dict[str, Any] = {
        "@id": scheme, "@type": "ConceptScheme", "prefLabel": own(fw.title), "title": own(fw.title),
        "notation": fw.id, "creator": own(lg.issuing_body), "issued": lg.order_date,
        "modified": EDITION_DATETIME, "language": lang, "legalStatus": lg.status,
        "hasTopConcept": areas_iris,
        "unofficialTranslation": _translations(tr, "framework.title"),
        "note": [{"@value": ("Only the Kazakh text is official" if lang == "kk" else
                             f"The texts in language {lang} are the imported package's own")
                  + "; values of qf:unofficialTranslation are unofficial translations by the qualframe project.",
                  "@language": "en"},
                 {"@value": "Crosswalks to EQF, e-CF and SFIA (skos mapping properties) are indicative, not law: "
                            "the NQF of Kazakhstan has not been officially referenced to the EQF.",
                  "@language": "en"}],
    }
    if lg.status == "repealed" and lg.repealed_by:
        scheme_node["repealedOn"] = lg.repealed_by["order_date"]
    if lg.adilet_id:
        scheme_node["source"] = f"https://adilet.zan.kz/kaz/docs/{lg.adilet_id}"
    graph.append(scheme_node)
    externals: dict[str, dict[str, Any]] = {}
    for a, a_iri in zip(fw.areas, areas_iris, strict=True):
        rows_iris = [cb.uri("CFItems", cb.row_id(r)) for r in a.levels]
        graph.append({
            "@id": a_iri, "@type": "Concept", "notation": a.code, "prefLabel": own(a.title),
            "unofficialTranslation": _translations(tr, f"area.{a.code}.title"),
            "inScheme": scheme, "topConceptOf": scheme, "narrower": rows_iris,
            "sourceLines": f"{a.source.line_start}-{a.source.line_end}",
        })
        graph.append({
            "@id": f"{a_iri}#levels", "@type": "OrderedCollection",
            "prefLabel": {"@value": f"Levels of area {a.code}, in table order", "@language": "en"},
            "memberList": rows_iris,
        })
        for r, r_iri in zip(a.levels, rows_iris, strict=True):
            node: dict[str, Any] = {
                "@id": r_iri, "@type": "Concept", "notation": r.id,
                "prefLabel": _lit(cb._level_statement(a, r), lang), "inScheme": scheme, "broader": a_iri,
                "narrower": [cb.uri("CFItems", cb.desc_id(d)) for d in r.descriptors],
                "nqfLevel": r.nqf_level, "levelSource": r.level_source, "position": r.position,
                "sourceLines": f"{r.source.line_start}-{r.source.line_end}",
                "scopeNote": {"@value": cx.in_eqf_terms(r), "@language": "en"} if r.nqf_level >= 1 else "",
            }
            if r.sqf_level:
                node["sqfLevel"] = r.sqf_level
            for scheme_name, hits in cx.for_row(r).items():
                for h in hits:
                    ext_iri = f"urn:qualframe:level:{scheme_name}:{h.code}"
                    node.setdefault(h.relation, []).append(ext_iri)
                    externals[ext_iri] = {
                        "@id": ext_iri, "@type": "Concept",
                        "prefLabel": {"@value": h.label, "@language": "en"},
                        "inScheme": f"urn:qualframe:scheme:{scheme_name}",
                        "crosswalkConfidence": h.confidence,
                    }
            graph.append(node)
            for d in r.descriptors:
                graph.append({
                    "@id": cb.uri("CFItems", cb.desc_id(d)), "@type": "Concept", "notation": d.id,
                    "definition": _lit(d.text, lang), "inScheme": scheme, "broader": r_iri, "column": d.column,
                    "position": d.order, "sourceLines": f"{d.source.line_start}-{d.source.line_end}",
                    "unofficialTranslation": _translations(tr, d.id),
                })
    for s in ("eqf", "ecf", "sfia"):
        graph.append({"@id": f"urn:qualframe:scheme:{s}", "@type": "ConceptScheme",
                      "prefLabel": {"@value": cx.load_crosswalks()[cx.CHAINS[s][-1]].target.title, "@language": "en"}})
    graph.extend(externals[k] for k in sorted(externals))
    for n in graph:
        for k in [k for k, v in n.items() if v in ([], None, "")]:
            del n[k]
    return {"@context": context(b), "@graph": graph}


def dumps_skos(fw: Framework, base: str | None = None) -> str:
    return json.dumps(build_skos(fw, base), ensure_ascii=False, indent=1) + "\n"
