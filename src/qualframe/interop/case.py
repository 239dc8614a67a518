"""The framework as a 1EdTech CASE v1.1 package (CFPackage), built from the domain model.

Modelling (README "CASE"):
- one CFDocument for the order, with its legal status: adoptionStatus "Deprecated" since the repeal
  (statusStartDate = date of the repealing order), the approval/registration/repeal facts in `notes`;
- CFItems for each area, each level row (sub-levels are rows of their own) and each descriptor, typed by
  five CFItemTypes (area, level, and one per column), linked by isChildOf associations in table order;
- areas are CFSubjects; NQF levels are CFConcepts (not `educationLevel`, whose vocabulary is school
  grades), referenced from level and descriptor items by conceptKeywords/conceptKeywordsURI;
- `fullStatement` is always the official Kazakh text (`language` "kk"; an imported framework keeps its own
  language); unofficial ru/en translations
  (each line labelled "[en, unofficial translation by qualframe]") and the provenance (source file,
  lines, how the level was determined) go in each item's `notes`; the provenance is also in
  `extensions.qualframe` in machine-readable form;
- crosswalks to EQF, e-CF and SFIA become isRelatedTo associations from level items to external
  nodes, one CFAssociationGrouping per target scheme, their confidence and caveats in the notes.

Identifiers are UUID v5 from `NAMESPACE` and a readable name (`case_uuid("kz-ict-sqf-2013/item/3.1-07-c1")`),
so they stay the same across rebuilds and releases as long as the project ids do.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from typing import Any

from qualframe.interop import crosswalk as cx
from qualframe.interop.common import EDITION_DATETIME, Translator, base_url, primary, source_lang
from qualframe.model import COLUMNS, Area, Descriptor, Framework, LevelRow

# Fixed namespace of every qualframe CASE identifier (= uuid5(NAMESPACE_URL, "qualframe:case:v1")).
NAMESPACE = uuid.UUID("518a93aa-d5ad-5f3a-b245-924680d33f92")
CASE_VERSION = "1.1"
API_PREFIX = "/ims/case/v1p1"
NQF_SCHEME = "kz-nqf-2012"


def case_uuid(name: str) -> str:
    """The RFC 4122 version-5 UUID of a qualframe object name, lower case."""
    return str(uuid.uuid5(NAMESPACE, name))


# name → (typeCode, title, hierarchyCode, description)
ITEM_TYPES: dict[str, tuple[str, str, str, str]] = {
    "area": ("Area", "Area of professional activity", "1",
             "An area of professional activity (кәсіби қызмет саласы) of the sectoral qualification "
             "framework, defined by OKED codes in annexes 1-3 of the order."),
    "level": ("Level", "Level", "2",
              "One row of the framework table (annex 4): an NQF level of one area, or a sub-level of it "
              "(SQF level code such as 61 or 62)."),
    "competences": ("Competences", "Personal and professional competences", "3.1",
                    "Requirement to personal and professional competences "
                    "(жеке және кәсіби құзыреттіліктерге қойылатын талаптар)."),
    "skills": ("Skills", "Abilities and skills", "3.2",
               "Requirement to abilities and skills (іскерлікке және машықтарға қойылатын талаптар)."),
    "knowledge": ("Knowledge", "Knowledge", "3.3", "Requirement to knowledge (білімге қойылатын талаптар)."),
}

GROUPINGS = {
    "eqf": "Crosswalk to EQF levels",
    "ecf": "Crosswalk to e-CF proficiency levels",
    "sfia": "Crosswalk to SFIA levels of responsibility",
}
EXTERNAL_TARGET_TYPE = {"eqf": "ext:EQF-level", "ecf": "ext:e-CF-level", "sfia": "ext:SFIA-level"}

LICENSE_TEXT = (
    "The Kazakh text of order No. 769 is an official document of the Republic of Kazakhstan (a normative "
    "legal act); official documents are not objects of copyright under the Law of the Republic of "
    "Kazakhstan \"On copyright and related rights\". The structure, identifiers, annotations, crosswalks "
    "and unofficial translations added by the qualframe project are available under the MIT licence. "
    "SFIA and e-CF are referenced by level numbers and names only."
)

SUBLEVEL_NOTE = {
    "managerial": "sub-level 1: specialities tied to managerial activity (note under the table)",
    "production": "sub-level 2: specialities tied to production activity (note under the table)",
}


@dataclass
class CaseBuilder:
    """Builds the CFPackage; `base` is the public base URL the URIs point to (API endpoints)."""

    fw: Framework
    base: str = field(default_factory=base_url)
    translator: Translator | None = None

    def __post_init__(self) -> None:
        self.base = self.base.rstrip("/")
        if self.translator is None:
            self.translator = Translator(self.fw)
        self.lang = source_lang(self.fw)

    def text(self, texts: dict[str, str]) -> str:
        """A title or name in the framework's own language (Kazakh for the order; an import's own)."""
        return primary(texts, self.lang)

    # --- identifiers and links -------------------------------------------------------------------
    def uri(self, collection: str, identifier: str) -> str:
        return f"{self.base}{API_PREFIX}/{collection}/{identifier}"

    def link(self, collection: str, identifier: str, title: str) -> dict[str, str]:
        return {"title": title, "identifier": identifier, "uri": self.uri(collection, identifier)}

    @property
    def doc_id(self) -> str:
        return case_uuid(f"{self.fw.id}/document")

    def doc_link(self) -> dict[str, str]:
        return self.link("CFDocuments", self.doc_id, self.text(self.fw.title))

    def area_id(self, a: Area) -> str:
        return case_uuid(f"{self.fw.id}/item/area/{a.code}")

    def row_id(self, r: LevelRow) -> str:
        return case_uuid(f"{self.fw.id}/item/{r.id}")

    def desc_id(self, d: Descriptor) -> str:
        return case_uuid(f"{self.fw.id}/item/{d.id}")

    @staticmethod
    def item_type_id(name: str) -> str:
        return case_uuid(f"qualframe/itemtype/{name}")

    def subject_id(self, a: Area) -> str:
        return case_uuid(f"{self.fw.id}/subject/{a.code}")

    @staticmethod
    def concept_id(nqf_level: int) -> str:
        return case_uuid(f"{NQF_SCHEME}/level/{nqf_level}")

    @property
    def license_id(self) -> str:
        return case_uuid(f"{self.fw.id}/license")

    @staticmethod
    def grouping_id(scheme: str) -> str:
        return case_uuid(f"qualframe/grouping/crosswalk/{scheme}")

    # --- pieces ------------------------------------------------------------------------------------
    def _source_note(self, lines: tuple[int, int]) -> str:
        name = self.fw.source_file.get("name", "source text")
        where = f"line {lines[0]}" if lines[0] == lines[1] else f"lines {lines[0]}-{lines[1]}"
        return f"Source: {name}, {where} (Kazakh text of order No. {self.fw.legal.order_number})."

    def _translations(self, key: str) -> list[str]:
        """Note lines "[en, unofficial translation by qualframe] …" (missing translations are left out)."""
        assert self.translator is not None
        notes = []
        for lang, rend in self.translator.all(key).items():
            if rend.text is None:
                continue
            tag = "stale " if rend.status == "stale" else ""
            notes.append(f"[{lang}, {tag}unofficial translation by qualframe] {rend.text}")
        return notes

    def _item_dates(self) -> dict[str, str]:
        lg = self.fw.legal
        out = {"statusStartDate": lg.order_date} if lg.order_date else {}
        if lg.status == "repealed" and lg.repealed_by and lg.repealed_by.get("order_date"):
            out["statusEndDate"] = lg.repealed_by["order_date"]
        return out

    def _type_fields(self, name: str) -> dict[str, Any]:
        title = ITEM_TYPES[name][1]
        return {"CFItemType": title, "CFItemTypeURI": self.link("CFItemTypes", self.item_type_id(name), title)}

    def _subject_fields(self, a: Area) -> dict[str, Any]:
        return {"subject": [self.text(a.title)],
                "subjectURI": [self.link("CFSubjects", self.subject_id(a), self.text(a.title))]}

    def _concept_fields(self, nqf_level: int) -> dict[str, Any]:
        if nqf_level < 1:  # an import without NQF levels
            return {}
        title = f"ҰБШ {nqf_level}"
        return {"conceptKeywords": [title],
                "conceptKeywordsURI": self.link("CFConcepts", self.concept_id(nqf_level), title)}

    def _ext(self, **kw: Any) -> dict[str, Any]:
        return {"qualframe": {k: v for k, v in kw.items() if v not in (None, [], {})}}

    def area_item(self, i: int, a: Area) -> dict[str, Any]:
        notes = [f"Area of professional activity {a.code} of the ICT sectoral qualification framework.",
                 self._source_note((a.source.line_start, a.source.line_end))]
        if not a.header_printed:
            notes.append("The header of this area's block is missing in the source text; the area was "
                         "identified from its position and content.")
        if a.oked:
            notes.append(f"OKED codes (annex {a.annex}): " + ", ".join(o.code for o in a.oked) + ".")
        tr_notes = self._translations(f"area.{a.code}.title")
        return {
            "identifier": self.area_id(a),
            "uri": self.uri("CFItems", self.area_id(a)),
            "fullStatement": self.text(a.title),
            "humanCodingScheme": a.code,
            "listEnumeration": str(i),
            **self._type_fields("area"),
            "conceptKeywords": [f"ЭҚЖЖ {o.code}" for o in a.oked],
            "notes": "\n".join(notes + tr_notes),
            **self._subject_fields(a),
            "language": self.lang,
            **self._item_dates(),
            "lastChangeDateTime": EDITION_DATETIME,
            "extensions": self._ext(
                id=a.code, source={"file": self.fw.source_file.get("name"), "lineStart": a.source.line_start,
                                   "lineEnd": a.source.line_end},
                oked=[o.code for o in a.oked]),
        }

    def _level_statement(self, a: Area, r: LevelRow) -> str:
        if self.lang != "kk":  # an import's rows have no statement of their own in the model
            return f"{a.code}: {r.id}"
        return f"{a.code}: ҰБШ деңгейі {r.nqf_level}; СБШ деңгейі {r.sqf_level or '—'}"

    def row_item(self, a: Area, r: LevelRow) -> dict[str, Any]:
        how = {"printed": "printed in the source",
               "inferred": "not printed in the extracted text; inferred",
               "ambiguous": "not printed in the extracted text and ambiguous"}[r.level_source]
        notes = [f"Level row {r.id} of annex 4, area {a.code}: NQF level {r.nqf_level} ({how}"
                 + (f": {r.level_evidence}" if r.level_evidence and r.level_source != "printed" else "") + ")."]
        if r.level_candidates and r.level_source == "ambiguous":
            notes.append("Candidate NQF levels: " + ", ".join(map(str, r.level_candidates)) + ".")
        notes.append(f"SQF level code: {r.sqf_level}." if r.sqf_level else
                     "SQF level code: not printed in the extracted text.")
        if r.sublevel_kind:
            notes.append(f"Sub-level: {SUBLEVEL_NOTE[r.sublevel_kind]}.")
        if not r.descriptors:
            notes.append("No requirements are printed for this level (dashes in the table).")
        notes.append(self._source_note((r.source.line_start, r.source.line_end)))
        notes.append(cx.in_eqf_terms(r))
        return {
            "identifier": self.row_id(r),
            "uri": self.uri("CFItems", self.row_id(r)),
            "fullStatement": self._level_statement(a, r),
            "abbreviatedStatement": f"SQF {r.sqf_level}" if r.sqf_level else f"NQF {r.nqf_level}",
            "humanCodingScheme": r.id,
            "listEnumeration": str(r.position),
            **self._type_fields("level"),
            **self._concept_fields(r.nqf_level),
            "notes": "\n".join(notes),
            **self._subject_fields(a),
            "language": self.lang,
            **self._item_dates(),
            "lastChangeDateTime": EDITION_DATETIME,
            "extensions": self._ext(
                id=r.id, nqfLevel=r.nqf_level, sqfLevel=r.sqf_level, levelSource=r.level_source,
                levelEvidence=r.level_evidence or None, levelCandidates=list(r.level_candidates),
                sublevel=r.sublevel, sublevelKind=r.sublevel_kind,
                source={"file": self.fw.source_file.get("name"), "lineStart": r.source.line_start,
                        "lineEnd": r.source.line_end}),
        }

    def descriptor_item(self, a: Area, r: LevelRow, d: Descriptor) -> dict[str, Any]:
        tr_notes = self._translations(d.id)
        errata = self.fw.errata_for(d.id)
        notes = [self._source_note((d.source.line_start, d.source.line_end))]
        notes += [f"Erratum {e.id} ({e.kind}): {e.explanation}" for e in errata]
        return {
            "identifier": self.desc_id(d),
            "uri": self.uri("CFItems", self.desc_id(d)),
            "fullStatement": d.text,
            "humanCodingScheme": d.id,
            "listEnumeration": str(d.order),
            **self._type_fields(d.column),
            **self._concept_fields(r.nqf_level),
            "notes": "\n".join(notes + tr_notes),
            **self._subject_fields(a),
            "language": self.lang,
            **self._item_dates(),
            "lastChangeDateTime": EDITION_DATETIME,
            "extensions": self._ext(
                id=d.id, column=d.column, order=d.order,
                source={"file": self.fw.source_file.get("name"), "lineStart": d.source.line_start,
                        "lineEnd": d.source.line_end},
                errata=[e.id for e in errata]),
        }

    def _child_of(self, child_name: str, child: dict[str, Any], parent: dict[str, str], seq: int) -> dict[str, Any]:
        ident = case_uuid(f"{self.fw.id}/association/isChildOf/{child_name}")
        return {
            "identifier": ident,
            "associationType": "isChildOf",
            "sequenceNumber": seq,
            "uri": self.uri("CFAssociations", ident),
            "originNodeURI": {"title": child.get("humanCodingScheme", child["fullStatement"][:60]),
                              "identifier": child["identifier"], "uri": child["uri"]},
            "destinationNodeURI": parent,
            "lastChangeDateTime": EDITION_DATETIME,
        }

    def _external_node(self, scheme: str, hit: cx.Hit) -> dict[str, str]:
        return {
            "title": hit.label,
            "identifier": case_uuid(f"qualframe/external/{scheme}/{hit.code}"),
            "uri": f"urn:qualframe:level:{scheme}:{hit.code}",
            "targetType": EXTERNAL_TARGET_TYPE[scheme],
        }

    def _crosswalk_assocs(self, r: LevelRow, item: dict[str, Any]) -> list[dict[str, Any]]:
        out = []
        cws = cx.load_crosswalks()
        for scheme, hits in cx.for_row(r).items():
            for hit in hits:
                ident = case_uuid(f"{self.fw.id}/association/crosswalk/{scheme}/{r.id}/{hit.code}")
                caveat = cws[hit.via[0]].caveats[0]
                out.append({
                    "identifier": ident,
                    "associationType": "isRelatedTo",
                    "uri": self.uri("CFAssociations", ident),
                    "originNodeURI": {"title": r.id, "identifier": item["identifier"], "uri": item["uri"]},
                    "destinationNodeURI": self._external_node(scheme, hit),
                    "CFAssociationGroupingURI": self.link(
                        "CFAssociationGroupings", self.grouping_id(scheme), GROUPINGS[scheme]),
                    "lastChangeDateTime": EDITION_DATETIME,
                    "notes": (f"skos:{hit.relation}, confidence {hit.confidence}: "
                              f"{' → '.join(hit.path)} (crosswalks {', '.join(hit.via)}). "
                              f"Indicative, not law. {caveat}"),
                })
        return out

    # --- the document and definitions --------------------------------------------------------------
    def document(self) -> dict[str, Any]:
        fw, lg = self.fw, self.fw.legal
        legal = [f"Approved by order No. {lg.order_number} of {lg.order_date} of the "
                 f"{self._en('legal.issuing_body', self.text(lg.issuing_body))}."]
        if lg.registration_number:
            legal.append(f"Registered by the Ministry of Justice on {lg.registration_date} under "
                         f"No. {lg.registration_number}" + (f" (adilet {lg.adilet_id})" if lg.adilet_id else "") + ".")
        legal.append("In force ten calendar days after its first official publication (item 4 of the order).")
        if lg.status == "repealed" and lg.repealed_by:
            rb = lg.repealed_by
            legal.append(f"REPEALED by order No. {rb['order_number']} of {rb['order_date']} of the "
                         f"{self._en('legal.repealed_by.issuing_body', rb.get('issuing_body', ''))}; "
                         "the framework is historical.")
        notes = [
            " ".join(legal),
            "adoptionStatus/statusStartDate give the current legal status; items carry the period from "
            "approval (statusStartDate) to repeal (statusEndDate).",
            "Only the Kazakh text is official (language kk). Russian and English texts in item notes and "
            "extensions are unofficial translations by the qualframe project.",
            f"{len(fw.errata)} anomalies of the source text are recorded as errata by qualframe; the text is "
            "kept as printed.",
            "Crosswalks to EQF, e-CF and SFIA are indicative (see the association groupings).",
        ]
        if self.lang != "kk":  # an imported framework: no order, its own text is the original
            notes = [f"Built by qualframe from an imported CASE package (framework {fw.id}); the texts are "
                     f"the package's own, in language {self.lang}."]
        subjects = [self.text(a.title) for a in fw.areas]
        doc: dict[str, Any] = {
            "identifier": self.doc_id,
            "uri": self.uri("CFDocuments", self.doc_id),
            "caseVersion": CASE_VERSION,
            "creator": self.text(lg.issuing_body),
            "title": self.text(fw.title),
            "lastChangeDateTime": EDITION_DATETIME,
            "publisher": "qualframe (unofficial machine-readable edition)",
            "description": self._en("framework.title", self.text(fw.title))
                           + f" — sectoral qualification framework of the Republic of Kazakhstan, order "
                           f"No. {lg.order_number} of {lg.order_date}"
                           + (" (repealed)" if lg.status == "repealed" else "") + ".",
            "subject": subjects,
            "subjectURI": [self.link("CFSubjects", self.subject_id(a), self.text(a.title)) for a in fw.areas],
            "language": self.lang,
            "version": f"order No. {lg.order_number} of {lg.order_date}; source text sha256 "
                       f"{fw.source_file.get('sha256', '')[:16]}",
            "adoptionStatus": "Deprecated" if lg.status == "repealed" else "Adopted",
            "statusStartDate": (lg.repealed_by or {}).get("order_date", lg.order_date)
            if lg.status == "repealed" else lg.order_date,
            "licenseURI": self.link("CFLicenses", self.license_id, "License"),
            "notes": "\n".join(notes),
            "extensions": {"qualframe": {"frameworkId": fw.id, "legal": _no_nulls(lg.to_dict()),
                                         "sourceFile": fw.source_file}},
        }
        if not doc["statusStartDate"]:  # an import without a date: CASE has no empty dates
            del doc["statusStartDate"]
        if lg.adilet_id:
            doc["officialSourceURL"] = f"https://adilet.zan.kz/kaz/docs/{lg.adilet_id}"
        return doc

    def _en(self, key: str, fallback: str) -> str:
        assert self.translator is not None
        r = self.translator.get(key, "en")
        return r.text if r.text else fallback

    def definitions(self) -> dict[str, Any]:
        fw = self.fw
        item_types = [
            {"identifier": self.item_type_id(n), "uri": self.uri("CFItemTypes", self.item_type_id(n)),
             "title": title, "description": desc, "hierarchyCode": hc, "typeCode": code,
             "lastChangeDateTime": EDITION_DATETIME}
            for n, (code, title, hc, desc) in ITEM_TYPES.items()
        ]
        subjects = [
            {"identifier": self.subject_id(a), "uri": self.uri("CFSubjects", self.subject_id(a)),
             "title": self.text(a.title), "hierarchyCode": a.code,
             "description": f"Area of professional activity {a.code}: {self._en(f'area.{a.code}.title', '')}"
                            " (unofficial translation)",
             "lastChangeDateTime": EDITION_DATETIME}
            for a in fw.areas
        ]
        used = sorted({r.nqf_level for _, r in fw.rows() if r.nqf_level >= 1} | set(range(1, 9)))
        concepts = [
            {"identifier": self.concept_id(n), "uri": self.uri("CFConcepts", self.concept_id(n)),
             "title": f"ҰБШ {n}", "keywords": f"NQF {n}", "hierarchyCode": str(n),
             "description": f"Level {n} of the National Qualifications Framework of the Republic of "
                            "Kazakhstan (2012), on which the sectoral framework is built.",
             "lastChangeDateTime": EDITION_DATETIME}
            for n in used
        ]
        licenses = [{"identifier": self.license_id, "uri": self.uri("CFLicenses", self.license_id),
                     "title": "License", "description": "Status of the official text and of qualframe's additions",
                     "licenseText": LICENSE_TEXT, "lastChangeDateTime": EDITION_DATETIME}]
        cws = cx.load_crosswalks()
        groupings = []
        for scheme, title in GROUPINGS.items():
            chain = [cws[c] for c in cx.CHAINS[scheme]]
            desc = " ".join(
                f"{c.title} ({c.status}, confidence {c.confidence}): {c.method} Caveats: {' '.join(c.caveats)} "
                f"Sources: {'; '.join(s['title'] for s in c.sources)}."
                for c in chain)
            groupings.append({"identifier": self.grouping_id(scheme),
                              "uri": self.uri("CFAssociationGroupings", self.grouping_id(scheme)),
                              "title": title, "description": desc, "lastChangeDateTime": EDITION_DATETIME})
        return {"CFConcepts": concepts, "CFSubjects": subjects, "CFLicenses": licenses,
                "CFItemTypes": item_types, "CFAssociationGroupings": groupings}

    def package(self) -> dict[str, Any]:
        """The whole CFPackage (CFPackageDType): document, items, associations, definitions."""
        fw = self.fw
        items: list[dict[str, Any]] = []
        assocs: list[dict[str, Any]] = []
        doc_link = self.doc_link()
        for i, a in enumerate(fw.areas, 1):
            ai = self.area_item(i, a)
            items.append(ai)
            assocs.append(self._child_of(f"area/{a.code}", ai, doc_link, i))
            a_link = {"title": a.code, "identifier": ai["identifier"], "uri": ai["uri"]}
            for r in a.levels:
                ri = self.row_item(a, r)
                items.append(ri)
                assocs.append(self._child_of(r.id, ri, a_link, r.position))
                r_link = {"title": r.id, "identifier": ri["identifier"], "uri": ri["uri"]}
                seq = 0
                for col in COLUMNS:
                    for d in r.column(col):
                        seq += 1
                        di = self.descriptor_item(a, r, d)
                        items.append(di)
                        assocs.append(self._child_of(d.id, di, r_link, seq))
                assocs.extend(self._crosswalk_assocs(r, ri))
        return {"CFDocument": self.document(), "CFItems": items, "CFAssociations": assocs,
                "CFDefinitions": self.definitions()}


def _no_nulls(obj: Any) -> Any:
    """Drop None values and empty containers recursively (CASE forbids nulls)."""
    if isinstance(obj, dict):
        out = {k: _no_nulls(v) for k, v in obj.items() if v is not None}
        return {k: v for k, v in out.items() if v not in ({}, [])}
    if isinstance(obj, list):
        return [_no_nulls(v) for v in obj if v is not None]
    return obj


def build_package(fw: Framework, base: str | None = None) -> dict[str, Any]:
    """The framework's CFPackage with URIs under `base` (default: $QUALFRAME_BASE_URL or localhost)."""
    return _no_nulls(CaseBuilder(fw, base_url(base)).package())


def canonical(pkg: dict[str, Any]) -> dict[str, Any]:
    """A package with every array of identified objects sorted by identifier (for comparisons)."""
    def walk(v: Any) -> Any:
        if isinstance(v, dict):
            return {k: walk(x) for k, x in sorted(v.items())}
        if isinstance(v, list):
            items = [walk(x) for x in v]
            if items and all(isinstance(x, dict) and "identifier" in x for x in items):
                items.sort(key=lambda x: str(x["identifier"]))
            return items
        return v
    return walk(pkg)


def dumps(pkg: dict[str, Any], pretty: bool = True) -> str:
    """JSON text of a package: UTF-8 (not escaped), stable, one trailing newline when pretty."""
    if pretty:
        return json.dumps(pkg, ensure_ascii=False, indent=1) + "\n"
    return json.dumps(pkg, ensure_ascii=False, separators=(",", ":"))
