"""Pydantic models that document the API's JSON in the OpenAPI file.

Handlers build plain dicts (shared with the pages' JSON twins) and return them as bytes, so these
models describe rather than validate; the schemathesis test checks that the two agree.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from qualframe.search.inputs import MATCH_MAX_CHARS

Lang = Literal["kk", "ru", "en"]
ColumnName = Literal["competences", "skills", "knowledge"]


class ErrorBody(BaseModel):
    status: int = Field(description="HTTP status code, repeated")
    code: str = Field(description="stable machine-readable code, e.g. not_found, invalid_request")
    message: str = Field(description="what went wrong and where, for people")
    details: Any | None = None


class ErrorResponse(BaseModel):
    error: ErrorBody


class SourceRef(BaseModel):
    line_start: int
    line_end: int
    url: str = Field(description="link to the lines in the source text viewer")


class Translation(BaseModel):
    lang: Lang
    text: str
    status: Literal["unofficial", "missing"] = Field(
        description="unofficial: a translation made by this project; missing: no translation, the Kazakh text")


class DescriptorOut(BaseModel):
    id: str
    column: ColumnName
    order: int
    text: str = Field(description="the official Kazakh text")
    source: SourceRef | None
    errata: list[str]
    translation: Translation | None = None


class DescriptorWithRow(DescriptorOut):
    area: str
    row_id: str
    nqf_level: int
    sqf_level: str | None
    level_url: str


class DescriptorList(BaseModel):
    framework: str
    count: int
    descriptors: list[DescriptorWithRow]


class RowBrief(BaseModel):
    id: str
    area: str
    position: int
    label: str
    nqf_level: int
    sqf_level: str | None
    sublevel: int | None
    sublevel_kind: str | None
    level_source: Literal["printed", "inferred", "ambiguous"]
    level_evidence: str
    level_candidates: list[int]
    source: SourceRef | None
    url: str


class RowFull(RowBrief):
    columns: dict[str, list[DescriptorOut]]


class RowList(BaseModel):
    framework: str
    count: int
    levels: list[RowBrief]


class AreaBrief(BaseModel):
    code: str
    title: str
    title_translation: Translation | None
    header_printed: bool
    annex: int | None
    rows: int
    source: SourceRef | None
    url: str


class AreaList(BaseModel):
    framework: str
    areas: list[AreaBrief]


class OkedOut(BaseModel):
    code: str
    name: str
    name_translation: Translation | None
    errata: list[str]
    source: SourceRef | None


class ErratumOut(BaseModel):
    id: str
    kind: str
    target: str
    evidence: str
    explanation: str
    suggestion: str | None
    source: SourceRef | None


class AreaFull(BaseModel):
    framework: str
    area: AreaBrief
    oked: list[OkedOut]
    rows: list[RowFull]
    errata: list[ErratumOut]


class FrameworkInfoOut(BaseModel):
    id: str
    kind: str
    origin: str
    title: dict[str, str]
    status: str
    content_hash: str
    loaded_at: str
    url: str


class FrameworkList(BaseModel):
    frameworks: list[FrameworkInfoOut]


class FrameworkOut(BaseModel):
    id: str
    kind: str
    origin: str
    title: str
    title_translation: Translation | None
    status: str
    legal: dict[str, Any]
    counts: dict[str, int]
    areas: list[AreaBrief]
    content_hash: str
    loaded_at: str


class ErrataList(BaseModel):
    framework: str
    errata: list[ErratumOut]


class DiffPart(BaseModel):
    op: Literal["=", "-", "+"]
    text: str


class ChangeOut(BaseModel):
    kind: Literal["same", "changed", "added", "removed"]
    a: DescriptorOut | None
    b: DescriptorOut | None
    similarity: float
    diff: list[DiffPart]


class CompareOut(BaseModel):
    framework: str
    a: RowBrief
    b: RowBrief
    columns: dict[str, list[ChangeOut]]
    summary: dict[str, Any]


class OkedHitOut(BaseModel):
    area: str
    area_url: str
    printed: str
    name: str
    kind: Literal["exact", "parent", "child", "via_erratum"]
    via: str | None
    errata: list[str]


class OkedLookupOut(BaseModel):
    framework: str
    query: str
    code: str
    valid_syntax: bool
    nace2_name: str | None
    areas: list[str]
    hits: list[OkedHitOut]
    errata: list[ErratumOut]


class OkedCodeWithArea(OkedOut):
    area: str


class OkedList(BaseModel):
    framework: str
    codes: list[OkedCodeWithArea]


class SourceLine(BaseModel):
    n: int
    text: str


class SourceOut(BaseModel):
    framework: str
    name: str | None
    sha256: str | None
    line_count: int
    from_: int | None = Field(alias="from")
    to: int | None
    lines: list[SourceLine]


class SearchResult(BaseModel):
    area: str
    nqf_level: int
    sqf_level: str | None
    row_id: str
    descriptor_id: str
    column: str
    text: str
    score: float
    translations: dict[str, str | None] | None = None
    source: SourceRef | None = None
    level_url: str
    label: str | None = None
    translation: Translation | None = None


class SearchOut(BaseModel):
    query: str
    lang: str
    area: str | None
    column: str | None
    limit: int
    truncated: bool
    results: list[SearchResult]


class Evidence(BaseModel):
    column: str
    descriptor_id: str
    text: str
    score: float
    matched_text: str | None = Field(None, description="the text the engine matched, in the query's language")
    source: SourceRef | None = None
    translation: Translation | None = None


class Suggestion(BaseModel):
    area: str
    nqf_level: int
    sqf_level: str | None
    row_id: str
    confidence: float
    evidence: list[Evidence]
    level_url: str
    label: str | None = None


class MatchOut(BaseModel):
    text: str
    lang: str | None
    limit: int
    truncated: bool
    suggestions: list[Suggestion]


class MatchIn(BaseModel):
    text: str = Field(min_length=1, max_length=MATCH_MAX_CHARS, description="a job title or description, any language")
    limit: int = Field(5, ge=1, le=20)


class Health(BaseModel):
    status: Literal["ok"]
    database: str
    frameworks: int
    cache: dict[str, int]


class ApiLink(BaseModel):
    path: str = Field(description="the route as declared, with {placeholders}")
    href: str = Field(description="the route with {fid} filled in with the default framework")
    templated: bool = Field(description="href still has {placeholders} to fill in")
    required_query: list[str] = Field(description="query parameters the GET needs (e.g. q for search)")
    auth: bool = Field(False, description="needs credentials (an API token or a session); see /api/v1/me")
    methods: list[str]
    summary: str


class ApiIndex(BaseModel):
    name: str
    version: str
    default_framework: str
    openapi: str = Field(description="the OpenAPI description of this API")
    docs: str = Field(description="the API documentation page")
    case: str = Field(description="the CASE v1.1 provider's document list")
    case_discovery: str = Field(description="the CASE provider's OpenAPI (service discovery)")
    resources: list[ApiLink]
