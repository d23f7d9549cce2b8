"""The assembly's documents — deliberations, reports and their annexes, minutes — as the data of
their Typst templates, and their storage as PDF documents. By subject: text, votes, deliberation,
annex, report, minutes, stored."""

from .annex import subsidies_annex
from .deliberation import deliberation_data, publication_stamp
from .minutes import minutes_data, minutes_pdf
from .report import report_data
from .stored import deliberation_documents_generate, published_document_generate
from .text import articles

__all__ = [
    "articles",
    "deliberation_data",
    "deliberation_documents_generate",
    "minutes_data",
    "minutes_pdf",
    "publication_stamp",
    "published_document_generate",
    "report_data",
    "subsidies_annex",
]
