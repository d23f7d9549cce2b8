"""The convention as an editable DOCX, from the same data as its PDF, for the rare case an
agent must adjust the wording before the text is frozen."""

from io import BytesIO

from docx import Document as DocxDocument
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Pt


def agreement_docx(data: dict) -> bytes:
    doc = DocxDocument()
    style = doc.styles["Normal"]
    style.font.name = "Liberation Serif"
    style.font.size = Pt(11)
    doc.core_properties.title = f"Convention — {data['title']}"
    doc.core_properties.author = "Département du Pas-de-Calais"
    doc.core_properties.language = "fr-FR"
    header = doc.sections[0].header.paragraphs[0]
    header.text = f"DÉPARTEMENT DU PAS-DE-CALAIS — {data['reference']}"
    title = doc.add_heading("CONVENTION DE SUBVENTION D'INVESTISSEMENT", level=0)
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    doc.add_paragraph(data["title"]).alignment = WD_ALIGN_PARAGRAPH.CENTER
    doc.add_paragraph(
        f"Entre le Département du Pas-de-Calais, représenté par {data['department_signatory']}, "
        f"dûment habilité par la délibération n°{data['deliberation']} du "
        f"{data['vote_date_words']}, ci-après « le Département »,"
    )
    doc.add_paragraph(
        f"et {data['partner']}, {data['partner_ids']}, représenté par "
        f"{data['partner_signatory']}, ci-après « le bénéficiaire »."
    )
    articles = [
        (
            "Article 1 – Objet",
            f"La présente convention fixe les conditions dans lesquelles le Département soutient "
            f"l'opération « {data['title']} » ({data['reference']}), portée par le bénéficiaire "
            f"sur {data['communes']}, au titre du Fonds d'Innovation Territorial.",
        ),
        (
            "Article 2 – Montant et taux de la subvention",
            f"Le Département attribue au bénéficiaire une subvention d'investissement de "
            f"{data['amount']} ({data['amount_words']}), soit {data['rate']} de la dépense "
            f"subventionnable de {data['basis']} {data['basis_label']}.",
        ),
        (
            "Article 3 – Modalités de versement",
            f"Une avance de {data['advance_percent']} au plus à la signature ; des acomptes sur "
            f"état récapitulatif des dépenses acquittées jusqu'à {data['instalments_percent']}, "
            "avance comprise ; le solde sur certificat d'achèvement, réduit au prorata si les "
            "dépenses réalisées sont inférieures à la dépense subventionnable.",
        ),
        (
            "Article 4 – Délais et caducité",
            f"Commencement dans les {data['start_years']} ans de la délibération d'attribution "
            "(prorogeable une fois d'un an), achèvement dans les "
            f"{data['completion_years']} ans de la signature ; à défaut, la part non versée est "
            "annulée.",
        ),
        (
            "Article 5 – Obligations de communication",
            "Logo du Département sur les panneaux de chantier et les supports de communication, "
            "mention du soutien dans les publications, invitation aux inaugurations.",
        ),
        (
            "Article 6 – Engagements réciproques",
            "; ".join(data["commitments"]) or "Compte rendu annuel au comité de pilotage.",
        ),
        ("Article 7 – Suivi", "Examen annuel par le comité de pilotage du contrat."),
        (
            "Article 8 – Résiliation",
            "Résiliation après mise en demeure restée sans effet pendant un mois ; reversement "
            "des sommes versées.",
        ),
    ]
    for heading, text in articles:
        doc.add_heading(heading, level=1)
        doc.add_paragraph(text)
    table = doc.add_table(rows=1, cols=2)
    table.rows[0].cells[0].text = f"Pour le bénéficiaire,\n{data['partner_signatory']}"
    table.rows[0].cells[1].text = f"Pour le Département,\n{data['department_signatory']}"
    buffer = BytesIO()
    doc.save(buffer)
    return buffer.getvalue()
