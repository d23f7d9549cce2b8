from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from pacte.accounts.services.second_factor import grouped
from pacte.core import policy
from pacte.demo.seed import demo_totp_key, seed_demo
from pacte.documents.pki import ensure_demo_ca
from pacte.territory.models import Department


class Command(BaseCommand):
    help = "Prépare la base de démonstration : migrations, référentiel du Pas-de-Calais, comptes."

    def handle(self, *args, **options):
        if settings.PACTE_DEPARTMENT_CODE != "62":
            raise CommandError("Les données de démonstration décrivent le Pas-de-Calais (62).")
        call_command("migrate", interactive=False, verbosity=0)
        if not Department.objects.filter(code="62").exists():
            self.stdout.write("Import du référentiel territorial du Pas-de-Calais…")
        call_command("import_referential", "62", verbosity=0)
        users, password = seed_demo()
        ensure_demo_ca()  # the test signing authority of the demo, under var/pki/
        self.stdout.write(self.style.SUCCESS("Données de démonstration prêtes."))
        self.stdout.write("Comptes de démonstration (mot de passe commun : " + password + ") :")
        for user in users:
            extra = f" — {user.partner.name}" if user.partner_id else ""
            if user.username == "signataire":
                extra = " — signe pour le Département, par délégation"
            elif user.username == "elu":
                extra = (
                    " — conseillère départementale : son espace d'élu (convocations, rapports, "
                    "pouvoir en ligne)"
                )
            elif user.username == "president":
                extra = " — Président du Conseil départemental : signe pour le Département"
            if policy.requires_second_factor(user):
                extra += " — second facteur (voir ci-dessous)"
            self.stdout.write(f"  {user.username:<12} {user.get_role_display()}{extra}")
        self.stdout.write(
            "Second facteur des comptes administrateur et finances (TOTP) : ajoutez cette clé à "
            "une application d'authentification (FreeOTP, Aegis…), ou affichez le code du "
            "moment avec « uv run python manage.py demo_totp » :"
        )
        self.stdout.write(f"  {grouped(demo_totp_key())}")
