"""Quechua glosses shown next to the Spanish labels on the treasurer's screens.

There is no Quechua (`qu`) locale yet. Until there is, the treasurer's key screens show these
short glosses beside the translated label; a future `qu` catalogue can take them over, key by
key, and this module then goes. Keys are the English msgids of the labels they gloss.
(Southern Quechua, Cusco–Collao spelling.)
"""

from __future__ import annotations

QUECHUA: dict[str, str] = {
    "Savings": "Qullqi waqaychay",
    "Saver": "Qullqi waqaychaq",
    "Members": "Masikuna",
    "Balance": "Kapuq qullqi",
    "Deposit": "Churay",
    "Withdrawal": "Hurquy",
    "Loan": "Manu",
    "Loans": "Manukuna",
    "Repayment": "Kutichiy",
    "Instalment": "Sapa killa kutichiy",
    "Late": "Qhipa",
    "Interest": "Mirachiy",
    "Business fund": "Qhatu qullqi",
    "Passbook": "Qullqi p'anqa",
    "Month": "Killa",
    "Incentive": "Yanapay",
    "Insurance": "Amachay",
    "Treasurer": "Qullqi hap'iq",
}


def gloss(english_label: str) -> str:
    """The Quechua gloss of a label, or an empty string."""
    return QUECHUA.get(english_label, "")
