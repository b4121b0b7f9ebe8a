"""An evaluator of the IATI Standard Ruleset (the JSON rules of IATI-Rulesets, version 2.03).

The ruleset maps a context XPath to rule types, each with cases. A case is checked once per
element its context selects; `condition` (an XPath) limits it to the elements where the
condition holds. Every rule type the 2.03 standard ruleset uses is implemented here, plus the
older ones (only_one_of, dependent, sum, regex_no_matches, no_percent); an unknown rule type is
an error, never a silent pass.

What this evaluator cannot know offline, it says so rather than guess:
- `idCondition` (NOT_EXISTING_ORG_ID, NOT_EXISTING_ORG_ID_PREFIX) excludes identifiers that
  belong to publishers in the IATI Registry. Without that list (`registry_ids`), the rule is
  applied to every identifier — stricter, never laxer.
- `startswith` with the prefix "ORG-ID-PREFIX" needs the organisation registration agency
  codes (`org_id_prefixes`, e.g. from the OrganisationRegistrationAgency codelist); without
  them the case is reported as skipped.

Dates: `date_order` compares every date `less` selects with every date `more` selects ("NOW" and
"TODAY" mean the evaluation date); a case with a missing side is skipped. `time_limit` allows a
period of at most one year (a period ending on the same day a year later passes).
"""

from __future__ import annotations

import datetime
import json
import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from lxml import etree

PASS, FAIL, SKIP = "pass", "fail", "skip"
NOW_WORDS = frozenset({"NOW", "TODAY"})
_DATE = re.compile(r"^\s*(-?\d{4,})-(\d{2})-(\d{2})")


@dataclass(frozen=True)
class Outcome:
    """The verdict of one case on one element."""

    status: str  # pass, fail or skip
    rule: str
    rule_id: str
    severity: str
    message: str
    context: str
    element: str  # the element's XPath in the document
    identifier: str  # the iati-identifier of the activity it belongs to, if any
    detail: str = ""

    def __str__(self) -> str:
        where = self.identifier or self.element
        extra = f" ({self.detail})" if self.detail else ""
        return f"[{self.severity} {self.rule_id}] {self.rule} at {where}: {self.message}{extra}"


class UnsupportedRule(ValueError):
    pass


def load_ruleset(path: Path) -> dict[str, Any]:
    with path.open(encoding="utf-8") as handle:
        data: dict[str, Any] = json.load(handle)
    return data


def org_id_prefixes_from_codelist(path: Path) -> frozenset[str]:
    """Agency prefixes (PE-RUC, XM-DAC, ...) from an OrganisationRegistrationAgency codelist."""
    tree = etree.parse(str(path))
    return frozenset(code.strip() for code in tree.xpath("//codelist-item/code/text()"))


# --- values ------------------------------------------------------------------------------------


def _text(node: Any) -> str:
    if isinstance(node, etree._Element):
        return node.text or ""
    return str(node)


def _truthy(value: Any) -> bool:
    """XPath's boolean(): non-empty node-sets and strings, numbers other than 0 and NaN."""
    if isinstance(value, float):
        return value != 0 and not math.isnan(value)
    return bool(value)


def _parse_date(text: str) -> datetime.date | None:
    match = _DATE.match(text)
    if not match:
        return None
    try:
        return datetime.date(*(int(part) for part in match.groups()))
    except ValueError:
        return None


def _decimal(text: str) -> Decimal | None:
    try:
        value = Decimal(text.strip())
    except (InvalidOperation, AttributeError):
        return None
    return value if value.is_finite() else None


def _one_year_later(day: datetime.date) -> datetime.date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)


# --- evaluation ----------------------------------------------------------------------------------


class _Case:
    """One case applied to one element."""

    def __init__(self, evaluator: Evaluator, element: etree._Element, case: Mapping[str, Any]):
        self.evaluator = evaluator
        self.element = element
        self.case = case

    def xpath(self, expression: str) -> Any:
        return self.element.xpath(expression)

    def matches(self) -> list[Any]:
        found: list[Any] = []
        for path in self.case.get("paths", []):
            result = self.xpath(path)
            if isinstance(result, list):
                found.extend(result)
            elif _truthy(result):
                found.append(result)
        return found

    def texts(self) -> list[str]:
        return [_text(node) for node in self.matches()]

    def dates(self, expression: str) -> list[datetime.date]:
        if expression in NOW_WORDS:
            return [self.evaluator.today]
        result = self.xpath(expression)
        values = result if isinstance(result, list) else [result]
        return [day for day in (_parse_date(_text(value)) for value in values) if day]

    # Each rule returns True (pass), False (fail) or None (not applicable: skipped).

    def no_more_than_one(self) -> bool | None:
        return len(self.matches()) <= 1

    def atleast_one(self) -> bool | None:
        return len(self.matches()) >= 1

    def only_one_of(self) -> bool | None:
        found = len(self.matches())
        if any(_truthy(self.xpath(path)) for path in self.case.get("excluded", [])):
            return found == 0
        return found == 1

    def dependent(self) -> bool | None:
        present = [_truthy(self.xpath(path)) for path in self.case["paths"]]
        return all(present) or not any(present)

    def unique(self) -> bool | None:
        texts = self.texts()
        return len(texts) == len(set(texts))

    def _sum(self) -> Decimal | None:
        total = Decimal(0)
        for text in self.texts():
            value = _decimal(text)
            if value is None:
                return None
            total += value
        return total

    def sum(self) -> bool | None:
        if not self.matches():
            return True
        return self._sum() == Decimal(str(self.case["sum"]))

    def strict_sum(self) -> bool | None:
        return self._sum() == Decimal(str(self.case["sum"]))

    def range(self) -> bool | None:
        low = Decimal(str(self.case["min"])) if "min" in self.case else None
        high = Decimal(str(self.case["max"])) if "max" in self.case else None
        for text in self.texts():
            value = _decimal(text)
            if value is None:
                return False
            if (low is not None and value < low) or (high is not None and value > high):
                return False
        return True

    def date_order(self) -> bool | None:
        less, more = self.dates(self.case["less"]), self.dates(self.case["more"])
        if not less or not more:
            return None
        return max(less) <= min(more)

    def date_now(self) -> bool | None:
        values = self.xpath(self.case["date"])
        values = values if isinstance(values, list) else [values]
        if not values:
            return None
        for value in values:
            text = _text(value).strip()
            try:
                moment = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
            except ValueError:
                return False
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=datetime.UTC)
            if moment > self.evaluator.now:
                return False
        return True

    def time_limit(self) -> bool | None:
        starts, ends = self.dates(self.case["start"]), self.dates(self.case["end"])
        if not starts or not ends:
            return None
        return ends[0] <= _one_year_later(starts[0])

    def between_dates(self) -> bool | None:
        days = self.dates(self.case["date"])
        starts, ends = self.dates(self.case["start"]), self.dates(self.case["end"])
        if not days or not starts or not ends:
            return None
        return all(starts[0] <= day <= ends[0] for day in days)

    def _selected_texts(self) -> list[str]:
        """The texts a rule with an idCondition applies to (see the module's docstring)."""
        texts = self.texts()
        condition = self.case.get("idCondition")
        known = self.evaluator.registry_ids
        if condition == "NOT_EXISTING_ORG_ID":
            texts = [t for t in texts if t not in known]
        elif condition == "NOT_EXISTING_ORG_ID_PREFIX":
            texts = [t for t in texts if not any(t.startswith(f"{k}-") for k in known)]
        elif condition is not None:
            raise UnsupportedRule(f"idCondition {condition}")
        return texts

    def regex_matches(self) -> bool | None:
        pattern = re.compile(self.case["regex"])
        return all(pattern.search(text) for text in self._selected_texts())

    def regex_no_matches(self) -> bool | None:
        pattern = re.compile(self.case["regex"])
        return not any(pattern.search(text) for text in self._selected_texts())

    def no_percent(self) -> bool | None:
        return all("%" not in text for text in self.texts())

    def no_spaces(self) -> bool | None:
        return all(text == text.strip() for text in self.texts())

    def startswith(self) -> bool | None:
        texts = self._selected_texts()
        if not texts:
            return True
        prefixes: list[str] = []
        for expression in self.case.get("prefix", [self.case.get("start", "")]):
            if expression == "ORG-ID-PREFIX":
                if not self.evaluator.org_id_prefixes:
                    return None
                prefixes.extend(self.evaluator.org_id_prefixes)
            else:
                result = self.xpath(expression)
                values = result if isinstance(result, list) else [result]
                prefixes.extend(_text(value) for value in values if _text(value))
        separator = self.case.get("separator", "")
        return all(
            any(text.startswith(prefix + separator) for prefix in prefixes) for text in texts
        )

    def if_then(self) -> bool | None:
        if not _truthy(self.xpath(self.case["if"])):
            return None
        return _truthy(self.xpath(self.case["then"]))

    def one_or_all(self) -> bool | None:
        if _truthy(self.xpath(self.case["one"])):
            return True
        every = self.case["all"]
        if every == "lang":
            return all(n.get(_XML_LANG) for n in self.xpath("descendant::narrative"))
        if every == "sector":
            return all(t.xpath("sector") for t in self.xpath("transaction"))
        if every == "currency":
            return all(
                node.get("currency")
                for name in ("value", "forecast", "loan-status")
                for node in self.xpath(f"descendant::{name}")
            )
        raise UnsupportedRule(f"one_or_all with all={every}")


_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
RULES: frozenset[str] = frozenset(
    name
    for name, value in vars(_Case).items()
    if not name.startswith("_")
    and callable(value)
    and name not in {"xpath", "matches", "texts", "dates"}
) | {"loop"}


class Evaluator:
    def __init__(
        self,
        ruleset: Mapping[str, Any],
        *,
        now: datetime.datetime | None = None,
        org_id_prefixes: Iterable[str] = (),
        registry_ids: Iterable[str] = (),
    ) -> None:
        self.ruleset = ruleset
        self.now = now or datetime.datetime.now(datetime.UTC)
        self.today = self.now.date()
        self.org_id_prefixes = frozenset(org_id_prefixes)
        self.registry_ids = frozenset(registry_ids)

    def evaluate(self, document: etree._ElementTree | etree._Element) -> list[Outcome]:
        tree = document if isinstance(document, etree._ElementTree) else document.getroottree()
        outcomes: list[Outcome] = []
        for context, rules in self.ruleset.items():
            for element in tree.xpath(context):
                for rule, body in rules.items():
                    for case in body["cases"]:
                        outcomes.extend(self._run(tree, context, element, rule, case))
        return outcomes

    def _run(
        self,
        tree: etree._ElementTree,
        context: str,
        element: etree._Element,
        rule: str,
        case: Mapping[str, Any],
    ) -> list[Outcome]:
        if rule == "loop":
            return self._loop(tree, context, element, case)
        if rule not in RULES:
            raise UnsupportedRule(rule)
        if "condition" in case and not _truthy(element.xpath(case["condition"])):
            verdict: bool | None = None
        else:
            method: Callable[[], bool | None] = getattr(_Case(self, element, case), rule)
            verdict = method()
        info = case.get("ruleInfo", {})
        status = SKIP if verdict is None else (PASS if verdict else FAIL)
        owner = element if element.tag == "iati-activity" else None
        if owner is None:
            found = element.xpath("ancestor::iati-activity")
            owner = found[0] if found else None
        identifier = (owner.findtext("iati-identifier") or "").strip() if owner is not None else ""
        return [
            Outcome(
                status=status,
                rule=rule,
                rule_id=str(info.get("id", "")),
                severity=str(info.get("severity", "error")),
                message=str(info.get("message", "")),
                context=context,
                element=tree.getpath(element),
                identifier=identifier,
            )
        ]

    def _loop(
        self,
        tree: etree._ElementTree,
        context: str,
        element: etree._Element,
        case: Mapping[str, Any],
    ) -> list[Outcome]:
        values = element.xpath(case["foreach"])
        values = values if isinstance(values, list) else [values]
        outcomes: list[Outcome] = []
        for value in sorted({_text(v) for v in values}):
            for rule, body in case["do"].items():
                for sub_case in body["cases"]:
                    filled = dict(sub_case)
                    for key in case["subs"]:
                        if key not in filled:
                            continue
                        original = filled[key]
                        if isinstance(original, list):
                            filled[key] = [item.replace("$1", value) for item in original]
                        else:
                            filled[key] = original.replace("$1", value)
                    outcomes.extend(self._run(tree, context, element, rule, filled))
        return outcomes


def failures(
    outcomes: Iterable[Outcome], *, severities: Iterable[str] = ("error", "warning")
) -> list[Outcome]:
    wanted = set(severities)
    return [o for o in outcomes if o.status == FAIL and o.severity in wanted]


def rule_types(ruleset: Mapping[str, Any]) -> set[str]:
    """Every rule type a ruleset uses, loops' inner rules included."""
    found: set[str] = set()
    for rules in ruleset.values():
        for rule, body in rules.items():
            found.add(rule)
            if rule == "loop":
                for case in body["cases"]:
                    found.update(case["do"])
    return found
