"""The life of a standard version: draft → in review → approved → published, and the rules of each step.

- developers edit a draft and send it to review (only when no check reports an error);
- reviewers comment per element while it is in review, send it back to draft, or approve it; a
  reviewer may not approve a version they edited themselves (every edit records its author);
- an approved version is published (code and date assigned); a published version is immutable, and
  changing it starts a new version: a draft copying it.
"""

from __future__ import annotations

from dataclasses import dataclass

from qualframe.model.messages import N_, Text, in_context

STATES = ("draft", "in_review", "approved", "published")
EDITABLE = frozenset({"draft"})
COMMENTABLE = frozenset({"draft", "in_review"})


@dataclass(frozen=True)
class Transition:
    name: str
    sources: tuple[str, ...]
    target: str
    action: str  # the policy action (qualframe.accounts.policy) a route for it requires


TRANSITIONS: dict[str, Transition] = {
    "submit": Transition("submit", ("draft",), "in_review", "standards.draft"),
    "return": Transition("return", ("in_review", "approved"), "draft", "standards.review"),
    "approve": Transition("approve", ("in_review",), "approved", "standards.review"),
    "publish": Transition("publish", ("approved",), "published", "standards.publish"),
}


class WorkflowError(Exception):
    """A step that is not allowed now; `kind` is conflict (wrong state) or forbidden (wrong person). `message` is
    a :class:`Text` naming states as the standards pages label them: English in the API, translated on a page."""

    def __init__(self, message: str, kind: str = "conflict") -> None:
        super().__init__(message)
        self.message = message
        self.kind = kind


# one sentence per step: the verb cannot be a parameter in Kazakh or Russian
_CANNOT = {
    "submit": N_("cannot submit a version that is %(status)s (only from %(sources)s)"),
    "return": N_("cannot return a version that is %(status)s (only from %(sources)s)"),
    "approve": N_("cannot approve a version that is %(status)s (only from %(sources)s)"),
    "publish": N_("cannot publish a version that is %(status)s (only from %(sources)s)"),
}


def status_label(status: str) -> Text:
    """A version's status ("in_review") named as the pages label it ("in review", context "standard status")."""
    return in_context("standard status", status.replace("_", " "))


def _either(states: tuple[str, ...]) -> Text:
    out = status_label(states[0])
    for s in states[1:]:
        out = Text(N_("%(first)s or %(second)s"), first=out, second=status_label(s))
    return out


def check_transition(name: str, status: str, *, actor_id: int | None = None, editors: list[int] | None = None,
                     errors: int = 0) -> Transition:
    """The transition `name` from `status`, or WorkflowError saying why it cannot happen."""
    t = TRANSITIONS.get(name)
    if t is None:
        raise WorkflowError(Text(N_("unknown transition %(name)s; one of %(names)s"), name=repr(name),
                                 names=", ".join(TRANSITIONS)), "invalid")
    if status not in t.sources:
        raise WorkflowError(Text(_CANNOT[name], status=status_label(status), sources=_either(t.sources)))
    if name == "submit" and errors:
        raise WorkflowError(Text(N_("%(n)s check(s) report errors; fix them before sending the standard to review"),
                                 n=errors))
    if name == "approve" and actor_id is not None and actor_id in (editors or []):
        raise WorkflowError(Text(N_("a reviewer may not approve a version they edited themselves; another reviewer "
                                    "must approve it")), "forbidden")
    return t


def check_editable(status: str) -> None:
    if status not in EDITABLE:
        raise WorkflowError(Text(
            N_("the version is %(status)s: only a draft can be edited; start a new version to change a published "
               "standard") if status == "published" else
            N_("the version is %(status)s: only a draft can be edited; a reviewer can send it back to draft"),
            status=status_label(status)))


def standard_code(area: str | None, seq: int, year: int) -> str:
    """The code a standard gets on its first publication (kept by its later versions)."""
    return f"PS-ICT-{(area or '3').replace('.', '')}-{year}-{seq:04d}"
