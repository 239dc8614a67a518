"""A self-assessment handed to a recognition centre, in headless Chromium against a real `qualframe serve`:
the specialist rates a level, picks an accredited centre's programme, sends name and contact; the centre's
assessor finds it in the inbox, accepts it and gets the "Start assessment" link; the specialist's link shows
"accepted". With QUALFRAME_SCREENSHOTS=1: docs/screenshots/self-assessment-handoff.png and
assessment-requests.png."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from accounts_helpers import cli_actor, make_user
from browser_helpers import NEEDS_CHROMIUM, checked_page, serve, sign_in

pytest.importorskip("playwright.sync_api")
pytestmark = NEEDS_CHROMIUM
ROW = "3.1-07"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A served instance with an accredited centre (programme on 3.1-07, an assessor) and an expired one."""
    import qualframe
    from qualframe.store import Store
    from qualframe.store import accounts as acc
    from qualframe.store import credentials as cs

    data = tmp_path_factory.mktemp("serve")
    with serve(data) as base:
        store = Store(f"sqlite:///{data / 'qualframe.db'}")
        fw = qualframe.load()
        with acc.audited(store, cli_actor()) as tx:
            for slug, end in (("kazcert", date(2035, 12, 31)), ("oldcert", date(2020, 12, 31))):
                acc.create_org(tx, slug, "recognition-centre", {"kk": f"{slug.upper()} орталығы",
                                                                "en": f"{slug.title()} centre"},
                               accreditation_number=f"KZ-RC-{slug[:3].upper()}", valid_from=date(2015, 1, 1),
                               valid_to=end)
                cs.add_programme(tx, slug, fw, row_id=ROW, title=f"Software developer, SQF 62 ({slug})",
                                 descriptors=None, methods=["test", "practical"], rules=None)
        make_user(store, "assessor@kazcert.kz", roles={"kazcert": ["assessor"]})
        store.close()
        yield base


@pytest.fixture
def page(browser: Any, server: str) -> Iterator[Any]:  # any console error (e.g. a CSP violation) fails the test
    with checked_page(browser, server, locale="en-GB") as pg:
        yield pg


def test_hand_a_self_assessment_to_a_centre(page, shots: Path) -> None:
    page.goto("/lang?to=en&next=/self-assessment")
    page.select_option("#row", ROW)
    page.get_by_role("button", name="Start", exact=True).click()
    page.wait_for_url(f"**/self-assessment?row={ROW}")
    for r in page.locator('fieldset.assess-row input[type=radio][value="2"]').all():
        r.check()
    page.locator("form.assess button[type=submit]").click()
    page.wait_for_url("**/self-assessment/*")
    result_url = page.url

    section = page.locator("#handoff")
    offers = section.locator("input[name=programme_id]")
    assert offers.count() == 1  # the centre whose accreditation ended is not offered
    assert "Kazcert centre" in section.inner_text() and "Oldcert" not in section.inner_text()
    offers.first.check()
    page.fill("#h-name", "Әлия Сәрсенбаева")
    page.fill("#h-contact", "+7 701 234 56 78")
    page.check("#h-consent")
    section.screenshot(path=str(shots / "self-assessment-handoff.png"))
    with page.expect_navigation():
        section.locator("form.handoff button[type=submit]").click()
    assert page.locator("#handoff [data-state=new]").count() == 1

    # the centre's assessor finds it in the inbox and accepts it
    sign_in(page, "assessor@kazcert.kz", lang="en")
    # the account's own language is Kazakh: switch the interface as a user does (cookie), so it stays English
    # across the accept form's redirect
    page.goto("/lang?to=en&next=/orgs/kazcert/assessment-requests")
    row = page.locator("table.assessment-requests tbody tr").first
    assert "Әлия Сәрсенбаева" in row.inner_text() and "+77012345678" in row.inner_text()
    assert "100%" in row.locator("ul.fit-summary").inner_text()
    page.screenshot(path=str(shots / "assessment-requests.png"), full_page=False)
    with page.expect_navigation():
        row.locator("form.accept button[type=submit]").click()
    start = page.get_by_role("link", name="Start assessment")
    assert start.get_attribute("href", timeout=5000).startswith("/orgs/kazcert/assessments/new?request=")

    page.goto(result_url)
    assert page.locator("#handoff [data-state=accepted]").count() == 1
