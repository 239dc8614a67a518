"""The CASE v1.1 data model as a table: which fields each class has, their types, which are required.

Written by qualframe from the CASE v1.1 specification (the 1EdTech files are not shipped; a test checks
this table against them field by field). One table drives the importer's type checks and the component
schemas of the OpenAPI document qualframe publishes for service discovery.
"""

from __future__ import annotations

from typing import Any

UUID_PATTERN = "[0-9a-f]{8}-[0-9a-f]{4}-[1-5]{1}[0-9a-f]{3}-[8-9a-b]{1}[0-9a-f]{3}-[0-9a-f]{12}"
ASSOCIATION_TYPES = (
    "isChildOf", "isPeerOf", "isPartOf", "exactMatchOf", "precedes", "isRelatedTo", "replacedBy", "exemplar",
    "hasSkillLevel", "isTranslationOf",
)
EXT_PATTERN = "(ext:)[a-zA-Z0-9\\.\\-_]+"
CODE_MINOR_VALUES = (
    "forbidden", "fullsuccess", "internal_server_error", "invalid_selection_field", "invalid_sort_field",
    "invalid_uuid", "server_busy", "unauthorised_request", "unknownobject",
)

# Field types: "uuid", "string", "uri", "date", "date-time", "integer", "number", "object" (extensions),
# "caseVersion", "associationType", "targetType", a class name, or [type] for an array of it.
F = dict[str, Any]

_DOC: F = {
    "identifier": "uuid", "uri": "uri", "frameworkType": "string", "caseVersion": "caseVersion",
    "creator": "string", "title": "string", "lastChangeDateTime": "date-time", "officialSourceURL": "uri",
    "publisher": "string", "description": "string", "subject": ["string"], "subjectURI": ["LinkURI"],
    "language": "string", "version": "string", "adoptionStatus": "string", "statusStartDate": "date",
    "statusEndDate": "date", "licenseURI": "LinkURI", "notes": "string", "extensions": "object",
}
_ITEM: F = {
    "identifier": "uuid", "fullStatement": "string", "alternativeLabel": "string", "CFItemType": "string",
    "uri": "uri", "humanCodingScheme": "string", "listEnumeration": "string", "abbreviatedStatement": "string",
    "conceptKeywords": ["string"], "conceptKeywordsURI": "LinkURI", "notes": "string", "subject": ["string"],
    "subjectURI": ["LinkURI"], "language": "string", "educationLevel": ["string"], "CFItemTypeURI": "LinkURI",
    "licenseURI": "LinkURI", "statusStartDate": "date", "statusEndDate": "date",
    "lastChangeDateTime": "date-time", "extensions": "object",
}
_ASSOC: F = {
    "identifier": "uuid", "associationType": "associationType", "sequenceNumber": "integer", "uri": "uri",
    "originNodeURI": "LinkGenURI", "destinationNodeURI": "LinkGenURI", "CFAssociationGroupingURI": "LinkURI",
    "lastChangeDateTime": "date-time", "notes": "string", "extensions": "object",
}

# class name → (fields, required)
CLASSES: dict[str, tuple[F, tuple[str, ...]]] = {
    "CFPackage": ({"CFDocument": "CFPckgDocument", "CFItems": ["CFPckgItem"],
                   "CFAssociations": ["CFPckgAssociation"], "CFDefinitions": "CFDefinition",
                   "CFRubrics": ["CFRubric"], "extensions": "object"}, ("CFDocument",)),
    "CFPckgDocument": (_DOC, ("identifier", "uri", "creator", "title", "lastChangeDateTime")),
    "CFDocument": ({**_DOC, "CFPackageURI": "LinkURI"},
                   ("identifier", "uri", "creator", "title", "lastChangeDateTime", "CFPackageURI")),
    "CFPckgItem": (_ITEM, ("identifier", "fullStatement", "uri", "lastChangeDateTime")),
    "CFItem": ({**_ITEM, "CFDocumentURI": "LinkURI"},
               ("identifier", "fullStatement", "uri", "lastChangeDateTime", "CFDocumentURI")),
    "CFPckgAssociation": (_ASSOC, ("identifier", "associationType", "uri", "originNodeURI",
                                   "destinationNodeURI", "lastChangeDateTime")),
    "CFAssociation": ({**_ASSOC, "CFDocumentURI": "LinkURI"},
                      ("identifier", "associationType", "uri", "originNodeURI", "destinationNodeURI",
                       "lastChangeDateTime")),
    "CFDefinition": ({"CFConcepts": ["CFConcept"], "CFSubjects": ["CFSubject"], "CFLicenses": ["CFLicense"],
                      "CFItemTypes": ["CFItemType"], "CFAssociationGroupings": ["CFAssociationGrouping"],
                      "extensions": "object"}, ()),
    "CFConcept": ({"identifier": "uuid", "uri": "uri", "title": "string", "keywords": "string",
                   "hierarchyCode": "string", "description": "string", "lastChangeDateTime": "date-time",
                   "extensions": "object"}, ("identifier", "uri", "title", "hierarchyCode", "lastChangeDateTime")),
    "CFSubject": ({"identifier": "uuid", "uri": "uri", "title": "string", "hierarchyCode": "string",
                   "description": "string", "lastChangeDateTime": "date-time", "extensions": "object"},
                  ("identifier", "uri", "title", "hierarchyCode", "lastChangeDateTime")),
    "CFLicense": ({"identifier": "uuid", "uri": "uri", "title": "string", "description": "string",
                   "licenseText": "string", "lastChangeDateTime": "date-time", "extensions": "object"},
                  ("identifier", "uri", "title", "licenseText", "lastChangeDateTime")),
    "CFItemType": ({"identifier": "uuid", "uri": "uri", "title": "string", "description": "string",
                    "hierarchyCode": "string", "typeCode": "string", "lastChangeDateTime": "date-time",
                    "extensions": "object"},
                   ("identifier", "uri", "title", "description", "hierarchyCode", "lastChangeDateTime")),
    "CFAssociationGrouping": ({"identifier": "uuid", "uri": "uri", "title": "string", "description": "string",
                               "lastChangeDateTime": "date-time", "extensions": "object"},
                              ("identifier", "uri", "title", "lastChangeDateTime")),
    "CFRubric": ({"identifier": "uuid", "uri": "uri", "title": "string", "description": "string",
                  "lastChangeDateTime": "date-time", "CFRubricCriteria": ["CFRubricCriterion"],
                  "extensions": "object"}, ("identifier", "uri", "lastChangeDateTime")),
    "CFRubricCriterion": ({"identifier": "uuid", "uri": "uri", "category": "string", "description": "string",
                           "CFItemURI": "LinkURI", "weight": "number", "position": "integer", "rubricId": "uuid",
                           "lastChangeDateTime": "date-time",
                           "CFRubricCriterionLevels": ["CFRubricCriterionLevel"], "extensions": "object"},
                          ("identifier", "uri", "lastChangeDateTime")),
    "CFRubricCriterionLevel": ({"identifier": "uuid", "uri": "uri", "description": "string", "quality": "string",
                                "score": "number", "feedback": "string", "position": "integer",
                                "rubricCriterionId": "uuid", "lastChangeDateTime": "date-time",
                                "extensions": ["object"]}, ("identifier", "uri", "lastChangeDateTime")),
    "LinkURI": ({"title": "string", "identifier": "uuid", "uri": "uri"}, ("title", "identifier", "uri")),
    "LinkGenURI": ({"title": "string", "identifier": "string", "uri": "uri", "targetType": "targetType"},
                   ("title", "identifier", "uri")),
    # Response wrappers of the REST binding.
    "CFDocumentSet": ({"CFDocuments": ["CFDocument"]}, ("CFDocuments",)),
    "CFAssociationSet": ({"CFItem": "CFItem", "CFAssociations": ["CFPckgAssociation"]},
                         ("CFItem", "CFAssociations")),
    "CFConceptSet": ({"CFConcepts": ["CFConcept"]}, ("CFConcepts",)),
    "CFSubjectSet": ({"CFSubjects": ["CFSubject"]}, ("CFSubjects",)),
    "CFItemTypeSet": ({"CFItemTypes": ["CFItemType"]}, ("CFItemTypes",)),
    "imsx_StatusInfo": ({"imsx_codeMajor": "codeMajor", "imsx_severity": "severity",
                         "imsx_description": "string", "imsx_codeMinor": "imsx_CodeMinor"},
                        ("imsx_codeMajor", "imsx_severity")),
    "imsx_CodeMinor": ({"imsx_codeMinorField": ["imsx_CodeMinorField"]}, ("imsx_codeMinorField",)),
    "imsx_CodeMinorField": ({"imsx_codeMinorFieldName": "string", "imsx_codeMinorFieldValue": "codeMinorValue"},
                            ("imsx_codeMinorFieldName", "imsx_codeMinorFieldValue")),
}
# Set wrappers require at least one member.
NON_EMPTY_ARRAYS = {("CFDocumentSet", "CFDocuments"), ("CFAssociationSet", "CFAssociations"),
                    ("CFConceptSet", "CFConcepts"), ("CFSubjectSet", "CFSubjects"),
                    ("CFItemTypeSet", "CFItemTypes"), ("imsx_CodeMinor", "imsx_codeMinorField")}

_ENUMS = {
    "caseVersion": ["1.1"],
    "codeMajor": ["failure", "processing", "success", "unsupported"],
    "severity": ["error", "status", "warning"],
    "codeMinorValue": list(CODE_MINOR_VALUES),
}


def dtype(name: str) -> str:
    """The component name used in OpenAPI for a class ("CFItem" → "CFItemDType")."""
    return f"{name}DType"


def _type_schema(t: Any) -> dict[str, Any]:
    if isinstance(t, list):
        return {"type": "array", "items": _type_schema(t[0])}
    if t in CLASSES:
        return {"$ref": f"#/components/schemas/{dtype(t)}"}
    simple = {
        "uuid": {"type": "string", "pattern": UUID_PATTERN},
        "string": {"type": "string"},
        "uri": {"type": "string", "format": "uri"},
        "date": {"type": "string", "format": "date"},
        "date-time": {"type": "string", "format": "date-time"},
        "integer": {"type": "integer", "format": "int32"},
        "number": {"type": "number", "format": "float"},
        "object": {"type": "object", "additionalProperties": True},
        "associationType": {"anyOf": [{"type": "string", "enum": list(ASSOCIATION_TYPES)},
                                      {"type": "string", "pattern": EXT_PATTERN}]},
        "targetType": {"anyOf": [{"type": "string", "enum": ["CASE"]}, {"type": "string", "pattern": EXT_PATTERN}]},
    }
    if t in simple:
        return dict(simple[t])
    if t in _ENUMS:
        return {"type": "string", "enum": list(_ENUMS[t])}
    raise KeyError(t)


def openapi_components() -> dict[str, Any]:
    """OpenAPI 3.0 component schemas for every class, with no additional properties allowed."""
    out: dict[str, Any] = {}
    for name, (fields, required) in CLASSES.items():
        props = {}
        for f, t in fields.items():
            s = _type_schema(t)
            if (name, f) in NON_EMPTY_ARRAYS:
                s["minItems"] = 1
            props[f] = s
        schema: dict[str, Any] = {"type": "object", "properties": props, "additionalProperties": False}
        if required:
            schema["required"] = list(required)
        out[dtype(name)] = schema
    return out
