"""A partner's API token, on a phone: created on « Mon compte », shown once, used by a program,
then revoked — after which the API refuses it."""

import json
import urllib.error
import urllib.request

from playwright.sync_api import expect

from tests.e2e.a11y import assert_no_axe_violations

NAME = "Tableur du service financier"


def _api(live_url, token, path="/api/operations"):
    request = urllib.request.Request(live_url + path, headers={"Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, json.load(answer)
    except urllib.error.HTTPError as refused:
        return refused.code, json.load(refused)


def test_partner_creates_uses_and_revokes_a_token_on_a_phone(page, login, live_url):
    page.set_viewport_size({"width": 375, "height": 740})
    login("partner")
    page.goto("/compte/")
    expect(page.get_by_role("heading", level=1, name="Mon compte")).to_be_visible()
    assert_no_axe_violations(page)

    page.get_by_label("Nom du jeton").fill(NAME)
    page.get_by_label("Portée").select_option(label="lecture et écriture")
    page.get_by_role("button", name="Créer le jeton").click()
    shown = page.get_by_role("alert")
    expect(shown).to_contain_text(f"Voici votre nouveau jeton « {NAME} »")
    expect(shown).to_contain_text("lecture et écriture")
    expect(shown).to_contain_text("il ne sera plus jamais affiché")
    token = shown.locator("code.token").inner_text()
    assert token.startswith("pacte_")
    assert_no_axe_violations(page)

    status, body = _api(live_url, token)
    assert status == 200
    assert body["count"] >= 0
    row = page.get_by_role("row").filter(has=page.get_by_role("rowheader", name=NAME))
    page.reload()
    expect(page.get_by_role("alert")).to_have_count(0)  # shown once, never again
    expect(page.get_by_text(token)).to_have_count(0)
    expect(row).to_contain_text("actif")

    revoke = row.get_by_role("button", name=f"Révoquer le jeton {NAME}")
    revoke.focus()
    page.keyboard.press("Enter")
    expect(row).to_contain_text("révoqué le")
    status, body = _api(live_url, token)
    assert status == 401
    assert "révoqué" in body["detail"]
