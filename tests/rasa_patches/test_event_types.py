"""Event classes looked up from a table (rasa_patches/event_types.py) are
exactly the ones Rasa's class-tree walk finds, for every event name."""
from __future__ import annotations

import pytest
import rasa.shared.utils.common
from rasa.shared.core.events import ActionExecuted, Event, SlotSet

from rasa_patches import event_types


def test_every_event_name_resolves_to_rasas_class():
    names = {cls.type_name for cls in rasa.shared.utils.common.all_subclasses(Event)}
    assert len(names) > 20
    for name in names:
        assert event_types.resolve_by_type(name) is event_types._original_resolve(name)


def test_unknown_names_behave_as_in_rasa():
    assert event_types.resolve_by_type("topic") is None
    assert event_types.resolve_by_type("no_such_event", default=SlotSet) is SlotSet
    with pytest.raises(ValueError, match="Unknown event name"):
        event_types.resolve_by_type("no_such_event")


def test_an_event_class_defined_later_is_found():
    event_types.apply()
    assert Event.resolve_by_type("action") is ActionExecuted

    class LotsenTestEvent(SlotSet):
        type_name = "lotsen_test_event"

    assert Event.resolve_by_type("lotsen_test_event") is LotsenTestEvent
    assert Event.from_parameters({"event": "slot", "name": "x", "value": 1}) == SlotSet("x", 1)
