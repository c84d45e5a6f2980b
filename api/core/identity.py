"""The caller's identity as services see it: a role, whom it acts for, and its municipalities.

``api.http.deps`` finds it from the request's API key; the command line builds one itself.
"""

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

from api.core.exceptions import Forbidden
from schemas import Initiative, Role


@dataclass(frozen=True)
class Principal:
    """Who is calling: a role, for contacts and initiators whom the key acts for, and the
    municipalities it acts for.

    ``municipality_codes`` is None for a national admin (the admin token, an admin key without
    codes) and for anonymous callers (public data only). Broker, portal and municipal admin
    keys carry their codes; a contact key its contact's municipality; an initiator key the
    municipalities of its own initiatives (whose civil servants it may see; the initiatives
    themselves it finds by ownership, and it registers new ones anywhere).
    """

    role: Role | None
    subject: str | None = None
    key_id: int | None = None
    municipality_codes: frozenset[str] | None = None

    @property
    def is_staff(self) -> bool:
        """Admins and brokers see and manage everything in their municipalities."""
        return self.role in (Role.admin, Role.broker)

    @property
    def is_national(self) -> bool:
        """An admin for every municipality: the only kind that creates municipalities and
        keys for any municipality."""
        return self.role is Role.admin and self.municipality_codes is None

    def acts_for(self, municipality_code: str) -> bool:
        return self.municipality_codes is None or municipality_code in self.municipality_codes

    def acts_for_all(self, municipality_codes: Iterable[str]) -> bool:
        return self.municipality_codes is None or set(municipality_codes) <= self.municipality_codes

    def confine(self, municipality_code: str) -> None:
        """403 when the caller does not act for this municipality (for writes that name it;
        a read of another municipality's record is a 404 in its lookup instead)."""
        if not self.acts_for(municipality_code):
            raise Forbidden(f"This key does not act for municipality {municipality_code}.")

    def is_contact(self, contact_id: int) -> bool:
        return self.role is Role.contact and self.subject == str(contact_id)

    def owns_initiative(self, initiative: Initiative) -> bool:
        return (
            self.role is Role.initiator
            and self.subject is not None
            and self.subject.casefold() == initiative.initiator_email.casefold()
        )


ANONYMOUS = Principal(role=None)


def hash_token(token: str) -> str:
    """How an API key is stored and looked up: its SHA-256, never the token itself."""
    return hashlib.sha256(token.encode()).hexdigest()
