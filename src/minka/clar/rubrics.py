"""The Sierra Sur rubrics shipped as defaults (domain brief §3.3). Points are in hundredths.

PDN field sheet: 9 criteria (25 points, counts double); PGRN field sheet: 7 criteria; PDN public
sheet: 5 criteria (50 points); PGRN public sheet: 4 criteria. The attendance criterion is
computed from the DNIs of the families present: fewer than 50 % disqualifies; from 50 % to
100 % it earns 0 to its maximum, linearly."""

from __future__ import annotations

PDN_FIELD = [
    ("participation", "Family participation (checked by DNI)", 1000, True),
    ("board", "Relations with the territorial organization's board", 200, False),
    ("management", "Management capacity", 200, False),
    ("women_youth", "Participation of women and youth", 200, False),
    ("coherence", "Coherence of the activities", 200, False),
    ("resources", "Resources the families commit", 200, False),
    ("timeline", "Feasibility of the timeline", 200, False),
    ("related", "Related activities (visits, fairs)", 100, False),
    ("cofinancing", "Family co-financing", 200, False),
]
PGRN_FIELD = [
    ("participation", "Family participation (checked by DNI)", 1000, True),
    ("board", "Relations with the community's board", 300, False),
    ("management", "Management capacity", 300, False),
    ("women_youth", "Participation of women and youth", 300, False),
    ("coherence", "Coherence with the talking maps", 200, False),
    ("resources", "Resources the families commit", 200, False),
    ("timeline", "Feasibility of the timeline", 200, False),
]
PDN_PUBLIC = [
    ("clarity", "Clarity of the presentation", 1000, False),
    ("identity", "Identity and culture", 1000, False),
    ("participation", "Participation in the presentation", 1000, False),
    ("map", "Cultural map", 1000, False),
    ("market", "Market and business sense", 1000, False),
]
PGRN_PUBLIC = [
    ("clarity", "Clarity of the presentation", 1250, False),
    ("identity", "Identity and culture", 1250, False),
    ("participation", "Participation in the presentation", 1250, False),
    ("map", "Cultural map", 1250, False),
]

DEFAULTS = [
    ("pdn", "field", "Sierra Sur — PDN, field evaluation", 2, PDN_FIELD),
    ("pdn", "public", "Sierra Sur — PDN, public presentation", 1, PDN_PUBLIC),
    ("pgrn", "field", "Sierra Sur — PGRN, field evaluation", 2, PGRN_FIELD),
    ("pgrn", "public", "Sierra Sur — PGRN, public presentation", 1, PGRN_PUBLIC),
    # A PIT and an IDL are judged with the business-plan sheets unless a programme sets its own.
    ("pit", "field", "Sierra Sur — PIT, field evaluation", 2, PDN_FIELD),
    ("pit", "public", "Sierra Sur — PIT, public presentation", 1, PDN_PUBLIC),
    ("idl", "field", "Sierra Sur — IDL, field evaluation", 2, PDN_FIELD),
    ("idl", "public", "Sierra Sur — IDL, public presentation", 1, PDN_PUBLIC),
]


def install(Rubric, RubricCriterion) -> None:  # noqa: N803 - historical models from a migration
    for instrument, stage, name, weight, criteria in DEFAULTS:
        rubric, created = Rubric.objects.get_or_create(
            programme=None,
            instrument=instrument,
            stage=stage,
            version=1,
            defaults={"name": name, "weight": weight},
        )
        if created:
            RubricCriterion.objects.bulk_create(
                [
                    RubricCriterion(
                        rubric=rubric,
                        code=code,
                        label=label,
                        max_points_centi=points,
                        order=order,
                        from_attendance=from_attendance,
                    )
                    for order, (code, label, points, from_attendance) in enumerate(criteria)
                ]
            )
