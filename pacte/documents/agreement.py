"""The convention's text, written once: its heading, parties, visas, articles and signature
blocks, from the facts of `rendering.agreement_data`. The PDF (typst/agreement.typ) and the
editable DOCX (docx.py) both set this text and add no word of their own, so that the two forms
say the same thing; the text is kept in the document's data with the facts it was made from.

Every string is plain text, never markup: a template inserts it as a string, so that a title
holding `*`, `#` or `_` prints as typed."""

from typing import Any, Literal, NotRequired, TypedDict

from pacte.core.french import curly_apostrophes, french_spacing


class Run(TypedDict):
    """A piece of a paragraph, set in bold or not; a proper name is never hyphenated."""

    text: str
    bold: bool
    name: NotRequired[bool]


class Paragraph(TypedDict):
    kind: Literal["paragraph"]
    runs: list[Run]


class BulletList(TypedDict):
    """A bulleted list: each item its runs. It follows the paragraph that announces it."""

    kind: Literal["list"]
    items: list[list[Run]]


Block = Paragraph | BulletList


class Heading(TypedDict):
    generation: str
    title: str
    subject: str


class Article(TypedDict):
    heading: str
    blocks: list[Block]


class SignatureBlock(TypedDict):
    signer: str  # "partner" or "department", as the signature steps name them
    side: str
    name: str


class AgreementText(TypedDict):
    heading: Heading
    parties: list[Paragraph]
    visas: list[str]
    agreed: Paragraph
    articles: list[Article]
    signatures: list[SignatureBlock]


TITLE = "CONVENTION DE SUBVENTION D’INVESTISSEMENT"


def plain(text: str) -> Run:
    return {"text": text, "bold": False}


def bold(text: str) -> Run:
    return {"text": text, "bold": True}


def proper_name(text: str) -> Run:
    """A name (a person's, a partner's): cut at no line end, « Gon-calves » reads wrong."""
    return {"text": text, "bold": False, "name": True}


def paragraph(*runs: Run | str) -> Paragraph:
    return {"kind": "paragraph", "runs": [plain(r) if isinstance(r, str) else r for r in runs]}


def bullets(*items: str) -> BulletList:
    return {"kind": "list", "items": [[plain(item)] for item in items]}


def agreement_text(facts: dict[str, Any]) -> AgreementText:
    """The convention as its parties read it, in French typography (no-break spaces before
    « ; : » and inside quotes)."""
    d = facts
    commitments: list[Block]
    if d["commitments"]:
        commitments = [
            paragraph("Le bénéficiaire s’engage, en contrepartie du soutien du Département :"),
            bullets(*d["commitments"]),
        ]
    else:
        commitments = [
            paragraph(
                "Le bénéficiaire s’engage à rendre compte de l’avancement de l’opération lors "
                "du comité de pilotage annuel de son contrat."
            )
        ]
    text: AgreementText = {
        "heading": {
            "generation": d["generation"].upper(),
            "title": TITLE,
            "subject": d["title"],
        },
        "parties": [
            paragraph(bold("Entre")),
            paragraph(
                "le Département du Pas-de-Calais, représenté par ",
                proper_name(d["department_signatory"]),
                f", dûment habilité par la délibération n°{d['deliberation']} du "
                f"{d['vote_date_words']}, ci-après « le Département »,",
            ),
            paragraph(bold("et")),
            paragraph(
                proper_name(d["partner"]),
                f", {d['partner_ids']}, {d.get('partner_represented', 'représenté')} par ",
                proper_name(d["partner_signatory"]),
                ", ci-après « le bénéficiaire ».",
            ),
        ],
        "visas": [
            "Vu le Code général des collectivités territoriales ;",
            f"Vu la délibération cadre n°{d['framework']} du Conseil départemental relative à "
            f"la {d['generation_lower']} ;",
            "Vu le contrat conclu entre le Département et le bénéficiaire ;",
            f"Vu la délibération n°{d['deliberation']} du {d['vote_date_words']} attribuant la "
            "subvention ;",
        ],
        "agreed": paragraph(bold("il est convenu ce qui suit.")),
        "articles": [
            {
                "heading": "Article 1 – Objet",
                "blocks": [
                    paragraph(
                        "La présente convention fixe les conditions dans lesquelles le "
                        f"Département soutient l’opération « {d['title']} » ({d['reference']}), "
                        f"portée par le bénéficiaire sur {d['communes']}, au titre du Fonds "
                        "d’Innovation Territorial."
                    )
                ],
            },
            {
                "heading": "Article 2 – Montant et taux de la subvention",
                "blocks": [
                    paragraph(
                        "Le Département attribue au bénéficiaire une subvention d’investissement "
                        "de ",
                        bold(d["amount"]),
                        f" ({d['amount_words']}), soit {d['rate']} de la dépense subventionnable "
                        f"de {d['basis']} {d['basis_label']}.",
                    )
                ],
            },
            {
                "heading": "Article 3 – Modalités de versement",
                "blocks": [
                    paragraph("La subvention est versée sur demande du bénéficiaire :"),
                    bullets(
                        f"une avance de {d['advance_percent']} au plus, à la signature de la "
                        "présente convention ;",
                        "des acomptes, sur production d’un état récapitulatif des dépenses "
                        f"acquittées, jusqu’à {d['instalments_percent']} du montant de la "
                        "subvention, avance comprise ;",
                        "le solde, sur production du certificat d’achèvement et de l’état "
                        "récapitulatif final des dépenses. Si les dépenses réalisées sont "
                        "inférieures à la dépense subventionnable, la subvention est réduite au "
                        "prorata.",
                    ),
                ],
            },
            {
                "heading": "Article 4 – Délais et caducité",
                "blocks": [
                    paragraph(
                        f"Les travaux commencent dans un délai de {d['start_years']} ans à "
                        "compter de la délibération d’attribution, prorogeable une fois d’un an "
                        "sur demande motivée. L’opération est achevée dans un délai de "
                        f"{d['completion_years']} ans à compter de la signature de la présente "
                        "convention. À défaut, la subvention devient caduque et la part non "
                        "versée est annulée."
                    )
                ],
            },
            {
                "heading": "Article 5 – Obligations de communication",
                "blocks": [
                    paragraph(
                        "Le bénéficiaire fait connaître le soutien du Département : logo du "
                        "Département sur les panneaux de chantier et sur les supports de "
                        "communication, mention du soutien dans les publications, invitation du "
                        "Président du Conseil départemental ou de son représentant aux "
                        "inaugurations."
                    )
                ],
            },
            {"heading": "Article 6 – Engagements réciproques", "blocks": commitments},
            {
                "heading": "Article 7 – Suivi",
                "blocks": [
                    paragraph(
                        "L’avancement de l’opération est examiné chaque année par le comité de "
                        "pilotage du contrat."
                    )
                ],
            },
            {
                "heading": "Article 8 – Résiliation",
                "blocks": [
                    paragraph(
                        "En cas de non-respect de ses obligations par le bénéficiaire, le "
                        "Département peut résilier la présente convention après mise en demeure "
                        "restée sans effet pendant un mois, et demander le reversement des "
                        "sommes versées."
                    )
                ],
            },
        ],
        "signatures": [
            {"signer": "partner", "side": "Pour le bénéficiaire,", "name": d["partner_signatory"]},
            {
                "signer": "department",
                "side": "Pour le Département,",
                "name": d["department_signatory"],
            },
        ],
    }
    return french_spacing(curly_apostrophes(text))
