from pacte.territory.text import normalize


def test_normalize_for_search():
    assert normalize("Nœux-les-Mines") == "noeux les mines"
    assert normalize("L'Abergement-Clémenciat") == "l abergement clemenciat"
    assert normalize("  BÉTHUNE ") == "bethune"
