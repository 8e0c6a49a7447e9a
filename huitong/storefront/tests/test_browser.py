"""The storefront, the admin and the API docs in a real headless Chromium (Debian's /usr/bin/chromium)."""

import os
import re
from pathlib import Path

import pytest

from huitong.accounts.services import create_staff_user

# Playwright's sync API runs an event loop in this thread; the ORM calls around it are still sync.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium (apt-get install chromium)"),
]


@pytest.fixture
def page(live_server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        context = browser.new_context(locale="zh-CN", base_url=live_server.url)
        context.set_default_timeout(15_000)
        yield context.new_page()
        context.close()
        browser.close()


def test_storefront_search_admin_and_api_docs(transactional_db, shelf, page):
    from playwright.sync_api import expect

    create_staff_user(username="boss", password="pw-browser-1", roles=["admin"], superuser=True)

    page.goto("/")
    expect(page).to_have_title(re.compile("汇通商城"))
    cards = page.locator(".card")
    expect(cards).to_have_count(3)
    expect(page.get_by_text("西湖龙井")).to_be_visible()
    expect(page.get_by_text("仅剩 3 件")).to_be_visible()
    expect(page.locator(".badge-out")).to_have_text("缺货")
    expect(page.locator(".badge-in").first).to_be_visible()

    page.get_by_role("searchbox").fill("铁观音")
    page.get_by_role("button", name="搜索").click()
    expect(page).to_have_url(re.compile(r"\?q="))
    expect(cards).to_have_count(1)
    expect(page.get_by_text("安溪铁观音")).to_be_visible()
    expect(page.get_by_text("西湖龙井")).to_have_count(0)

    # /admin/ sends an anonymous visitor to /admin/login/?next=/admin/ (unfold's login form has no
    # "next" field, so a bare /admin/login/ would land on settings.LOGIN_REDIRECT_URL instead)
    page.goto("/admin/")
    expect(page).to_have_url(re.compile(r"/admin/login/"))
    page.fill("input[name=username]", "boss")
    page.fill("input[name=password]", "pw-browser-1")
    page.locator("button[type=submit], input[type=submit]").first.click()
    expect(page).to_have_url(re.compile(r"/admin/$"))
    expect(page).to_have_title(re.compile("站点管理"))
    expect(page.get_by_text("汇通全渠道中台").first).to_be_visible()

    page.goto("/api/v1/docs")
    expect(page).to_have_title("Huitong API")
    expect(page.locator(".swagger-ui")).to_be_visible()
