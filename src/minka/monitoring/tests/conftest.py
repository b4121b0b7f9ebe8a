"""Fixtures of monitoring tests: the shared world, and the contracts helpers to move money."""

from minka.contracts.tests.conftest import (  # noqa: F401 - fixtures re-exported
    funded,
    lines,
    make_contract,
    pay_first_tranche,
    pen,
    receipts,
)
