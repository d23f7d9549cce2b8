"""Full-text search of operations, the same on SQLite and PostgreSQL.

Each operation has a search document (`OperationSearch`): its reference, title and description,
its partner's name and its communes' names, in lower case without accents or punctuation. The
document is rewritten whenever one of these changes (`refresh`, called by the signals below
and by the bulk writers).

- **SQLite**: an FTS5 index over the documents (`operations_search_fts`, kept in step by
  triggers), ranked by bm25.
- **PostgreSQL**: a stored column `vector` (`to_tsvector('simple', text)`, written with the text)
  under a GIN index, ranked by `ts_rank`.

A query is cut into words the same way (lower case, accents removed); every word must appear,
as a word or as the beginning of one (« epic » finds « épicerie », « épiceries »): the same rows
on both databases, as the user types. Words are not stemmed, so that both databases agree; the
prefix match covers plurals. Nothing the user types reaches the SQL as syntax: the words are
letters and digits only, each quoted.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from typing import Any, TypeVar, cast

from django.db import connection
from django.db.models import ExpressionWrapper, FloatField, QuerySet, Value
from django.db.models.expressions import RawSQL
from django.db.models.signals import m2m_changed, post_save

# Past this many words, a query is cut: a search of 10 000 characters stays a search.
MAX_WORDS = 12
MAX_WORD_LENGTH = 40
WORD = re.compile(r"[0-9a-z]+")
FTS_TABLE = "operations_search_fts"

_QuerySet = TypeVar("_QuerySet", bound=QuerySet[Any])


def normalize(text: str) -> str:
    """Lower case, no accents, ligatures spread (« œ » → « oe »), punctuation as spaces."""
    decomposed = unicodedata.normalize("NFKD", (text or "").casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    plain = plain.replace("œ", "oe").replace("æ", "ae").replace("ß", "ss")
    return " ".join(WORD.findall(plain))


def words(query: str) -> list[str]:
    """The words of a query, as the documents hold them (at most MAX_WORDS, each cut)."""
    found = normalize(query[:2000]).split()
    unique = list(dict.fromkeys(w[:MAX_WORD_LENGTH] for w in found))
    return unique[:MAX_WORDS]


def document(
    *, reference: str, title: str, description: str, partner: str, communes: Iterable[str]
) -> str:
    """The words of an operation. `communes` are names and INSEE codes; a reference also gives
    its number without its leading zeros (« OP-2023-00066 » is found by « 66 »)."""
    number = reference.rsplit("-", 1)[-1].lstrip("0")
    return normalize(" ".join([reference, number, title, partner, " ".join(communes), description]))


def documents(operation_model: Any, search_model: Any, ids: list[int]) -> list[Any]:
    """The search documents (unsaved) of the operations `ids`, in two queries. The models are
    given so that the migration that writes the first documents passes its own."""
    communes: dict[int, list[str]] = defaultdict(list)
    through = operation_model.communes.through
    for operation_id, name, code in through.objects.filter(operation_id__in=ids).values_list(
        "operation_id", "commune__name", "commune__insee_code"
    ):
        communes[operation_id] += [name, code]
    return [
        search_model(
            operation_id=pk,
            text=document(
                reference=reference,
                title=title,
                description=description,
                partner=partner,
                communes=communes[pk],
            ),
        )
        for pk, reference, title, description, partner in operation_model.objects.filter(
            pk__in=ids
        ).values_list("pk", "reference", "title", "description", "contract__partner__name")
    ]


def refresh(operation_ids: Iterable[int]) -> int:
    """Rewrite the search documents of these operations (three queries per thousand)."""
    from .models import Operation, OperationSearch

    ids = sorted(set(operation_ids))
    for start in range(0, len(ids), 1000):
        chunk = ids[start : start + 1000]
        rows = documents(Operation, OperationSearch, chunk)
        OperationSearch.objects.filter(operation_id__in=chunk).delete()
        OperationSearch.objects.bulk_create(rows)
    return len(ids)


def rebuild() -> int:
    """Every operation's document written again (after a referential import that renamed
    communes, or to repair the index)."""
    from .models import Operation

    return refresh(Operation.objects.values_list("pk", flat=True))


def matching(queryset: _QuerySet, query: str) -> _QuerySet:
    """`queryset` narrowed to the operations whose document holds every word of `query` (as a
    word or a word's beginning), annotated with `relevance` (higher first). A query without
    any word (punctuation, emoji) finds nothing."""
    found = words(query)
    if not found:
        nothing = queryset.none().annotate(relevance=Value(0.0, output_field=FloatField()))
        return cast(_QuerySet, nothing)
    if connection.vendor == "postgresql":
        terms = " & ".join(f"'{w}':*" for w in found)
        vector = "operations_operationsearch.vector"  # to_tsvector('simple', text), stored
        joined = queryset.extra(
            tables=["operations_operationsearch"],
            where=[
                "operations_operationsearch.operation_id = operations_operation.id",
                f"{vector} @@ to_tsquery('simple', %s)",
            ],
            params=[terms],
        )
        # Normalised by the document's length (1: divided by 1 + its logarithm), as bm25 is.
        relevance = RawSQL(f"ts_rank({vector}, to_tsquery('simple', %s), 1)", [terms])
    else:
        terms = " AND ".join(f'"{w}"*' for w in found)
        joined = queryset.extra(
            tables=[FTS_TABLE],
            where=[f"{FTS_TABLE}.rowid = operations_operation.id", f"{FTS_TABLE} MATCH %s"],
            params=[terms],
        )
        relevance = RawSQL(f"-bm25({FTS_TABLE})", [])  # bm25 is lower for better matches
    ranked = joined.annotate(relevance=ExpressionWrapper(relevance, output_field=FloatField()))
    return cast(_QuerySet, ranked)


# --- Keeping the documents in step ---------------------------------------------------------

DOCUMENT_FIELDS = {"reference", "title", "description", "contract", "contract_id"}


def _operation_saved(sender, instance, created, update_fields=None, raw=False, **kwargs) -> None:
    if raw:
        return
    if created or update_fields is None or DOCUMENT_FIELDS & set(update_fields):
        refresh([instance.pk])


def _communes_changed(sender, instance, action, reverse, pk_set, **kwargs) -> None:
    if action not in {"post_add", "post_remove", "post_clear"}:
        return
    from .models import Operation

    if not reverse:
        refresh([instance.pk])
    elif action == "post_clear":
        refresh(Operation.objects.filter(communes=instance).values_list("pk", flat=True))
    else:
        refresh(pk_set or [])


def _named_saved(sender, instance, created, update_fields=None, raw=False, **kwargs) -> None:
    """A partner or a commune renamed: the documents of its operations follow."""
    if raw or created or (update_fields is not None and "name" not in update_fields):
        return
    from .models import Operation

    if sender._meta.model_name == "partner":
        operations = Operation.objects.filter(contract__partner=instance)
    else:
        operations = Operation.objects.filter(communes=instance)
    refresh(operations.values_list("pk", flat=True))


def connect() -> None:
    from pacte.contracts.models import Partner
    from pacte.territory.models import Commune

    from .models import Operation

    post_save.connect(_operation_saved, sender=Operation, dispatch_uid="operation_search")
    m2m_changed.connect(
        _communes_changed, sender=Operation.communes.through, dispatch_uid="operation_search_m2m"
    )
    for model in (Partner, Commune):
        post_save.connect(_named_saved, sender=model, dispatch_uid=f"operation_search_{model}")
