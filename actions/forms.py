"""The guided assessment form: validating each answer, then judging the case
(``action_assess``) or leaving it (``action_cancel_assessment``) without
losing what was said. The case is stored beside the engagement record of
the question that started it (``engagement_assessments``)."""
from __future__ import annotations

import logging
from typing import Any, Optional

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import ActiveLoop, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.assessment import Case
from actions.case_parsing import classify_directions, classify_financing, parse_date, says_unknown
from actions.privacy import mask_personal_data
from actions.recording import update_record
from actions.runtime import Runtime, get_runtime
from actions.turn import read_turn

logger = logging.getLogger(__name__)

UNKNOWN = "unknown"
MAX_TEXT = 500
CASE_SLOTS = ("case_counterpart", "case_purpose", "case_directions", "case_operation", "case_date",
              "case_date_iso", "case_financing", "case_financing_kind")


def _clean(value: Any, minimum: int) -> Optional[str]:
    if not isinstance(value, str):
        return None
    text = " ".join(value.split())
    if text.startswith("/"):  # a button's payload (an old card, a thumb) never fills a free-text answer
        return None
    if says_unknown(text):
        return UNKNOWN
    return mask_personal_data(text)[:MAX_TEXT] if len(text) >= minimum else None


def _known(value: Any) -> Optional[str]:
    return value if isinstance(value, str) and value and value != UNKNOWN else None


class ValidateAssessmentForm(FormValidationAction):
    def name(self) -> str:
        return "validate_assessment_form"

    def _invalid(self, dispatcher: CollectingDispatcher, slot: str) -> dict[str, Any]:
        dispatcher.utter_message(response=f"utter_invalid_{slot}")
        return {slot: None}

    def validate_case_counterpart(self, value: Any, dispatcher: CollectingDispatcher,
                                  tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        text = _clean(value, 2)
        if text is None:
            return self._invalid(dispatcher, "case_counterpart")
        found = get_runtime().gazetteer.find(text) if text != UNKNOWN else None
        return {"case_counterpart": found.name if found and len(text) <= len(found.name) + 12 else text}

    def validate_case_purpose(self, value: Any, dispatcher: CollectingDispatcher,
                              tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        text = _clean(value, 5)
        return {"case_purpose": text} if text else self._invalid(dispatcher, "case_purpose")

    def validate_case_directions(self, value: Any, dispatcher: CollectingDispatcher,
                                 tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        text = _clean(value, 2)
        if text == UNKNOWN:
            return {"case_directions": UNKNOWN}
        directions = classify_directions(text or "", get_runtime().guide.data["directions"])
        if not directions:
            return self._invalid(dispatcher, "case_directions")
        return {"case_directions": ", ".join(directions)}

    def validate_case_operation(self, value: Any, dispatcher: CollectingDispatcher,
                                tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        text = _clean(value, 3)
        return {"case_operation": text} if text else self._invalid(dispatcher, "case_operation")

    def validate_department(self, value: Any, dispatcher: CollectingDispatcher,
                            tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        text = _clean(value, 3)
        return {"department": text[:200]} if text else self._invalid(dispatcher, "department")

    def validate_case_date(self, value: Any, dispatcher: CollectingDispatcher,
                           tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        text = value if isinstance(value, str) else ""
        if says_unknown(text):
            return {"case_date": UNKNOWN, "case_date_iso": None}
        planned = parse_date(text)
        if planned is None:
            return self._invalid(dispatcher, "case_date")
        return {"case_date": planned.display, "case_date_iso": planned.iso}

    def validate_case_financing(self, value: Any, dispatcher: CollectingDispatcher,
                                tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        text = _clean(value, 2) or ""
        kind = UNKNOWN if text == UNKNOWN else classify_financing(text, get_runtime().guide.data["financing"])
        if kind is None:
            return self._invalid(dispatcher, "case_financing")
        return {"case_financing": text, "case_financing_kind": kind}


def case_from_slots(runtime: Runtime, tracker: Tracker) -> Case:
    slot = tracker.get_slot
    counterpart = _known(slot("case_counterpart"))
    resolved = runtime.gazetteer.resolve(counterpart) if counterpart else None
    directions = _known(slot("case_directions"))
    financing_kind = slot("case_financing_kind")
    return Case(
        engagement_type=slot("engagement_type") or "delegation",
        counterpart=counterpart,
        nordic=bool(resolved and resolved.tags & {"nordic", "nordic_capital"}),
        purpose=_known(slot("case_purpose")),
        directions=[d.strip() for d in directions.split(",")] if directions else [],
        operation=_known(slot("case_operation")),
        department=_known(slot("department")),
        planned_date=slot("case_date_iso"),
        planned_date_text=_known(slot("case_date")),
        financing=financing_kind if financing_kind else None,
        financing_text=_known(slot("case_financing")),
    )


async def store_case(runtime: Runtime, tracker: Tracker, case: Case, verdict: Optional[str], completed: bool) -> None:
    """Store the case beside its record, and the department on the record."""
    record_id = tracker.get_slot("case_record_id")
    if not record_id or not runtime.settings.records_enabled:
        return
    try:
        await runtime.writer.save_assessment(
            record_id, engagement_type=case.engagement_type, counterpart=case.counterpart,
            purpose=case.purpose, directions=case.directions, operation=case.operation,
            department=case.department, planned_date=case.planned_date, financing=case.financing,
            verdict=verdict, completed=completed,
        )
    except Exception:  # noqa: BLE001 - the official still gets the assessment
        logger.exception("could not store the assessment of record %s", record_id)
    if case.department:
        await update_record(runtime, read_turn(tracker), record_id, department=case.department)


def reset_case() -> list[dict[str, Any]]:
    return [SlotSet(name, None) for name in CASE_SLOTS] + [
        SlotSet("assessment_offered", False), SlotSet("case_record_id", None)]


class ActionAssess(Action):
    def name(self) -> str:
        return "action_assess"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[dict[str, Any]]:
        runtime = get_runtime()
        case = case_from_slots(runtime, tracker)
        result = runtime.guide.assess(case)
        dispatcher.utter_message(text=runtime.guide.summary(case, result))
        dispatcher.utter_message(text=runtime.guide.memo(case, result))
        await store_case(runtime, tracker, case, result.verdict, completed=True)
        return reset_case()


class ActionCancelAssessment(Action):
    def name(self) -> str:
        return "action_cancel_assessment"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[dict[str, Any]]:
        runtime = get_runtime()
        await store_case(runtime, tracker, case_from_slots(runtime, tracker), None, completed=False)
        dispatcher.utter_message(response="utter_assessment_cancelled")
        return [ActiveLoop(None), SlotSet("requested_slot", None)] + reset_case()
