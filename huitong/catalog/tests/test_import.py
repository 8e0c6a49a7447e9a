"""Importing products from .xlsx and .csv: all rows validated first, then all written or none."""

import io

import openpyxl
import pytest
from django.core.management import CommandError, call_command

from huitong.catalog import services
from huitong.catalog.errors import ImportFileInvalid, ImportFileUnreadable
from huitong.catalog.models import Brand, Category, Product, Sku
from huitong.catalog.tests.factories import SkuFactory, ean13
from huitong.core.audit import history

pytestmark = pytest.mark.django_db

HEADER = [
    "商品编码",
    "商品名称",
    "品牌",
    "分类",
    "SKU编码",
    "条码",
    "规格",
    "颜色",
    "尺码",
    "售价",
    "成本价",
    "重量(g)",
]
ROWS = [
    ["LJ-001", "西湖龙井", "狮峰", "茶叶/绿茶", "LJ-001-250", ean13(1), "250g", "", "", "88.80", "50", "300"],
    ["LJ-001", "西湖龙井", "狮峰", "茶叶/绿茶", "LJ-001-500", ean13(2), "500g", "", "", "168", "90.5", "600"],
    ["TS-01", "文化衫", "", "服装", "TS-01-RED-M", "", "", "红", "M", "59.9", "", ""],
]


def xlsx(rows, header=HEADER):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_bytes(rows, header=HEADER, encoding="utf-8-sig"):
    lines = [",".join(str(v) for v in line) for line in [header, *rows]]
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def run(actor, content, name="products.xlsx"):
    return services.import_products(file_name=name, content=content, actor=actor)


def counts():
    return (Product.objects.count(), Sku.objects.count(), Brand.objects.count(), Category.objects.count())


def test_xlsx_import_creates_products_skus_brands_categories(system_actor):
    result = run(system_actor, xlsx(ROWS))

    assert result == services.ImportResult(
        created_products=2, updated_products=0, created_skus=3, updated_skus=0
    )
    tea = Product.objects.select_related("brand", "category").get(spu_code="LJ-001")
    assert (tea.name, tea.brand.name, tea.category.path) == ("西湖龙井", "狮峰", "茶叶/绿茶")
    big = Sku.objects.get(code="LJ-001-500")
    assert (big.product_id, big.barcode, big.price_fen, big.cost_fen, big.weight_g, big.attributes) == (
        tea.pk,
        ean13(2),
        16800,
        9050,
        600,
        {"规格": "500g"},
    )
    shirt = Sku.objects.get(code="TS-01-RED-M")
    assert (shirt.attributes, shirt.cost_fen, shirt.weight_g, shirt.barcode) == (
        {"颜色": "红", "尺码": "M"},
        0,
        0,
        "",
    )
    assert shirt.display_name == "文化衫 / 红 / M"
    assert shirt.product.brand_id is None
    assert set(Category.objects.values_list("path", flat=True)) == {"茶叶", "茶叶/绿茶", "服装"}


def test_xlsx_numeric_cells(system_actor):
    rows = [["N-1", "数字单元格", "", "", "N-1-A", int(ean13(3)), "", "", "", 88.8, 12, 250.0]]
    run(system_actor, xlsx(rows))
    sku = Sku.objects.get(code="N-1-A")
    assert (sku.barcode, sku.price_fen, sku.cost_fen, sku.weight_g) == (ean13(3), 8880, 1200, 250)


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "gb18030"])
def test_csv_in_utf8_with_or_without_bom_and_gb18030(system_actor, encoding):
    result = run(system_actor, csv_bytes(ROWS, encoding=encoding), name="商品.CSV")
    assert (result.created_products, result.created_skus) == (2, 3)
    assert Product.objects.get(spu_code="TS-01").name == "文化衫"


def test_english_headers_and_extra_attribute_columns(system_actor):
    header = [
        "spu_code",
        "name",
        "brand",
        "category",
        "sku_code",
        "barcode",
        "color",
        "属性:材质",
        "price",
        "cost",
        "weight_g",
        "备注",
    ]
    rows = [["S1", "Shirt", "Acme", "Apparel", "S1-R", "", "red", "棉", "10", "5", "200", "ignored"]]
    run(system_actor, csv_bytes(rows, header=header), name="p.csv")
    sku = Sku.objects.get(code="S1-R")
    assert sku.attributes == {"颜色": "red", "材质": "棉"}
    assert (sku.price_fen, sku.cost_fen, sku.weight_g) == (1000, 500, 200)


def test_errors_in_rows_3_and_5_are_all_reported_and_nothing_is_written(system_actor):
    rows = [
        ROWS[0],
        ["LJ-001", "西湖龙井", "狮峰", "茶叶/绿茶", "LJ-001-500", "6901234567891", "", "", "", "168", "", ""],
        ROWS[2],
        ["X-1", "错误价格", "", "", "X-1-A", "", "", "", "", "12.345", "-1", "-5"],
    ]
    before = counts()

    with pytest.raises(ImportFileInvalid) as caught:
        run(system_actor, xlsx(rows))

    assert caught.value.status == 422
    assert caught.value.code == "import_file_invalid"
    assert [(r["row"], r["field"]) for r in caught.value.rows] == [
        (3, "条码"),
        (5, "售价"),
        (5, "成本价"),
        (5, "重量(g)"),
    ]
    assert "校验位" in caught.value.rows[0]["message"]
    assert caught.value.detail["error_count"] == 4
    assert counts() == before


@pytest.mark.parametrize(
    ("row", "field", "message"),
    [
        (["", "名", "", "", "A-1", "", "", "", "", "1", "", ""], "商品编码", "必填"),
        (["A", "", "", "", "A-1", "", "", "", "", "1", "", ""], "商品名称", "必填"),
        (["A", "名", "", "", "", "", "", "", "", "1", "", ""], "SKU编码", "必填"),
        (["A", "名", "", "", "A-1", "", "", "", "", "", "", ""], "售价", "必填"),
        (["A", "名", "", "", "A-1", "", "", "", "", "abc", "", ""], "售价", "不是数字"),
        (["A", "名", "", "", "A-1", "", "", "", "", "-1", "", ""], "售价", "负数"),
        (["A", "名", "", "", "A-1", "", "", "", "", "1", "", "1.5"], "重量(g)", "整数"),
        (["A", "名", "", "茶叶//绿茶", "A-1", "", "", "", "", "1", "", ""], "分类", "空的层级"),
        (["A", "名", "", "", "A-1", "123", "", "", "", "1", "", ""], "条码", "8、12 或 13"),
    ],
)
def test_single_row_errors(system_actor, row, field, message):
    with pytest.raises(ImportFileInvalid) as caught:
        run(system_actor, csv_bytes([row]), name="x.csv")
    [problem] = caught.value.rows
    assert (problem["row"], problem["field"]) == (2, field)
    assert message in problem["message"]


def test_duplicates_within_the_file(system_actor):
    rows = [
        ["A", "名", "", "", "A-1", ean13(7), "", "", "", "1", "", ""],
        ["A", "别名", "", "", "A-1", "", "", "", "", "1", "", ""],
        ["B", "名", "", "", "B-1", ean13(7), "", "", "", "1", "", ""],
    ]
    with pytest.raises(ImportFileInvalid) as caught:
        run(system_actor, csv_bytes(rows), name="x.csv")
    assert [(r["row"], r["field"], r["message"]) for r in caught.value.rows] == [
        (3, "商品名称", "与第 2 行同一商品的值不一致"),
        (3, "SKU编码", "与第 2 行的 SKU 编码重复"),
        (4, "条码", "与第 2 行的条码重复"),
    ]


def test_conflicts_with_the_database(system_actor):
    SkuFactory(code="OLD-1", product__spu_code="OLD", barcode=ean13(8))
    rows = [
        ["NEW", "新商品", "", "", "OLD-1", "", "", "", "", "1", "", ""],
        ["NEW", "新商品", "", "", "NEW-1", ean13(8), "", "", "", "1", "", ""],
    ]
    before = counts()
    with pytest.raises(ImportFileInvalid) as caught:
        run(system_actor, csv_bytes(rows), name="x.csv")
    assert [(r["row"], r["field"], r["message"]) for r in caught.value.rows] == [
        (2, "SKU编码", "SKU 编码已属于商品 OLD"),
        (3, "条码", "条码已被 SKU OLD-1 使用"),
    ]
    assert counts() == before


def test_missing_required_columns_are_reported_on_row_1(system_actor):
    with pytest.raises(ImportFileInvalid) as caught:
        run(system_actor, csv_bytes([["A", "名"]], header=["商品编码", "商品名称"]), name="x.csv")
    assert [(r["row"], r["field"]) for r in caught.value.rows] == [(1, "SKU编码"), (1, "售价")]


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("p.xls", b"whatever"),
        ("p.xlsx", b"not a zip"),
        ("p.csv", b""),
        ("p.csv", "商品编码,商品名称\n".encode()),
    ],
)
def test_unreadable_files(system_actor, name, content):
    with pytest.raises(ImportFileUnreadable) as caught:
        run(system_actor, content, name=name)
    assert caught.value.status == 422 and "file" in caught.value.detail["fields"]


def test_reimport_updates_instead_of_duplicating(system_actor):
    run(system_actor, xlsx(ROWS))
    changed = [list(r) for r in ROWS]
    changed[0][9] = "99.00"  # price of LJ-001-250
    changed[2][1] = "文化衫(新)"  # product name of TS-01
    changed[2][5] = ""  # blank barcode keeps the old one (none here)
    changed.append(["TS-01", "文化衫(新)", "", "服装", "TS-01-RED-L", "", "", "红", "L", "59.9", "", ""])

    result = run(system_actor, xlsx(changed))

    assert result == services.ImportResult(
        created_products=0, updated_products=1, created_skus=1, updated_skus=1
    )
    assert counts() == (2, 4, 1, 3)
    sku = Sku.objects.get(code="LJ-001-250")
    assert (sku.price_fen, sku.barcode) == (9900, ean13(1))
    [entry] = history(sku)
    assert (entry.from_state, entry.to_state, entry.reason) == ("88.80", "99.00", "import_products")


def test_identical_reimport_changes_nothing(system_actor):
    run(system_actor, xlsx(ROWS))
    result = run(system_actor, csv_bytes(ROWS), name="again.csv")
    assert result == services.ImportResult(
        created_products=0, updated_products=0, created_skus=0, updated_skus=0
    )


def test_blank_optional_cells_keep_existing_values(system_actor):
    run(system_actor, xlsx(ROWS))
    rows = [["LJ-001", "西湖龙井", "", "", "LJ-001-250", "", "", "", "", "88.80", "", ""]]
    run(system_actor, xlsx(rows))
    sku = Sku.objects.select_related("product__brand").get(code="LJ-001-250")
    assert (sku.barcode, sku.cost_fen, sku.weight_g, sku.attributes) == (
        ean13(1),
        5000,
        300,
        {"规格": "250g"},
    )
    assert sku.product.brand.name == "狮峰"


def test_five_thousand_rows_without_per_row_queries(system_actor, django_assert_max_num_queries):
    # Queries grow with distinct brands/categories and insert batches (SQLite: ~110 rows each), not rows.
    rows = [
        [
            f"P{n // 5:04d}",
            f"商品{n // 5}",
            f"品牌{n // 5 % 7}",
            f"类{n // 5 % 3}/子{n // 5 % 4}",
            f"P{n:05d}",
            ean13(n),
            f"{n}g",
            "",
            "",
            "12.50",
            "8",
            "100",
        ]
        for n in range(5000)
    ]
    content = csv_bytes(rows)
    calls = []

    with django_assert_max_num_queries(250):
        result = services.import_products(
            file_name="big.csv",
            content=content,
            actor=system_actor,
            progress=lambda *args: calls.append(args),
        )

    assert result == services.ImportResult(
        created_products=1000, updated_products=0, created_skus=5000, updated_skus=0
    )
    assert calls[-1] == ("write", 5000, 5000)
    assert ("validate", 5000, 5000) in calls
    with django_assert_max_num_queries(250):
        again = services.import_products(file_name="big.csv", content=content, actor=system_actor)
    assert again.updated_skus == 0


def test_management_command(system_actor, tmp_path, capsys):
    path = tmp_path / "products.xlsx"
    path.write_bytes(xlsx(ROWS))
    call_command("import_products", str(path), "--no-progress")
    assert "新建商品 2,更新商品 0,新建 SKU 3,更新 SKU 0" in capsys.readouterr().out


def test_management_command_lists_bad_rows(tmp_path, capsys):
    rows = [ROWS[0], ["A", "名", "", "", "A-1", "6901234567891", "", "", "", "x", "", ""]]
    path = tmp_path / "bad.csv"
    path.write_bytes(csv_bytes(rows))
    with pytest.raises(CommandError, match="2 处错误"):
        call_command("import_products", str(path), "--no-progress")
    err = capsys.readouterr().err
    assert "第 3 行 [条码]: 条码校验位错误(应为 2)" in err
    assert "第 3 行 [售价]: 不是数字: x" in err
    assert Product.objects.count() == 0


def test_full_width_headers_tabs_and_blank_rows_keep_row_numbers(system_actor):
    header = ["商品编码", "商品名称", "商家编码", "售价", "重量（g）", "属性：材质"]
    lines = ["\t".join(header), "A\t名\tA-1\t1\t250\t棉", "", "A\t名\tA-2\tx\t\t"]
    with pytest.raises(ImportFileInvalid) as caught:
        run(system_actor, "\n".join(lines).encode(), name="tabs.csv")
    assert [(r["row"], r["field"]) for r in caught.value.rows] == [(4, "售价")]
    run(system_actor, "\n".join(lines[:2]).encode(), name="tabs.csv")
    sku = Sku.objects.get(code="A-1")
    assert (sku.weight_g, sku.attributes) == (250, {"材质": "棉"})
