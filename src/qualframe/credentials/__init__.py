"""Verifiable credentials for qualification certificates: pure domain logic, no web and no database.

- `jsonld`: the shipped, hash-pinned JSON-LD contexts and strict RDFC-1.0 canonicalisation;
- `multibase`, `didkey`: base58btc/base64url and did:key (Ed25519);
- `dataintegrity`: `DataIntegrityProof` / `eddsa-rdfc-2022` create and verify (proof sets and chains);
- `keys`: Ed25519 keys sealed under the operator's key-encryption key ($QUALFRAME_SECRET_KEY[_FILE]);
- `statuslist`: Bitstring Status List (revocation, suspension);
- `iin`: Kazakh IIN validation and hashing;
- `openbadge`: building and signing an Open Badges 3.0 `OpenBadgeCredential`;
- `verify`: offline verification of credentials and presentations as named checks.
"""
