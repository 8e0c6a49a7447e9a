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


def test_member_signs_in_buys_with_coupon_and_points_and_pays(transactional_db, page):
    """The whole buying path a shopper takes: product page → cart (promotion shown with its reason) →
    sign in with the SMS code → coupon and points → order → sandbox payment → member centre."""
    from playwright.sync_api import expect

    from huitong.checkout.tests.mall import make_mall
    from huitong.members.sms import sandbox_messages

    mall = make_mall()
    page.goto(f"/p/{mall.sku_b.product_id}/")
    page.get_by_role("button", name="加入购物车").first.click()
    page.goto(f"/p/{mall.sku_a.product_id}/")
    page.locator("input[name=quantity]").first.fill("2")
    page.get_by_role("button", name="加入购物车").first.click()
    expect(page.locator("#cart-link")).to_have_text(re.compile(r"购物车 \(3\)"))

    page.goto("/cart/")
    expect(page.get_by_text("满100减15")).to_be_visible()
    expect(page.locator("#cart-total")).to_have_text("¥104.60")
    page.get_by_role("link", name="登录后结算").click()
    page.get_by_label("手机号").fill("13800138000")
    page.get_by_role("button", name="获取验证码").click()
    code = re.search(r"\d{6}", sandbox_messages("+8613800138000")[0]).group()
    page.get_by_label("验证码").fill(code)
    page.get_by_role("button", name="登录", exact=True).click()
    expect(page).to_have_url(re.compile(r"/cart/$"))

    page.get_by_label("优惠券码").fill(mall.coupon.code)
    page.get_by_role("button", name="使用优惠券").click()
    expect(page.locator("#cart-total")).to_have_text("¥94.60")
    page.get_by_label("使用积分").fill("1000")
    for label, value in [("收货人", "王芳"), ("省", "浙江省"), ("市", "杭州市"), ("详细地址", "文三路 1 号")]:
        page.get_by_label(label, exact=True).fill(value)
    page.locator("form.receiver input[name=phone]").fill("13800138000")
    page.get_by_role("button", name="提交订单").click()
    expect(page.locator("#order-due")).to_have_text("¥84.60")
    page.get_by_role("button", name="模拟支付(沙箱)").click()
    expect(page.locator(".order-status")).to_have_text("已付款")

    page.goto("/me/")
    expect(page.locator("#points-balance")).to_have_text("4000")
    expect(page.locator("img[alt=会员卡二维码]")).to_be_visible()
