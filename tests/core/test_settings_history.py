"""The history of settings: what is changed through the real admin pages (their change forms
posted with the test client, inlines and the « supprimer » action included) is in the audit log
with who, when, and each field's old and new values as users read them; a refused form records
nothing; only administrators read the history page."""

import datetime
import re
from decimal import Decimal

import pytest
from django.contrib import admin
from django.test import RequestFactory
from django.utils import timezone

from pacte.contracts.models import Generation, Orientation, Partner
from pacte.core import settings_history
from pacte.core.admin import HistoryMixin
from pacte.core.models import AuditEvent, User
from pacte.documents.models import Signatory
from pacte.finance import services as finance
from pacte.territory.models import Department, Territory

pytestmark = pytest.mark.django_db

NBSP = "\u00a0"
LENS = "246200364"


# --- Posting a real admin change form ---------------------------------------------------------


def _encode(name, field, value, data):
    from django import forms

    if isinstance(field, forms.SplitDateTimeField):
        local = timezone.localtime(value) if value else None
        data[f"{name}_0"] = local.date().isoformat() if local else ""
        data[f"{name}_1"] = local.time().strftime("%H:%M:%S") if local else ""
    elif isinstance(field, forms.BooleanField):
        if value:
            data[name] = "on"
    elif isinstance(field, forms.ModelMultipleChoiceField | forms.MultipleChoiceField):
        data[name] = [str(getattr(v, "pk", v)) for v in value or []]
    elif value is None:
        data[name] = ""
    elif isinstance(value, datetime.date):
        data[name] = value.isoformat()
    else:
        data[name] = str(getattr(value, "pk", value))


def _form_values(form, data):
    for name, field in form.fields.items():
        if field.disabled:
            continue
        _encode(form.add_prefix(name), field, form[name].value(), data)


def admin_form(client, url):
    """The data the admin's change form at `url` would send back unchanged, with its inlines."""
    response = client.get(url)
    assert response.status_code == 200, url
    data = {}
    _form_values(response.context["adminform"].form, data)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        management = formset.management_form
        for name in management.fields:
            data[management.add_prefix(name)] = management[name].value()
        for form in formset.forms:
            _form_values(form, data)
    return data


def change_url(obj):
    return f"/admin/{obj._meta.app_label}/{obj._meta.model_name}/{obj.pk}/change/"


def events_of(obj):
    return list(
        AuditEvent.objects.filter(
            object_type=obj._meta.label_lower, object_id=str(obj.pk), action__startswith="admin."
        ).order_by("pk")
    )


def changes_by_field(event):
    return {c["field"]: c for c in event.data["changes"]}


@pytest.fixture
def admin_client(client_for):
    return client_for("admin")


# --- Recording ---------------------------------------------------------------------------------


def test_a_generation_fund_settings_change_is_recorded_with_its_old_and_new_values(
    admin_client, generation, users
):
    generation.advance_max_percent = Decimal("30.00")
    generation.fund_ceiling_amount = Decimal("1000000.00")
    generation.save()
    data = admin_form(admin_client, change_url(generation))
    data.update(advance_max_percent="25", fund_ceiling_amount="900000.50")
    before = timezone.now()

    response = admin_client.post(change_url(generation), data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    (event,) = events_of(generation)
    assert event.action == "admin.change"
    assert event.actor == users["test-admin"]
    assert event.at >= before
    changes = changes_by_field(event)
    assert set(changes) == {"advance_max_percent", "fund_ceiling_amount"}
    assert changes["advance_max_percent"] == {
        "field": "advance_max_percent",
        "label": "avance maximale (% de la subvention)",
        "old": f"30{NBSP}%",
        "new": f"25{NBSP}%",
        "text": False,
    }
    # Money in French: narrow no-break spaces between thousands, a comma, « € »; the label
    # without its unit, which the values carry.
    assert changes["fund_ceiling_amount"]["label"] == "plafond de subvention par opération"
    assert changes["fund_ceiling_amount"]["old"] == f"1\u202f000\u202f000,00{NBSP}€"
    assert changes["fund_ceiling_amount"]["new"] == f"900\u202f000,50{NBSP}€"
    assert event.data["object"] == generation.name
    assert event.data["actor_name"] == str(users["test-admin"])
    generation.refresh_from_db()
    assert generation.advance_max_percent == Decimal("25")


def test_the_generation_s_inlines_are_recorded_with_it(admin_client, generation):
    data = admin_form(admin_client, change_url(generation))
    prefix = "orientations"
    total = int(data[f"{prefix}-TOTAL_FORMS"])
    assert total >= 1
    old_title = Orientation.objects.get(pk=data[f"{prefix}-0-id"]).name
    # One orientation renamed, one added; the generation's own fields unchanged.
    data[f"{prefix}-0-name"] = "Transition écologique et sobriété"
    data[f"{prefix}-{total}-name"] = "Jeunesse et engagement"
    data[f"{prefix}-{total}-position"] = "9"
    data[f"{prefix}-{total}-generation"] = str(generation.pk)
    data[f"{prefix}-TOTAL_FORMS"] = str(total + 1)

    response = admin_client.post(change_url(generation), data)

    assert response.status_code == 302
    (event,) = events_of(generation)
    assert event.data["changes"] == []
    related = {(r["action"], r["object"]): r for r in event.data["related"]}
    renamed = related[("change", "Transition écologique et sobriété")]
    assert renamed["model"] == "orientation transversale"
    (title,) = renamed["changes"]
    assert (title["old"], title["new"]) == (old_title, "Transition écologique et sobriété")
    added = related[("add", "Jeunesse et engagement")]
    assert {c["field"]: c["new"] for c in added["changes"]}["name"] == "Jeunesse et engagement"
    line = settings_history.describe(event)
    assert "ajout\u00a0: orientation transversale «\u00a0Jeunesse et engagement\u00a0»" in line


def test_a_refused_change_records_nothing_and_changes_nothing(admin_client, generation):
    data = admin_form(admin_client, change_url(generation))
    data.update(advance_max_percent="beaucoup", period_end="2000-01-01")
    count = AuditEvent.objects.count()

    response = admin_client.post(change_url(generation), data)

    assert response.status_code == 200
    assert response.context["adminform"].form.errors
    assert AuditEvent.objects.count() == count
    assert Generation.objects.get(pk=generation.pk).advance_max_percent == (
        generation.advance_max_percent
    )


def test_an_unchanged_form_records_nothing(admin_client, generation):
    data = admin_form(admin_client, change_url(generation))
    assert admin_client.post(change_url(generation), data).status_code == 302
    assert events_of(generation) == []


def test_an_ap_s_label_changed_in_the_admin_and_its_revision_are_recorded(
    admin_client, generation, users
):
    ap = finance.ap_create(
        actor=users["test-finance"],
        generation=generation,
        label="AP FIT 2023",
        amount=Decimal("10000000"),
        deliberation_number="2023-12",
        voted_on=datetime.date(2023, 3, 27),
    )
    data = admin_form(admin_client, change_url(ap))
    data["label"] = "AP Fonds d'innovation territoriale 2023-2028"

    assert admin_client.post(change_url(ap), data).status_code == 302

    (event,) = events_of(ap)
    (label,) = event.data["changes"]
    assert (label["label"], label["old"], label["new"]) == (
        "intitulé",
        "AP FIT 2023",
        "AP Fonds d'innovation territoriale 2023-2028",
    )
    # The amount changes by a revision on the fund's pages: recorded with old and new values.
    finance.ap_revise(
        actor=users["test-finance"],
        authorisation=ap,
        amount=Decimal("12500000"),
        deliberation_number="2024-40",
        voted_on=datetime.date(2024, 6, 24),
    )
    revision = AuditEvent.objects.filter(action="ap.revise", object_id=str(ap.pk)).get()
    amount = revision.data["changes"][0]
    assert (amount["old"], amount["new"]) == (
        f"10\u202f000\u202f000,00{NBSP}€",
        f"12\u202f500\u202f000,00{NBSP}€",
    )
    page = admin_client.get("/reglages/historique/?type=finance.programmeauthorisation")
    text = page.content.decode()
    assert "a modifié l&#x27;autorisation de programme" in text
    assert f"montant en vigueur 10\u202f000\u202f000,00{NBSP}€ → 12\u202f500\u202f000,00" in text


def test_a_user_s_role_and_partner_link_are_recorded(admin_client, make_user, users):
    user = make_user(username="claire.martin", role="agent")
    lens = Partner.objects.get(siren=LENS)
    data = admin_form(admin_client, change_url(user))
    data.update(role="partner", partner=str(lens.pk))

    response = admin_client.post(change_url(user), data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    (event,) = events_of(user)
    changes = changes_by_field(event)
    assert (changes["role"]["old"], changes["role"]["new"]) == (
        "Agent (chargé de territoire, instructeur)",
        "Partenaire",
    )
    assert (changes["partner"]["old"], changes["partner"]["new"]) == ("(vide)", str(lens))
    # Dates the system writes are not settings.
    assert "last_login" not in changes and "date_joined" not in changes

    # Made an administrator: the admin's own flags follow, and are recorded too.
    data = admin_form(admin_client, change_url(user))
    data.update(role="admin", partner="")
    assert admin_client.post(change_url(user), data).status_code == 302
    last = events_of(user)[-1]
    assert changes_by_field(last)["is_staff"]["old"] == "non"
    assert changes_by_field(last)["is_staff"]["new"] == "oui"


def test_a_password_is_never_recorded_only_said_changed(admin_client, make_user):
    user = make_user(username="paul.durand")
    old_hash = user.password
    url = f"/admin/core/user/{user.pk}/password/"
    new = "Un-autre-mot-de-passe-2026"

    response = admin_client.post(
        url, {"password1": new, "password2": new, "set-password": "", "usable_password": "true"}
    )

    assert response.status_code == 302
    user.refresh_from_db()
    (event,) = events_of(user)
    assert event.data["changes"] == [{"field": "password", "label": "mot de passe", "secret": True}]
    stored = repr(event.data) + event.summary
    assert old_hash not in stored and user.password not in stored and new not in stored
    assert "mot de passe modifié" in settings_history.describe(event)


def test_a_user_added_in_the_admin_is_recorded_without_its_password(admin_client):
    password = "Un-mot-de-passe-solide-2026"
    response = admin_client.post(
        "/admin/core/user/add/",
        {
            "username": "lea.martin",
            "password1": password,
            "password2": password,
            "usable_password": "true",
            "role": "finance",
            "email": "lea.martin@exemple.fr",
            "first_name": "Léa",
            "last_name": "Martin",
        },
    )
    assert response.status_code == 302
    user = User.objects.get(username="lea.martin")
    (event,) = events_of(user)
    assert event.action == "admin.add"
    changes = changes_by_field(event)
    assert changes["role"] == {
        "field": "role",
        "label": "rôle",
        "old": None,
        "new": "Finances",
        "text": False,
    }
    assert changes["password"] == {"field": "password", "label": "mot de passe", "secret": True}
    assert user.password not in repr(event.data) and password not in repr(event.data)


def test_a_partner_s_siret_is_recorded(admin_client):
    partner = Partner.objects.get(siren=LENS)
    partner.siret = "24620036400015"
    partner.save()
    data = admin_form(admin_client, change_url(partner))
    data["siret"] = "24620036400023"

    response = admin_client.post(change_url(partner), data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    (event,) = events_of(partner)
    assert event.data["changes"] == [
        {
            "field": "siret",
            "label": "SIRET",
            "old": "24620036400015",
            "new": "24620036400023",
            "text": True,
        }
    ]
    line = settings_history.describe(event)
    assert re.search(
        r"^\d\d/\d\d/\d{4} à \d{1,2} h \d\d — .+ a modifié le partenaire «\u00a0.+\u00a0»"
        r"\u00a0: SIRET «\u00a024620036400015\u00a0» → «\u00a024620036400023\u00a0»$",
        line,
    ), line


def test_an_invalid_siret_records_nothing(admin_client):
    partner = Partner.objects.get(siren=LENS)
    data = admin_form(admin_client, change_url(partner))
    data["siret"] = "24620036400018"  # fails the Luhn check
    count = AuditEvent.objects.count()
    response = admin_client.post(change_url(partner), data)
    assert response.status_code == 200 and response.context["adminform"].form.errors
    assert AuditEvent.objects.count() == count


def test_a_signatory_s_delegation_and_ceiling_are_recorded(admin_client, users):
    signatory = Signatory.objects.get(user=users["test-agent"])
    data = admin_form(admin_client, change_url(signatory))
    data.update(
        delegation="arrêté n°2026-210 du 3 novembre 2026", max_amount="150000", ends_on="2027-12-31"
    )

    response = admin_client.post(change_url(signatory), data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    (event,) = events_of(signatory)
    changes = changes_by_field(event)
    assert (changes["delegation"]["old"], changes["delegation"]["new"]) == (
        "arrêté n°2023-001 du 2 janvier 2023",
        "arrêté n°2026-210 du 3 novembre 2026",
    )
    assert changes["max_amount"]["old"] == "(vide)"
    assert changes["max_amount"]["new"] == f"150\u202f000,00{NBSP}€"
    assert changes["ends_on"]["new"] == "31/12/2027"
    assert changes["max_amount"]["label"] == "subvention au plus"


def test_deletions_one_by_one_and_by_the_action_are_recorded(admin_client):
    department = Department.objects.get(code="62")
    kept = [
        Territory.objects.create(department=department, name=f"Territoire d'essai {n}")
        for n in range(3)
    ]
    one, *selected = kept
    url = f"/admin/territory/territory/{one.pk}/delete/"
    assert admin_client.post(url, {"post": "yes"}).status_code == 302
    response = admin_client.post(
        "/admin/territory/territory/",
        {
            "action": "delete_selected",
            "_selected_action": [str(t.pk) for t in selected],
            "post": "yes",
        },
    )
    assert response.status_code == 302
    assert not Territory.objects.filter(pk__in=[t.pk for t in kept]).exists()
    for territory in kept:
        (event,) = events_of(territory)
        assert event.action == "admin.delete"
        name = changes_by_field(event)["name"]
        assert (name["old"], name["new"]) == (territory.name, None)
        assert "a supprimé le territoire" in settings_history.describe(event)


def test_every_admin_that_can_change_anything_records_its_history(users):
    request = RequestFactory().get("/admin/")
    request.user = users["test-admin"]
    silent = [
        type(model_admin).__name__
        for model_admin in admin.site._registry.values()
        if not isinstance(model_admin, HistoryMixin)
        and (
            model_admin.has_add_permission(request)
            or model_admin.has_change_permission(request)
            or model_admin.has_delete_permission(request)
        )
    ]
    assert not silent, f"Sans historique : {silent} (hériter de pacte.core.admin.HistoryAdmin)"


# --- Reading -----------------------------------------------------------------------------------


def _change_generation(client, generation, **values):
    data = admin_form(client, change_url(generation))
    data.update(values)
    assert client.post(change_url(generation), data).status_code == 302


@pytest.mark.parametrize("role", ["agent", "assembly", "finance", "elected", "partner"])
def test_only_administrators_read_the_history(client_for, role):
    response = client_for(role).get("/reglages/historique/")
    assert response.status_code == 403
    assert "Votre rôle ne permet pas de consulter l&#x27;historique des réglages" in (
        response.content.decode()
    )


def test_a_visitor_is_sent_to_the_login_page(client):
    response = client.get("/reglages/historique/")
    assert response.status_code == 302 and "/connexion/" in response["Location"]


def test_the_history_page_lists_the_change_in_french(admin_client, generation, users):
    generation.advance_max_percent = Decimal("30")
    generation.save()
    _change_generation(admin_client, generation, advance_max_percent="25")
    today = timezone.localdate().isoformat()

    response = admin_client.get(f"/reglages/historique/?type=contracts.generation&du={today}")

    assert response.status_code == 200
    text = response.content.decode()
    who = str(users["test-admin"])
    assert (
        f"{who} a modifié la génération de contractualisation «\u00a0{generation.name}\u00a0»"
        f"\u00a0: avance maximale (% de la subvention) 30\u00a0% → 25\u00a0%"
    ) in text.replace("&#x27;", "'")
    assert re.search(r"<time datetime=\"[^\"]+\">\d\d/\d\d/\d{4} à \d{1,2} h \d\d</time> — ", text)
    # Filtered out: another kind of object, or days before the change.
    other = admin_client.get("/reglages/historique/?type=contracts.partner").content.decode()
    assert generation.name not in other
    assert (
        generation.name
        not in admin_client.get("/reglages/historique/?au=2000-01-01").content.decode()
    )


def test_the_history_is_paginated(admin_client, generation):
    for percent in range(1, 53):
        _change_generation(admin_client, generation, advance_max_percent=str(percent))
    first = admin_client.get("/reglages/historique/?type=contracts.generation")
    assert first.context["page"].paginator.count == 52
    assert len(first.context["lines"]) == 50
    assert "Page 1 sur 2" in first.content.decode()
    second = admin_client.get("/reglages/historique/?type=contracts.generation&page=2")
    assert len(second.context["lines"]) == 2
    # Any page number is a page: the last one beyond it, the first one for what is no number.
    assert admin_client.get("/reglages/historique/?page=99999999999999999999").status_code == 200
    assert admin_client.get("/reglages/historique/?page=abc").status_code == 200


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("type=core.rien", "Choisissez un type d&#x27;objet de la liste."),
        ("du=31/02/2026", "Saisissez une date valide"),
        ("du=2026-11-30&au=2026-11-01", "La date de fin suit la date de début."),
        ("identifiant=" + "9" * 80, "Cet identifiant n&#x27;existe pas."),
    ],
)
def test_a_filter_that_cannot_be_read_answers_400_in_french(admin_client, query, message):
    response = admin_client.get(f"/reglages/historique/?{query}")
    assert response.status_code == 400
    assert message in response.content.decode()


def test_extreme_days_are_no_error(admin_client):
    response = admin_client.get("/reglages/historique/?du=0001-01-01&au=9999-12-31")
    assert response.status_code == 200


def test_the_admin_history_of_an_object_shows_the_same_details(admin_client, generation):
    generation.lapse_warning_days = 90
    generation.save()
    _change_generation(admin_client, generation, lapse_warning_days="60")

    response = admin_client.get(f"/admin/contracts/generation/{generation.pk}/history/")

    assert response.status_code == 200
    text = response.content.decode()
    assert "Modifications enregistrées (anciennes et nouvelles valeurs)" in text
    assert "alerte avant une échéance de caducité 90\u00a0jours → 60\u00a0jours" in text
    assert (
        f"/reglages/historique/?type=contracts.generation&amp;identifiant={generation.pk}" in text
    )
    only_this = admin_client.get(
        f"/reglages/historique/?type=contracts.generation&identifiant={generation.pk}"
    )
    assert only_this.context["page"].paginator.count == 1
