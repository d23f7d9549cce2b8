from tests.finance.conftest import (  # noqa: F401 — shared fixtures
    ap,
    arras_contract,
    lens_contract,
    media_root,
)
