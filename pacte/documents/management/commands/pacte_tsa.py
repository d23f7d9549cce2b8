from django.core.management.base import BaseCommand

from pacte.documents import timestamping


class Command(BaseCommand):
    help = (
        "Sert l'autorité d'horodatage locale (RFC 3161 sur HTTP) de la démonstration et des "
        "essais : son certificat est délivré une fois par l'autorité de signature de TEST. En "
        "production, PACTE_TSA_URL désigne une autorité d'horodatage qualifiée."
    )

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8001)

    def handle(self, *args, **options):
        server = timestamping.serve(options["host"], options["port"])
        host, port = server.server_address[:2]
        self.stdout.write(f"Autorité d'horodatage locale : http://{host}:{port}/")
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()
