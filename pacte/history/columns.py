"""The columns of a history file (docs/import-historique.md), the model file's example row, and
how an error found in a file is told: by line and column, in French."""

from dataclasses import dataclass

# The errors kept with an import (and shown): the first ones, the count says how many in all.
MAX_STORED_ERRORS = 200


@dataclass(frozen=True)
class Column:
    name: str
    required: bool
    description: str


COLUMNS = [
    Column(
        "partenaire_identifiant",
        True,
        "SIREN (9 chiffres), SIRET (14 chiffres) ou numéro RNA (W suivi de 9 chiffres) du "
        "partenaire",
    ),
    Column("partenaire_nom", True, "nom du partenaire (sert à créer une commune partenaire)"),
    Column("intitule", True, "intitulé de l'opération (255 caractères au plus)"),
    Column("categorie", True, "catégorie de projet : code ou libellé (voir la liste)"),
    Column("montant_fonds", True, "subvention votée au Fonds d'Innovation Territorial (€)"),
    Column(
        "montant_droit_commun",
        False,
        "autres financements du Département, dits de droit commun (€)",
    ),
    Column(
        "autres_financements_publics",
        False,
        "autres financements publics : État, Région, Europe, autres collectivités (€)",
    ),
    Column("financements_prives", False, "financements privés : mécénat, fonds privés (€)"),
    Column("cout_total", True, "coût total de l'opération, base de son plan de financement (€)"),
    Column("date_vote", True, "date du vote de la subvention (JJ/MM/AAAA)"),
    Column("numero_deliberation", False, "numéro de la délibération d'attribution"),
    Column("date_convention", False, "date de signature de la convention (JJ/MM/AAAA)"),
    Column("date_debut_travaux", False, "date de début des travaux (JJ/MM/AAAA)"),
    Column("date_fin_travaux", False, "date d'achèvement des travaux (JJ/MM/AAAA)"),
    Column(
        "communes",
        False,
        "codes INSEE des communes d'implantation, séparés par des espaces ou des barres",
    ),
    Column("description", False, "description de l'opération"),
]
COLUMN_NAMES = [c.name for c in COLUMNS]
# The model file's example, in the columns' order.
EXAMPLE_ROW = [
    "200033579",
    "Communauté urbaine d'Arras",
    "Liaison douce entre le bourg et la gare — Arras",
    "mobility",
    "250000,00",
    "50000,00",
    "400000,00",
    "",
    "1250000,00",
    "04/03/2019",
    "2019-142",
    "15/04/2019",
    "02/09/2019",
    "30/06/2021",
    "62041",
    "Une liaison cyclable de 3 km entre le centre-bourg et la gare.",
]
REQUIRED = [c.name for c in COLUMNS if c.required]
AMOUNT_COLUMNS = (
    "montant_fonds",
    "montant_droit_commun",
    "autres_financements_publics",
    "financements_prives",
    "cout_total",
)


def error_text(error: dict) -> str:
    """« Ligne 37, colonne « montant_fonds » : « 12a » n'est pas un montant. »"""
    line, column, message = error.get("line"), error.get("column"), error["message"]
    if line and column:
        return f"Ligne {line}, colonne « {column} » : {message}"
    if line:
        return f"Ligne {line} : {message}"
    return message
