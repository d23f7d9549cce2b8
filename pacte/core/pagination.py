"""Pages of API lists. A page number or a page size is whatever a client sends: beyond what a
database offset can hold, the page is simply empty (as any page past the last), never an error."""

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja.pagination import PageNumberPagination

from pacte.core.ids import MAX_ID

MAX_PAGE_SIZE = 500


class Pages(PageNumberPagination):
    """`?page=N&page_size=M` (M at most 500); a page past the end is an empty list."""

    def __init__(self, page_size: int = 100, **kwargs: Any) -> None:
        super().__init__(page_size=page_size, max_page_size=MAX_PAGE_SIZE, **kwargs)

    def paginate_queryset(
        self,
        queryset: QuerySet[Any],
        pagination: PageNumberPagination.Input,
        request: HttpRequest,
        **params: Any,
    ) -> Any:
        page_size = self._get_page_size(pagination.page_size)
        offset = (pagination.page - 1) * page_size
        items = queryset[offset : offset + page_size] if offset + page_size <= MAX_ID else []
        return {self.items_attribute: items, "count": self._items_count(queryset)}
