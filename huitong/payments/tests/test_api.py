import pytest

from huitong.payments import services
from huitong.payments.models import Payment, ReconciliationRun
from huitong.payments.tests.test_reconciliation import ALIPAY

pytestmark = pytest.mark.django_db
BASE = "/api/v1/payments"


@pytest.fixture
def paid(system_actor):
    return services.take_payment(
        reference="SO1", amount_fen=1000, method="cash", tendered_fen=1200, actor=system_actor
    )


def test_list_filters_and_get_with_refunds(api_client, paid, system_actor):
    services.take_payment(reference="SO2", amount_fen=500, method="sandbox", actor=system_actor)
    services.refund_payment(
        payment_id=paid.pk, amount_fen=300, actor=system_actor, reason="差价", refund_reference="A1"
    )
    client = api_client("customer_service")
    everything = client.get(BASE).json()
    assert everything["count"] == 2
    cash = client.get(BASE, {"method": "cash", "reference": "SO1"}).json()["items"]
    assert [(p["id"], p["change_fen"], p["status"]) for p in cash] == [(paid.pk, 200, "partially_refunded")]
    assert client.get(BASE, {"status": "paid"}).json()["count"] == 1
    detail = client.get(f"{BASE}/{paid.pk}").json()
    assert [(r["reference"], r["amount_fen"]) for r in detail["refunds"]] == [("A1", 300)]
    assert client.get(f"{BASE}/{paid.pk}/refunds").json()[0]["reason"] == "差价"
    assert client.get(f"{BASE}/999999").status_code == 404
    assert client.get(BASE, {"method": "bitcoin"}).status_code == 422


def test_refund_endpoint_and_its_errors(api_client, paid):
    finance = api_client("finance")
    answer = finance.post(
        f"{BASE}/{paid.pk}/refunds",
        {"amount_fen": 400, "reason": "退货", "refund_reference": "AS1"},
        content_type="application/json",
    )
    assert answer.status_code == 200 and answer.json()["refunded_fen"] == 400
    too_much = finance.post(
        f"{BASE}/{paid.pk}/refunds", {"amount_fen": 601, "reason": "r"}, content_type="application/json"
    )
    assert (too_much.status_code, too_much.json()["code"]) == (409, "refund_exceeds_paid")
    invalid = finance.post(
        f"{BASE}/{paid.pk}/refunds", {"amount_fen": 0, "reason": ""}, content_type="application/json"
    )
    assert invalid.status_code == 422 and set(invalid.json()["detail"]["fields"]) == {"amount_fen", "reason"}
    assert Payment.objects.get(pk=paid.pk).refunded_fen == 400


@pytest.mark.parametrize(
    ("roles", "read", "write"),
    [
        (("finance",), 200, 200),
        (("admin",), 200, 200),
        (("operator",), 200, 403),
        (("customer_service",), 200, 403),
        (("warehouse",), 403, 403),
    ],
)
def test_permission_matrix(api_client, paid, roles, read, write):
    client = api_client(*roles)
    assert client.get(f"{BASE}/{paid.pk}").status_code == read
    answer = client.post(
        f"{BASE}/{paid.pk}/refunds", {"amount_fen": 1, "reason": "r"}, content_type="application/json"
    )
    assert answer.status_code == write


def test_no_token_is_401(client, paid):
    assert client.get(BASE).status_code == 401
    assert client.post(f"{BASE}/tenders", {}, content_type="application/json").status_code == 401


def test_split_tenders_endpoint(api_client):
    finance = api_client("finance")
    body = {
        "reference": "POS9",
        "tenders": [
            {"method": "cash", "amount_fen": 1000, "tendered_fen": 2000},
            {"method": "card", "amount_fen": 500, "terminal_ref": "T01-998", "card_last4": "8888"},
        ],
    }
    answer = finance.post(f"{BASE}/tenders", body, content_type="application/json")
    assert answer.status_code == 201
    assert [(p["method"], p["change_fen"], p["card_last4"]) for p in answer.json()] == [
        ("cash", 1000, ""),
        ("card", None, "8888"),
    ]
    body["tenders"][1]["card_last4"] = ""
    refused = finance.post(f"{BASE}/tenders", body, content_type="application/json")
    assert refused.status_code == 422 and set(refused.json()["detail"]["fields"]) == {"tenders[1].card_last4"}
    assert Payment.objects.count() == 2


def test_start_an_alipay_payment_and_query_it(api_client, alipay):
    finance = api_client("finance")
    answer = finance.post(
        BASE,
        {"reference": "SO7", "amount_fen": 990, "method": "alipay", "subject": "汇通订单"},
        content_type="application/json",
    )
    assert answer.status_code == 201
    payment = answer.json()
    assert payment["status"] == "created" and payment["qr_code"] and payment["pay_url"].startswith(alipay.url)
    alipay.pay(payment["out_trade_no"])
    queried = finance.post(f"{BASE}/{payment['id']}/query")
    assert queried.status_code == 200 and queried.json()["status"] == "paid"
    assert (
        finance.post(
            BASE, {"reference": "SO7", "amount_fen": 990, "method": "cash"}, content_type="application/json"
        ).status_code
        == 422
    )


def test_close_endpoint(api_client, system_actor):
    payment = services.create_payment(reference="SO1", amount_fen=10, method="sandbox", actor=system_actor)
    finance = api_client("finance")
    assert (
        finance.post(
            f"{BASE}/{payment.pk}/close", {"reason": "超时"}, content_type="application/json"
        ).json()["status"]
        == "closed"
    )
    assert (
        finance.post(
            f"{BASE}/{payment.pk}/close", {"reason": "超时"}, content_type="application/json"
        ).status_code
        == 409
    )


def test_reconciliation_upload_and_report(api_client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    finance = api_client("finance")
    upload = SimpleUploadedFile("alipay.csv", ALIPAY.encode(), content_type="text/csv")
    answer = finance.post(f"{BASE}/reconciliations", {"gateway": "alipay", "file": upload})
    assert answer.status_code == 201
    report = answer.json()
    assert report["summary"] == {
        "missing_in_huitong": 5,
        "missing_in_statement": 0,
        "amount_mismatch": 0,
        "status_mismatch": 0,
    }
    assert len(report["lines"]) == 5 and report["lines"][0]["row_no"] == 5
    assert api_client("operator").get(f"{BASE}/reconciliations/{report['id']}").json()["id"] == report["id"]
    bad = SimpleUploadedFile("bad.csv", ALIPAY.replace(",88.80,88.80,", ",x,88.80,").encode())
    refused = finance.post(f"{BASE}/reconciliations", {"gateway": "alipay", "file": bad})
    assert refused.status_code == 422 and "rows[5]" in refused.json()["detail"]["fields"]
    upload.seek(0)
    assert (
        api_client("operator")
        .post(f"{BASE}/reconciliations", {"gateway": "alipay", "file": upload})
        .status_code
        == 403
    )
    assert ReconciliationRun.objects.count() == 1
    assert finance.get(f"{BASE}/reconciliations/424242").status_code == 404
