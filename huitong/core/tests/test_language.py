import pytest
from django.test import Client


@pytest.mark.django_db
def test_chinese_by_default_even_for_an_english_browser():
    resp = Client(headers={"Accept-Language": "en-US,en;q=0.9"}).get("/admin/login/")
    assert resp.status_code == 200 and resp["Content-Language"] == "zh-hans"
    assert "登录" in resp.content.decode()


@pytest.mark.django_db
def test_english_when_chosen():
    client = Client()
    client.post("/i18n/setlang/", {"language": "en", "next": "/admin/login/"})
    resp = client.get("/admin/login/")
    assert resp["Content-Language"] == "en" and "Log in" in resp.content.decode()
