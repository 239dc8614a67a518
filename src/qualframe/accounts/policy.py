"""Who may do what: the roles, the one policy table, the public exceptions, and the check itself.

Every state-changing route names an action from `POLICY` (through `qualframe.web.auth.require`), and
`allowed()` is the only function that decides. A route that changes state and names no action is
refused at start-up unless it is listed in `PUBLIC_WRITES` with the reason it is safe for anyone.
Later capabilities add their actions here, next to the existing ones.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

# Roles a membership (and an API token made from it) gives in one organisation.
ROLES: tuple[str, ...] = ("admin", "hr", "developer", "reviewer", "assessor")
ROLE_DESCRIPTIONS: dict[str, str] = {
    "admin": "manages the organisation's members, tokens and profile; reads its audit trail",
    "hr": "keeps the organisation's job catalogue (positions placed on levels)",
    "developer": "drafts professional standards",
    "reviewer": "reviews professional standards",
    "assessor": "assesses people and issues certificates (recognition centres)",
}

Scope = Literal["org", "platform", "self"]


@dataclass(frozen=True, slots=True)
class Rule:
    """`org`: a role in the organisation named by the route; `platform`: superusers only;
    `self`: any signed-in user, acting on their own account."""

    scope: Scope
    roles: frozenset[str] = frozenset()
    description: str = ""


def _org(*roles: str, description: str) -> Rule:
    return Rule("org", frozenset(roles), description)


# The one table of actions. Superusers may do everything except act through an org-scoped token.
POLICY: dict[str, Rule] = {
    "account.read": Rule("self", description="see who one is: user, organisations, roles"),
    "account.update": Rule("self", description="change one's own language, name or password"),
    "account.tokens": Rule("self", description="create and revoke one's own API tokens (for a role one holds)"),
    "session.logout": Rule("self", description="end one's own session"),
    "org.create": Rule("platform", description="create an organisation"),
    "user.manage": Rule("platform", description="create users, set their passwords, grant superuser"),
    "audit.read_all": Rule("platform", description="read and verify the whole audit trail"),
    "org.update": _org("admin", description="change the organisation's names and accreditation"),
    "org.members.read": _org("admin", description="see the organisation's members and their roles"),
    "org.members.manage": _org("admin", description="add and remove members and roles"),
    "org.tokens.manage": _org("admin", description="create API tokens for members, list and revoke any"),
    "org.audit.read": _org("admin", description="read the organisation's audit trail"),
    # For the capabilities built on this base (job catalogue, standards, certificates):
    "catalogue.write": _org("admin", "hr", description="place the organisation's positions on levels"),
    "catalogue.read": _org("admin", "hr", description="see the organisation's job catalogue, placements, "
                                                      "decisions and exports"),
    "standards.draft": _org("developer", description="draft a professional standard"),
    "standards.review": _org("reviewer", description="review a professional standard"),
    "standards.comment": _org("developer", "reviewer", description="comment on the elements of a draft standard"),
    "standards.publish": _org("reviewer", "admin", description="publish an approved professional standard"),
    "standards.read": _org("developer", "reviewer", "admin",
                           description="see the organisation's unpublished standards (drafts, in review)"),
    "credentials.issue": _org("assessor", "admin", description="record assessments and issue certificates"),
    "credentials.programmes": _org("admin", "assessor", description="define the centre's qualification programmes"),
    "credentials.status": _org("assessor", "admin", description="revoke, suspend or reinstate the centre's "
                                                                "certificates (with a reason)"),
}

# State-changing routes anyone may call, with the reason. Keys are (method, path template).
PUBLIC_WRITES: dict[tuple[str, str], str] = {
    ("POST", "/api/v1/match"): "computes level suggestions for a text; writes nothing",
    ("POST", "/match"): "the form twin of POST /api/v1/match; writes nothing (CSRF-checked like every form)",
    ("POST", "/login"): "how a session is obtained; rate-limited per account and address, CSRF-checked",
    ("POST", "/self-assessment"): "a specialist's self-assessment needs no account; stores only rows and ratings "
                                  "(no personal data) behind an unguessable link; CSRF-checked, size- and "
                                  "rate-limited per address",
    ("POST", "/api/v1/self-assessments"): "the API twin of POST /self-assessment (JSON only: a cross-site form "
                                          "cannot send it); size- and rate-limited per address",
    ("POST", "/self-assessment/{token}/handoff"): "the holder of a self-assessment's unguessable link hands it to "
                                                  "a recognition centre (name, one contact, consent; no account); "
                                                  "CSRF-checked, rate-limited per address and per self-assessment",
    ("POST", "/api/v1/self-assessments/{token}/handoff"): "the API twin of POST /self-assessment/{token}/handoff "
                                                          "(JSON only: a cross-site form cannot send it); "
                                                          "rate-limited per address and per self-assessment",
    ("POST", "/verify"): "checks a pasted or uploaded credential and shows the result; writes nothing "
                         "(CSRF-checked like every form)",
    ("POST", "/credentials/verify"): "VC API: verifies a credential against this register; writes nothing "
                                     "(JSON only: a cross-site form cannot send it)",
    ("POST", "/presentations/verify"): "VC API: verifies a presentation and its credentials; writes nothing "
                                       "(JSON only: a cross-site form cannot send it)",
}


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is asking: a user through a session or a token, or an operator at the command line."""

    user_id: int | None
    email: str
    display_name: str
    lang: str = "kk"
    is_superuser: bool = False
    via: Literal["session", "token", "cli"] = "session"
    roles: Mapping[str, frozenset[str]] = field(default_factory=dict)  # org slug -> roles held there
    token_id: int | None = None
    session_digest: str | None = None

    def roles_in(self, org: str | None) -> frozenset[str]:
        return self.roles.get(org, frozenset()) if org else frozenset()

    @property
    def actor(self) -> str:
        """How the audit trail names this principal."""
        if self.via == "cli":
            return self.email
        if self.via == "token":
            return f"user:{self.user_id} token:{self.token_id}"
        return f"user:{self.user_id}"


def rule(action: str) -> Rule:
    try:
        return POLICY[action]
    except KeyError:
        raise KeyError(f"unknown action {action!r}; add it to qualframe.accounts.policy.POLICY") from None


def allowed(principal: Principal | None, action: str, org: str | None = None) -> bool:
    """The single decision: may `principal` perform `action` (in organisation `org`)?"""
    r = rule(action)
    if principal is None:
        return False
    if principal.via == "cli":
        return True  # the operator at the console owns the instance
    superuser = principal.is_superuser and principal.via == "session"
    if r.scope == "self":
        return True
    if r.scope == "platform":
        return superuser
    if superuser:
        return True
    return bool(principal.roles_in(org) & r.roles)


def roles_refused(action: str) -> list[str]:
    """Roles that may NOT perform an org action (the deny-by-default test signs in with one of them)."""
    r = rule(action)
    return [x for x in ROLES if x not in r.roles]
