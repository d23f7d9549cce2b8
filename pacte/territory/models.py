"""The territorial referential: départements, the Département's own territories, EPCI,
communes, cantons, councillors and political groups. Loaded from official open data
(see services.import_referential); only territories and political groups are edited by hand."""

from django.db import models

from pacte.core.french import short_ordinal

from .querysets import CommuneQuerySet, CouncillorQuerySet, EpciQuerySet


class Department(models.Model):
    code = models.CharField("code INSEE", max_length=3, unique=True)
    name = models.CharField("nom", max_length=100)
    population = models.PositiveIntegerField("population municipale", default=0)
    commune_count = models.PositiveIntegerField("nombre de communes", default=0)
    # Projection frame of the département's maps: see territory/maps.py.
    ref_latitude = models.FloatField("latitude de référence", default=46.5)
    svg_path = models.TextField("contour (SVG)", blank=True, editable=False)
    svg_viewbox = models.CharField("cadre (SVG)", max_length=64, blank=True, editable=False)

    class Meta:
        verbose_name = "département"
        verbose_name_plural = "départements"
        ordering = ["code"]

    def __str__(self):
        return f"{self.name} ({self.code})"


class Territory(models.Model):
    """A sub-area of the Département, served by a Maison du Département. Edited by hand."""

    department = models.ForeignKey(
        Department, verbose_name="département", on_delete=models.PROTECT, related_name="territories"
    )
    name = models.CharField("nom", max_length=100)
    house_name = models.CharField("Maison du Département", max_length=150, blank=True)
    house_address = models.TextField("adresse de la Maison du Département", blank=True)
    is_demo = models.BooleanField(
        "valeur de démonstration",
        default=False,
        help_text="Cochée pour les territoires créés par les données de démonstration.",
    )

    class Meta:
        verbose_name = "territoire"
        verbose_name_plural = "territoires"
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["department", "name"], name="territory_unique_name")
        ]

    def __str__(self):
        return self.name


class Epci(models.Model):
    """An intercommunalité (EPCI à fiscalité propre)."""

    class Kind(models.TextChoices):
        CA = "CA", "Communauté d'agglomération"
        CC = "CC", "Communauté de communes"
        CU = "CU", "Communauté urbaine"
        METRO = "ME", "Métropole"

    siren = models.CharField("SIREN", max_length=9, unique=True)
    name = models.CharField("nom", max_length=200)
    kind = models.CharField("nature", max_length=2, choices=Kind.choices)
    territory = models.ForeignKey(
        Territory,
        verbose_name="territoire",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="epcis",
    )
    # Figures over the communes Pacte holds (those of the imported départements).
    population = models.PositiveIntegerField("population municipale", default=0)
    commune_count = models.PositiveIntegerField("nombre de communes", default=0)
    commune_count_total = models.PositiveIntegerField(
        "nombre de communes (tous départements)", default=0
    )
    svg_path = models.TextField("contour (SVG)", blank=True, editable=False)

    objects = EpciQuerySet.as_manager()

    class Meta:
        verbose_name = "intercommunalité"
        verbose_name_plural = "intercommunalités"
        ordering = ["name"]

    def __str__(self):
        return self.name

    @property
    def straddles(self) -> bool:
        """True when some of its communes lie in a département that Pacte does not hold."""
        return self.commune_count_total > self.commune_count


class Canton(models.Model):
    code = models.CharField("code INSEE", max_length=5, unique=True)
    name = models.CharField("nom", max_length=100)
    department = models.ForeignKey(
        Department, verbose_name="département", on_delete=models.PROTECT, related_name="cantons"
    )
    composition = models.PositiveSmallIntegerField("composition", null=True, blank=True)

    class Meta:
        verbose_name = "canton"
        verbose_name_plural = "cantons"
        ordering = ["code"]

    def __str__(self):
        return self.name


class Commune(models.Model):
    insee_code = models.CharField("code INSEE", max_length=5, unique=True)
    name = models.CharField("nom", max_length=200)
    search_name = models.CharField(max_length=200, db_index=True, editable=False)
    population = models.PositiveIntegerField("population municipale", default=0)
    department = models.ForeignKey(
        Department, verbose_name="département", on_delete=models.PROTECT, related_name="communes"
    )
    epci = models.ForeignKey(
        Epci,
        verbose_name="intercommunalité",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="communes",
    )
    cantons = models.ManyToManyField(
        Canton,
        verbose_name="cantons",
        related_name="communes",
        blank=True,
        help_text="Plusieurs cantons pour une commune partagée entre eux (ex. Arras).",
    )
    longitude = models.FloatField("longitude", null=True, blank=True)
    latitude = models.FloatField("latitude", null=True, blank=True)
    svg_path = models.TextField("contour (SVG)", blank=True, editable=False)

    objects = CommuneQuerySet.as_manager()

    class Meta:
        verbose_name = "commune"
        verbose_name_plural = "communes"
        ordering = ["name", "insee_code"]
        indexes = [models.Index(fields=["department", "search_name"])]

    def __str__(self):
        return f"{self.name} ({self.insee_code})"


class PoliticalGroup(models.Model):
    department = models.ForeignKey(
        Department,
        verbose_name="département",
        on_delete=models.PROTECT,
        related_name="political_groups",
    )
    name = models.CharField("nom", max_length=150)
    position = models.PositiveSmallIntegerField("ordre", default=0)

    class Meta:
        verbose_name = "groupe politique"
        verbose_name_plural = "groupes politiques"
        ordering = ["position", "name"]
        constraints = [
            models.UniqueConstraint(fields=["department", "name"], name="group_unique_name")
        ]

    def __str__(self):
        return self.name


class Councillor(models.Model):
    """A conseiller départemental, from the national register of elected officials (RNE)."""

    class Civility(models.TextChoices):
        MR = "M.", "M."
        MRS = "Mme", "Mme"

    class Function(models.TextChoices):
        NONE = "", "Conseiller départemental"
        PRESIDENT = "PRE", "Président"
        VICE_PRESIDENT = "VPE", "Vice-président"

    canton = models.ForeignKey(
        Canton, verbose_name="canton", on_delete=models.PROTECT, related_name="councillors"
    )
    last_name = models.CharField("nom", max_length=100)
    first_name = models.CharField("prénom", max_length=100)
    civility = models.CharField("civilité", max_length=3, choices=Civility.choices)
    birth_date = models.DateField("date de naissance", null=True, blank=True)
    mandate_start = models.DateField("début du mandat", null=True, blank=True)
    function = models.CharField(
        "fonction", max_length=3, choices=Function.choices, default="", blank=True
    )
    function_rank = models.PositiveSmallIntegerField("rang", null=True, blank=True)
    in_office = models.BooleanField(
        "en fonction",
        default=True,
        help_text="Décoché quand l'élu ne figure plus au répertoire national des élus.",
    )
    political_group = models.ForeignKey(
        PoliticalGroup,
        verbose_name="groupe politique",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="members",
    )
    group_is_fictitious = models.BooleanField(
        "appartenance fictive (démonstration)",
        default=False,
        help_text="Cochée quand le groupe a été attribué par les données de démonstration.",
    )
    email = models.EmailField(
        "adresse de convocation électronique",
        blank=True,
        help_text="À la demande de l'élu, ses convocations lui sont envoyées à cette adresse "
        "(CGCT L3121-10) ; vide : l'adresse de son compte d'élu, ou le courrier postal.",
    )

    objects = CouncillorQuerySet.as_manager()

    class Meta:
        verbose_name = "conseiller départemental"
        verbose_name_plural = "conseillers départementaux"
        ordering = ["last_name", "first_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["canton", "last_name", "first_name", "birth_date"],
                name="councillor_natural_key",
            )
        ]

    def __str__(self):
        return f"{self.civility} {self.first_name} {self.last_name}"

    @property
    def function_label(self) -> str:
        if self.function == self.Function.PRESIDENT:
            return "Présidente" if self.civility == self.Civility.MRS else "Président"
        if self.function == self.Function.VICE_PRESIDENT:
            title = "Vice-présidente" if self.civility == self.Civility.MRS else "Vice-président"
            if not self.function_rank:
                return title
            feminine = self.civility == self.Civility.MRS
            return f"{short_ordinal(self.function_rank, feminine=feminine)} {title.lower()}"
        return (
            "Conseillère départementale"
            if self.civility == self.Civility.MRS
            else ("Conseiller départemental")
        )
