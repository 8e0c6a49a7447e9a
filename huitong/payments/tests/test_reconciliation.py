from datetime import datetime
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command

from huitong.payments import reconciliation
from huitong.payments.models import Payment, PaymentStatus, ReconciliationLine, ReconciliationRun

pytestmark = pytest.mark.django_db
CHINA = ZoneInfo("Asia/Shanghai")


def _payment(
    no,
    amount,
    method="alipay",
    status=PaymentStatus.PAID,
    paid_at=datetime(2026, 11, 25, 10, 0, tzinfo=CHINA),
):
    return Payment.objects.create(
        reference=f"SO-{no}",
        out_trade_no=no,
        amount_fen=amount,
        method=method,
        status=status,
        paid_at=paid_at if status != PaymentStatus.CREATED else None,
        gateway_trade_no=f"T{no}",
    )


ALIPAY = """#支付宝交易记录明细查询
#账号:[20880000000000000156]
#起始日期:[2026年11月25日 00:00:00]   终止日期:[2026年11月26日 00:00:00]
支付宝交易号,商户订单号,业务类型,商品名称,创建时间,完成时间,门店编号,订单金额（元）,商家实收（元）,交易状态
2026112522001400001,PA1,交易,汇通订单,2026-11-25 09:00:00,2026-11-25 09:00:05,,88.80,88.80,交易成功
2026112522001400002,PA2,交易,汇通订单,2026-11-25 09:30:00,2026-11-25 09:30:05,,10.00,10.00,交易成功
2026112522001400003,PA3,交易,汇通订单,2026-11-25 11:00:00,2026-11-25 11:00:05,,20.00,20.00,交易成功
2026112522001400004,PX9,交易,汇通订单,2026-11-25 12:00:00,2026-11-25 12:00:05,,5.00,5.00,交易成功
2026112522001400005,PA5,交易,汇通订单,2026-11-25 13:00:00,2026-11-25 20:00:05,,7.00,7.00,交易关闭
#-----------------------------------------业务明细列表结束------------------------------------
"""

WECHAT = """交易时间,公众账号ID,商户号,微信订单号,商户订单号,用户标识,交易类型,交易状态,订单金额,退款金额
`2026-11-25 09:00:05,`wxd678efh567hg6787,`1900000109,`4200000001,`PW1,`oUpF8u,`NATIVE,`SUCCESS,`129.00,`0.00
`2026-11-25 10:00:05,`wxd678efh567hg6787,`1900000109,`4200000002,`PW2,`oUpF8u,`NATIVE,`REFUND,`50.00,`50.00
总交易单数,应结订单总金额,退款总金额
`2,`179.00,`50.00
"""


def test_alipay_statement_reports_every_kind_of_discrepancy(system_actor):
    _payment("PA1", 8880)  # matches
    _payment("PA2", 1001)  # amount differs
    _payment("PA3", 2000, status=PaymentStatus.CREATED)  # Alipay says paid, we never heard
    _payment(
        "PA4", 3000, paid_at=datetime(2026, 11, 25, 10, 30, tzinfo=CHINA)
    )  # paid with us, not in statement
    _payment("PA5", 700, status=PaymentStatus.CLOSED)  # closed on both sides: matches
    _payment("PA6", 3000, paid_at=datetime(2026, 11, 24, 10, 30, tzinfo=CHINA))  # outside the period
    _payment(
        "PW9", 3000, method="wechat", paid_at=datetime(2026, 11, 25, 10, 30, tzinfo=CHINA)
    )  # other gateway
    run = reconciliation.reconcile_statement(
        gateway="alipay", file_name="alipay.csv", content=ALIPAY.encode("gbk"), actor=system_actor
    )
    assert (run.statement_rows, run.matched, run.statement_total_fen) == (
        5,
        2,
        8880 + 1000 + 2000 + 500 + 700,
    )
    assert run.period_start == datetime(2026, 11, 25, 9, 0, 5, tzinfo=CHINA)
    lines = {(line.kind, line.out_trade_no): line for line in run.lines.all()}
    assert set(lines) == {
        ("amount_mismatch", "PA2"),
        ("status_mismatch", "PA3"),
        ("missing_in_huitong", "PX9"),
        ("missing_in_statement", "PA4"),
    }
    assert (
        lines["amount_mismatch", "PA2"].statement_amount_fen,
        lines["amount_mismatch", "PA2"].huitong_amount_fen,
        lines["amount_mismatch", "PA2"].row_no,
    ) == (1000, 1001, 6)
    assert (
        lines["status_mismatch", "PA3"].statement_status,
        lines["status_mismatch", "PA3"].huitong_status,
    ) == ("paid", "created")


def test_wechat_statement_with_backticks_and_summary(system_actor):
    _payment("PW1", 12900, method="wechat", paid_at=datetime(2026, 11, 25, 9, 0, 5, tzinfo=CHINA))
    paid = _payment("PW2", 5000, method="wechat", paid_at=datetime(2026, 11, 25, 10, 0, 5, tzinfo=CHINA))
    run = reconciliation.reconcile_statement(
        gateway="wechat", file_name="wx.csv", content=WECHAT.encode(), actor=system_actor
    )
    assert (run.statement_rows, run.matched) == (2, 1)
    line = run.lines.get()
    assert (line.kind, line.out_trade_no, line.statement_status, line.huitong_status) == (
        "status_mismatch",
        "PW2",
        "refunded",
        "paid",
    )
    Payment.objects.filter(pk=paid.pk).update(
        status=PaymentStatus.REFUNDED, refunded_fen=5000
    )  # refunded since
    again = reconciliation.reconcile_statement(
        gateway="wechat", file_name="wx.csv", content=WECHAT.encode(), actor=system_actor
    )
    assert (again.matched, again.lines.count()) == (2, 0)


def test_a_bad_file_is_refused_whole_with_row_numbers(system_actor):
    bad = (
        ALIPAY.replace(",10.00,10.00,", ",10.001,10.00,")
        .replace("PA3,", ",")
        .replace("2026-11-25 12:00:05", "昨天")
        .replace(",交易关闭", ",未知")
    )
    with pytest.raises(reconciliation.StatementInvalid) as err:
        reconciliation.reconcile_statement(
            gateway="alipay", file_name="a.csv", content=bad.encode(), actor=system_actor
        )
    assert err.value.status == 422
    fields = err.value.detail["fields"]
    assert set(fields) == {"rows[6]", "rows[7]", "rows[8]", "rows[9]"}
    assert "金额" in fields["rows[6]"] and "商户订单号" in fields["rows[7]"] and "时间" in fields["rows[8]"]
    assert "状态" in fields["rows[9]"]
    assert not ReconciliationRun.objects.exists() and not ReconciliationLine.objects.exists()


@pytest.mark.parametrize(
    ("content", "field"),
    [
        (b"", "file"),
        (b"a,b,c\n1,2,3\n", "rows[1]"),
        ("交易时间,商户订单号,交易状态,订单金额\n".encode(), "file"),
        (
            "交易时间,商户订单号,交易状态,订单金额\n2026-11-25 09:00:00,P1,SUCCESS,1.00\n"
            "2026-11-25 09:00:00,P1,SUCCESS,1.00\n".encode(),
            "rows[3]",
        ),
    ],
)
def test_unusable_files(system_actor, content, field):
    with pytest.raises(reconciliation.StatementInvalid) as err:
        reconciliation.reconcile_statement(
            gateway="wechat", file_name="x.csv", content=content, actor=system_actor
        )
    assert field in err.value.detail["fields"]
    assert not ReconciliationRun.objects.exists()


def test_cli_prints_the_summary(tmp_path):
    _payment("PA1", 8880)
    path = tmp_path / "alipay.csv"
    path.write_text(ALIPAY, encoding="utf-8")
    out = StringIO()
    call_command("payments", "reconcile", str(path), "--gateway", "alipay", stdout=out)
    text = out.getvalue()
    assert "5 rows" in text and "1 matched" in text
    assert "对账单有、系统无: 4" in text and "金额不符: 0" in text
    out = StringIO()
    call_command("payments", "reconcile", str(path), "--gateway", "alipay", "--json", stdout=out)
    assert '"missing_in_huitong": 4' in out.getvalue()


def test_cli_reports_bad_rows(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(ALIPAY.replace(",88.80,88.80,", ",abc,88.80,"), encoding="utf-8")
    with pytest.raises(CommandError) as err:
        call_command("payments", "reconcile", str(path), "--gateway", "alipay")
    assert "rows[5]" in str(err.value)
    with pytest.raises(CommandError):
        call_command("payments", "reconcile", str(tmp_path / "missing.csv"), "--gateway", "alipay")
    assert not ReconciliationRun.objects.exists()
