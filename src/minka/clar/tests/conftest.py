from minka.contracts.tests.conftest import funded, make_contract  # noqa: F401 - shared fixtures
