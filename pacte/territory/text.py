import re
import unicodedata


def normalize(text: str) -> str:
    """Lower case, no accents, ligatures spelt out, punctuation as single spaces.

    'Nœux-les-Mines' → 'noeux les mines'; "L'Abergement" → 'l abergement'.
    """
    text = text.replace("œ", "oe").replace("Œ", "oe").replace("æ", "ae").replace("Æ", "ae")
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    return re.sub(r"[^a-z0-9]+", " ", text).strip()
