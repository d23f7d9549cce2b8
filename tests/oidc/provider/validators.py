import json
import os
from pathlib import Path

from oauth2_provider.oauth2_validators import OAuth2Validator


class ClaimsValidator(OAuth2Validator):
    """The person's claims: name and e-mail from the provider's user, the rest (groups, siret,
    usual_name, uid…) from claims.json, read at each request so that a test can change them."""

    oidc_claim_scope = None  # every claim, whatever the scopes

    def get_additional_claims(self, request):
        user = request.user
        extra = json.loads((Path(os.environ["OIDC_PROVIDER_DIR"]) / "claims.json").read_text())
        claims = {"email": user.email, "given_name": user.first_name}
        if user.last_name:
            claims["family_name"] = user.last_name
        claims.update(extra.get(user.username, {}))
        return claims
