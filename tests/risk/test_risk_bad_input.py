"""Bad input on the assessment form: a message on the field at fault, the input kept, nothing saved, never a 500."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict

from casework.auth.models import Role
from casework.risk.checklist import COMMENT_MAX, RATIONALE_MAX
from tests import factories
from tests.risk.helpers import KEYS, assessments_of, form_data, saved_changes

ODD_UNICODE = "\u202eevil\u0000\u200b\U0001f600 Zoë Ǆ \ud7ff"


def _without(data: dict[str, str], name: str) -> dict[str, str]:
    return {key: value for key, value in data.items() if key != name}


BAD_VARIANTS = [
    ("first answer missing", _without(form_data(), KEYS[0]), KEYS[0]),
    ("last answer missing", _without(form_data(), KEYS[-1]), KEYS[-1]),
    ("answer is not yes or no", {**form_data(), KEYS[3]: "maybe"}, KEYS[3]),
    ("answer is a boolean word", {**form_data(), KEYS[3]: "true"}, KEYS[3]),
    ("comment overlong", {**form_data(), f"{KEYS[6]}_comment": "x" * (COMMENT_MAX + 1)}, f"{KEYS[6]}_comment"),
    ("level missing", _without(form_data(), "level"), "level"),
    ("level unknown", form_data(level="critical"), "level"),
    ("level is a label", form_data(level="High"), "level"),
    ("rationale missing", _without(form_data(), "rationale"), "rationale"),
    ("rationale empty", form_data(rationale=""), "rationale"),
    ("rationale whitespace only", form_data(rationale=" \t\u00a0\n "), "rationale"),
    ("rationale overlong", form_data(rationale="x" * (RATIONALE_MAX + 1)), "rationale"),
]


@pytest.fixture
def officer(make_client):
    client, user = make_client(Role.OFFICER)
    return client, factories.allocated_case(user)


@pytest.mark.parametrize(("label", "data", "field_name"), BAD_VARIANTS, ids=[label for label, _, _ in BAD_VARIANTS])
def test_bad_input_gets_a_message_on_the_field_and_saves_nothing(officer, label, data, field_name):
    client, case = officer
    before = saved_changes()
    response = client.post_form(f"/cases/{case.id}/risk/new", data)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "govuk-error-summary" in page
    assert f'href="#{field_name}"' in page
    assert f'id="{field_name}"' in page
    assert saved_changes() == before


def test_every_missing_answer_is_named_and_the_rest_of_the_input_is_kept(officer):
    client, case = officer
    data = {"level": "high", "rationale": "Keep my words", f"{KEYS[2]}_comment": "Keep this comment"}
    page = client.post_form(f"/cases/{case.id}/risk/new", data).get_data(as_text=True)
    for number, key in enumerate(KEYS, start=1):
        assert f'<a href="#{key}">Select Yes or No for question {number}</a>' in page
    assert ">Keep my words</textarea>" in page
    assert ">Keep this comment</textarea>" in page
    assert 'value="high" checked' in page


def test_odd_unicode_in_comments_and_rationale_never_breaks_the_form(officer):
    client, case = officer
    data = {**form_data(rationale=ODD_UNICODE), f"{KEYS[0]}_comment": ODD_UNICODE}
    response = client.post_form(f"/cases/{case.id}/risk/new", data)
    assert response.status_code == 302
    [assessment] = assessments_of(case)
    assert "\u0000" not in assessment.rationale
    assert "\u0000" not in assessment.answers[KEYS[0]]["comment"]
    assert "Zoë" in assessment.rationale


def test_unexpected_fields_are_ignored(officer):
    client, case = officer
    response = client.post_form(f"/cases/{case.id}/risk/new", {**form_data(), "owns_a_dog": "yes", "yes_count": "99"})
    assert response.status_code == 302
    [assessment] = assessments_of(case)
    assert set(assessment.answers) == set(KEYS)
    assert assessment.yes_count == 0


def test_repeated_values_for_one_answer_are_not_a_server_error(officer):
    client, case = officer
    token = client.csrf_token()
    data = MultiDict([*form_data().items(), (KEYS[0], "maybe"), ("level", "high"), ("csrf_token", token)])
    response = client.post(f"/cases/{case.id}/risk/new", data=data)
    assert response.status_code in (200, 302)


def test_invalid_utf8_bytes_are_not_a_server_error(officer):
    client, case = officer
    token = client.csrf_token()
    body = b"csrf_token=" + token.encode() + b"&rationale=%FF%FE%00bad&level=%FF&" + KEYS[0].encode() + b"=%C3"
    response = client.post(f"/cases/{case.id}/risk/new", data=body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200
    assert "govuk-error-summary" in response.get_data(as_text=True)


ANSWER = st.one_of(st.sampled_from(["yes", "no", ""]), st.text(max_size=10))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    answers=st.lists(ANSWER, min_size=len(KEYS), max_size=len(KEYS)),
    comment=st.text(max_size=COMMENT_MAX + 50),
    level=st.one_of(st.sampled_from(["standard", "medium", "high"]), st.text(max_size=20)),
    rationale=st.text(max_size=300),
)
def test_the_assessment_form_never_fails_and_never_half_saves(officer, answers, comment, level, rationale):
    client, case = officer
    data = {key: answer for key, answer in zip(KEYS, answers, strict=True)}
    data.update({f"{KEYS[0]}_comment": comment, "level": level, "rationale": rationale})
    assessments_before, changes_before = saved_changes()
    response = client.post_form(f"/cases/{case.id}/risk/new", data)
    assessments_after, changes_after = saved_changes()
    if response.status_code == 302:
        assert (assessments_after, changes_after) == (assessments_before + 1, changes_before + 1)
    else:
        assert response.status_code == 200
        assert "govuk-error-summary" in response.get_data(as_text=True)
        assert (assessments_after, changes_after) == (assessments_before, changes_before)
