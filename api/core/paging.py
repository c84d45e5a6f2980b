"""A page of a collection, as services take it (the query parameters are in ``api.http.deps``)."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Paging:
    page: int
    page_size: int

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.page_size
