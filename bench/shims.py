"""A workaround for an app bug that would otherwise make the timings depend on how long the run is.

``casework.forms.CaseworkForm.Meta.bind_field`` inserts ``clean_text`` into
``unbound_field.kwargs["filters"]`` in place. That list belongs to the form *class*, so each
time a form is built every text field gets one more ``clean_text``: after n requests a field
runs it n times. The case list's filter form is built on every list request, so list pages
get slower the longer a process lives (about 6 ms per request per 1,000 earlier requests on
this machine). The benchmark detects the bug and, unless ``--keep-form-leak`` is given,
binds fields without mutating the class's list (the fix proposed in docs/benchmarks.md).
"""

from __future__ import annotations

from typing import Any

from flask import Flask


def form_filters_leak(app: Flask) -> bool:
    """Whether building a form adds another filter to the form class's fields (the bug)."""
    from casework.cases.filters import CaseFilterForm

    def filters() -> int:
        return len(CaseFilterForm.search.kwargs.get("filters", ()))

    with app.test_request_context("/cases"):
        before = filters()
        CaseFilterForm(meta={"csrf": False})
        return filters() > before


def bind_field_without_leak(self: Any, form: Any, unbound_field: Any, options: dict[str, Any]) -> Any:
    """``bind_field`` that puts ``clean_text`` first in a copy of the filters, leaving the class alone."""
    from casework.forms import clean_text

    filters = [f for f in unbound_field.kwargs.get("filters", ()) if f is not clean_text]
    if not getattr(unbound_field.field_class, "keep_raw", False):
        filters.insert(0, clean_text)
    return unbound_field.bind(form=form, **{**options, "filters": filters})


def fix_form_filters_leak(app: Flask) -> bool:
    """Patch the fix into this process if the bug is present; True if it was."""
    if not form_filters_leak(app):
        return False
    from casework.forms import CaseworkForm

    CaseworkForm.Meta.bind_field = bind_field_without_leak  # type: ignore[method-assign]
    return True
