"""Generated explanations as translatable messages: a code and its parameters, rendered in any UI language.

The ingester explains how it decided each row's level ("SQF 62 printed; NQF cell empty ..."). It keeps
that explanation as a :class:`Message` (a stable code plus parameters, some of them nested messages)
next to the English text, so the web app and the CLI can render it through gettext in Kazakh, Russian
or English. The English msgids live here, marked with ``N_`` so ``make messages`` extracts them into
the catalogs; the model itself never translates (it has no catalogs), it only renders with the
``gettext`` function it is given.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Union


def N_(msgid: str) -> str:  # the gettext convention: mark for extraction, translate later
    """Mark `msgid` for extraction without translating it here."""
    return msgid


# code -> English msgid. Codes are stored in the dataset, so keep them stable; the English wording may
# change (then run `make messages` and re-translate). The English rendering must stay what the
# ingester printed before, because it is also the row's `level_evidence` text.
LEVEL_EVIDENCE: dict[str, str] = {
    "printed.nqf_sqf": N_("NQF %(nqf)s and SQF %(sqf)s printed"),
    "printed.sqf_merged": N_(
        "SQF %(sqf)s printed; NQF cell empty (merged with the row above), NQF %(nqf)s from the code"),
    "printed.sqf_lost": N_("SQF %(sqf)s printed; NQF cell lost, NQF %(nqf)s from the code"),
    "printed.one": N_("one number (%(value)s) printed; read as the NQF level, the SQF cell was lost"),
    "order.only": N_("from order: the only level left %(where)s"),
    "order.overfull": N_(
        "%(rows)s rows %(where)s cannot be placed on levels %(low)s-%(high)s with at most %(max)s rows per level"),
    "content.conflict": N_(
        "wording matches level %(level)s (%(ref)s, similarity %(similarity)s)%(hint)s, but its place %(where)s "
        "implies level %(order_level)s; kept as printed in the table's order"),
    "content.tie": N_("order and wording fit levels %(levels)s about equally %(where)s"),
    "content.closest": N_(
        "from order and content: %(where)s stand %(rows)s rows for the %(count)s level(s) %(levels)s, so some "
        "are sub-levels; wording closest to level %(level)s %(ref)s (similarity %(similarity)s)%(hint)s"),
    # pieces nested in the messages above
    "where.between": N_("%(after)s and %(before)s"),
    "where.after_level": N_("after the level-%(level)s row"),
    "where.start": N_("at the start of the block"),
    "where.before_level": N_("before the level-%(level)s row"),
    "where.end": N_("before the end of the block"),
    "ref.row": N_("row at line %(line)s (area %(area)s)"),
    "ref.none": N_("no row"),
    "hint.staff": N_("; the text mentions level-%(level)s staff"),
}

Param = Union[int, float, str, list[int], "Message"]  # a string forward reference needs Union


@dataclass(frozen=True, slots=True)
class Message:
    """One translatable explanation: `code` names its msgid in :data:`LEVEL_EVIDENCE`."""

    code: str
    params: Mapping[str, Param] = field(default_factory=dict)

    def __hash__(self) -> int:  # rows are frozen and hashable; params hold lists, so hash their repr
        return hash((self.code, repr(sorted(self.params.items()))))

    def render(self, gettext: Callable[[str], str] | None = None) -> str:
        """The text in the language of `gettext` (English, the msgid language, without one)."""
        tr = gettext or (lambda s: s)
        return tr(LEVEL_EVIDENCE[self.code]) % {k: _value(v, tr) for k, v in self.params.items()}

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code,
                "params": {k: v.to_dict() if isinstance(v, Message) else v for k, v in self.params.items()}}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Message:
        code = d["code"]
        if code not in LEVEL_EVIDENCE:
            raise ValueError(f"unknown message code {code!r}")
        params = {k: cls.from_dict(v) if isinstance(v, Mapping) else v for k, v in (d.get("params") or {}).items()}
        return cls(code, params)


def _value(v: Param, tr: Callable[[str], str]) -> str:
    if isinstance(v, Message):
        return v.render(tr)
    if isinstance(v, float):
        return f"{v:.2f}"  # similarities: two decimals, as the ingester always printed them
    if isinstance(v, list):
        return ", ".join(str(x) for x in v)
    return str(v)


class Text(str):
    """An English sentence that remembers its msgid and parameters, so a page can show it in another language.

    It *is* the English string: JSON answers, logs, the CLI and the API keep the stable English text and
    nothing that compares or joins strings changes. A page translates it with :meth:`render` (the web app's
    ``text()`` template function). Parameters that are themselves :class:`Text` are translated too. Unlike
    :class:`Message` it needs no code table: the msgid is marked with ``N_`` where the sentence is made, e.g.
    ``Text(N_("expired: %(key)s %(value)s"), key=k, value=v)``. Where one is stored (a job's row reasons), it is
    kept beside its English with :meth:`to_dict` and read back with :meth:`from_dict` against the msgids the
    caller accepts.
    """

    msgid: str
    params: dict[str, Any]

    def __new__(cls, msgid: str, **params: Any) -> Text:
        self = super().__new__(cls, msgid % params if params else msgid)
        self.msgid = msgid
        self.params = params
        return self

    def to_dict(self) -> dict[str, Any]:
        """{msgid, params} (plain parameters only: nested :class:`Text` are not stored)."""
        return {"msgid": self.msgid, "params": dict(self.params)}

    @classmethod
    def from_dict(cls, d: Any, accepted: Collection[str]) -> Text | None:
        """The :class:`Text` that :meth:`to_dict` gave; None unless its msgid is `accepted` and its
        parameters are plain strings or integers that fill it."""
        if not isinstance(d, Mapping) or d.get("msgid") not in accepted:
            return None
        params = d.get("params")
        if not isinstance(params, Mapping) or not all(isinstance(v, str | int) for v in params.values()):
            return None
        try:
            return cls(d["msgid"], **params)
        except (KeyError, TypeError, ValueError):
            return None

    def render(self, gettext: Callable[[str], str] | None = None) -> str:
        """The sentence in the language of `gettext` (the English text without one)."""
        if gettext is None:
            return str(self)
        if not self.params:
            return gettext(self.msgid)
        return gettext(self.msgid) % {k: v.render(gettext) if isinstance(v, Text) else v
                                      for k, v in self.params.items()}


def labelled(field: str, message: str) -> Text:
    """"field: message" as a :class:`Text` (either part may itself be a :class:`Text`): the English error
    line the API and the CLI give, translated part by part on a page."""
    return Text(N_("%(field)s: %(message)s"), field=field, message=message)


class _InContext(Text):
    """A label translated the way ``pgettext(context, msgid)`` translates it (see :func:`in_context`)."""

    context: str

    def render(self, gettext: Callable[[str], str] | None = None) -> str:
        if gettext is None:
            return str(self)
        key = f"{self.context}\x04{self.msgid}"  # how a compiled catalog keys a msgctxt entry
        out = gettext(key)
        return self.msgid if out == key else out


def in_context(context: str, msgid: str) -> Text:
    """`msgid` (e.g. a request's state, "declined") as a :class:`Text` that a page translates as its label
    ``pgettext(context, msgid)``, so a sentence names a state the way the page's lists do. Not extracted: the
    templates that show the label keep that msgctxt entry in the catalogs; an unknown label stays as it is."""
    label = _InContext(msgid)
    label.context = context
    return label


# Field names as a person reads them on a page. The msgid is the field's name as the API and the CLI give it,
# so the English stays word for word what they always said.
FIELD_LABELS: dict[str, str] = {
    "email": N_("email"), "name": N_("name"), "lang": N_("lang"), "slug": N_("slug"), "kind": N_("kind"),
    "role": N_("role"), "expires": N_("expires"), "accreditation": N_("accreditation"),
    "valid-to": N_("valid-to"), "reason": N_("reason"),
}


def field_label(name: str) -> str:
    """The field `name` as a page shows it: a :class:`Text` for a field in FIELD_LABELS, else the name."""
    return Text(FIELD_LABELS[name]) if name in FIELD_LABELS else name


def not_one_of(value: str, allowed: Iterable[str]) -> Text:
    """"'value' is not one of a, b, c" as a :class:`Text`."""
    return Text(N_("%(state)s is not one of %(states)s"), state=repr(value), states=", ".join(allowed))
