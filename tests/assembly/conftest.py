from tests.finance.conftest import ap, lens_contract, media_root  # noqa: F401 — shared fixtures
