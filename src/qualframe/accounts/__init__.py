"""Accounts: people, organisations, roles, API tokens and the tamper-evident audit trail (domain rules only).

No database or web code here: `qualframe.store.accounts` persists, `qualframe.web.auth` and
`qualframe.web.routes.accounts` / `orgs` serve, `qualframe.cli.accounts` operates. No IIN is ever held.

* `policy`: roles, the one table of which role may do which action, the public exceptions, `allowed()`;
* `passwords`: Argon2id hashing (argon2-cffi), bounded in flight;
* `tokens`: session ids, API tokens and CSRF tokens (only digests are stored);
* `audit`: canonical serialisation, the hash chain and its verification;
* `values`: validation of emails, slugs, roles, kinds, languages, durations.
"""

from qualframe.accounts.policy import POLICY, PUBLIC_WRITES, ROLES, Principal, allowed

__all__ = ["POLICY", "PUBLIC_WRITES", "ROLES", "Principal", "allowed"]
