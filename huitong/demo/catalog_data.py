"""The demo brand's product master (山茗堂: tea, teaware, specialty food), as plain data.

Pure module, no database: ``demo_products()`` turns the tables below into ``DemoProduct``s with SKU
codes, attributes, prices and costs in fen, weights, and EAN-13 barcodes on Chinese (69x) company
prefixes with valid check digits. Everything is derived from the tables, so it is the same on every
run (the seeder upserts by code).
"""

from __future__ import annotations

from dataclasses import dataclass

from stdnum import ean

OWN_BRAND = "山茗堂"


@dataclass(frozen=True)
class DemoSku:
    code: str
    attributes: dict[str, str]
    price_fen: int
    cost_fen: int
    barcode: str
    weight_g: int
    gift: bool  # gift boxes and bundles sell more before holidays


@dataclass(frozen=True)
class DemoProduct:
    spu_code: str
    name: str
    brand: str
    category: str
    description: str
    popularity: int  # 1 (slow) … 10 (best seller)
    skus: tuple[DemoSku, ...]


# brand → 7-digit GS1 China company prefix (69x); item references are numbered per brand
BRANDS: dict[str, str] = {
    OWN_BRAND: "6975321",
    "山茗堂·茶器": "6975322",
    "滇南花语": "6938814",
    "江南糕坊": "6924567",
    "山野珍": "6941207",
}

# Loose tea: (name, category, yuan per 50 g, popularity, description)
LOOSE_TEA: list[tuple[str, str, int, int, str]] = [
    ("西湖龙井·明前特级", "茶叶/绿茶", 320, 6, "杭州西湖产区明前采摘,豆花香,汤色嫩绿明亮。"),
    ("西湖龙井·雨前一级", "茶叶/绿茶", 150, 10, "雨前采制,栗香馥郁,口粮龙井首选。"),
    ("洞庭碧螺春", "茶叶/绿茶", 180, 7, "苏州东山洞庭碧螺春,条索卷曲如螺,花果香。"),
    ("黄山毛峰", "茶叶/绿茶", 90, 6, "安徽黄山高山茶园,芽叶肥壮,清香持久。"),
    ("六安瓜片", "茶叶/绿茶", 120, 5, "唯一无芽无梗的单片茶,滋味鲜醇回甘。"),
    ("信阳毛尖", "茶叶/绿茶", 80, 6, "河南信阳,细圆紧直,熟板栗香。"),
    ("安吉白茶", "茶叶/绿茶", 140, 7, "浙江安吉白叶一号,氨基酸含量高,鲜爽。"),
    ("太平猴魁", "茶叶/绿茶", 160, 4, "两叶抱一芽,兰香高爽,猴韵明显。"),
    ("恩施玉露", "茶叶/绿茶", 100, 3, "蒸青工艺,色绿、汤绿、叶底绿。"),
    ("蒙顶甘露", "茶叶/绿茶", 110, 3, "四川蒙顶山,卷曲多毫,香气馥郁。"),
    ("安溪铁观音·清香型", "茶叶/乌龙茶", 90, 9, "福建安溪,兰花香,七泡有余香。"),
    ("安溪铁观音·浓香型", "茶叶/乌龙茶", 80, 6, "传统炭焙,熟果香,汤色金黄。"),
    ("武夷大红袍", "茶叶/乌龙茶", 150, 9, "武夷山岩茶,岩骨花香,焙火足。"),
    ("武夷肉桂", "茶叶/乌龙茶", 170, 6, "桂皮香辛锐,岩韵明显。"),
    ("武夷水仙", "茶叶/乌龙茶", 100, 4, "老丛水仙,木质香与粽叶香。"),
    ("凤凰单丛·蜜兰香", "茶叶/乌龙茶", 120, 5, "潮州凤凰山,蜜韵兰香,山韵十足。"),
    ("冻顶乌龙", "茶叶/乌龙茶", 130, 3, "半球型颗粒,焙火甘醇。"),
    ("漳平水仙", "茶叶/乌龙茶", 70, 3, "纸包方饼,兰花香,耐冲泡。"),
    ("正山小种", "茶叶/红茶", 100, 9, "武夷山桐木关,松烟香与桂圆汤。"),
    ("金骏眉", "茶叶/红茶", 260, 7, "单芽制作,花果蜜香,甜润。"),
    ("祁门红茶", "茶叶/红茶", 90, 6, "世界三大高香红茶之一,祁门香。"),
    ("滇红金芽", "茶叶/红茶", 110, 5, "云南凤庆大叶种,金毫显露,甜香浓郁。"),
    ("英德红茶", "茶叶/红茶", 70, 4, "英红九号,汤色红艳,香高味浓。"),
    ("坦洋工夫", "茶叶/红茶", 80, 3, "福建福安,桂圆香,滋味醇厚。"),
    ("宜兴红茶", "茶叶/红茶", 60, 3, "阳羡茶区,甜醇柔和,性价比之选。"),
    ("福鼎白毫银针", "茶叶/白茶", 200, 5, "福鼎大白茶单芽,毫香蜜韵。"),
    ("福鼎白牡丹", "茶叶/白茶", 90, 5, "一芽一二叶,花香清甜。"),
    ("茉莉银毫", "茶叶/花茶", 60, 6, "广西横县茉莉花七窨,鲜灵浓郁。"),
    ("桐乡杭白菊·胎菊", "茶叶/花茶", 30, 6, "浙江桐乡胎菊,清热明目,可配绿茶。"),
    ("桂花乌龙", "茶叶/花茶", 70, 4, "金桂窨制,桂香甜润。"),
]
LOOSE_SPECS: list[tuple[str, str, int, int, int, bool]] = [
    # (规格, 包装, grams, price ×1/100 of the 50 g price, packaging grams, gift)
    ("50g", "罐装", 50, 100, 80, False),
    ("125g", "罐装", 125, 235, 150, False),
    ("250g", "礼盒", 250, 450, 450, True),
]

# Everything else: (category, name, popularity, description, [(规格, yuan, grams, gift), ...])
OTHER: list[tuple[str, str, str, int, str, list[tuple[str, int, int, bool]]]] = [
    (OWN_BRAND, "茶叶/普洱", "勐海普洱熟茶饼", 9, "勐海大叶种晒青毛茶渥堆发酵,陈香醇厚。",
     [("357g饼", 198, 380, False), ("7饼一提", 1288, 2600, True)]),
    (OWN_BRAND, "茶叶/普洱", "易武普洱生茶饼", 5, "易武古树料,蜜香柔滑,适合收藏。",
     [("357g饼", 368, 380, False), ("7饼一提", 2388, 2600, True)]),
    (OWN_BRAND, "茶叶/普洱", "老班章古树生饼", 3, "老班章村古树茶,霸气回甘,茶气足。",
     [("200g小饼", 988, 230, False), ("357g饼", 1680, 380, True)]),
    (OWN_BRAND, "茶叶/普洱", "宫廷普洱熟散茶", 6, "芽头细嫩,红浓明亮,糯香。",
     [("100g罐装", 88, 180, False), ("250g罐装", 198, 380, False)]),
    (OWN_BRAND, "茶叶/普洱", "新会小青柑普洱", 8, "新会青柑皮配宫廷熟普,柑香清新。",
     [("10粒罐装", 98, 200, False), ("30粒礼盒", 268, 600, True)]),
    (OWN_BRAND, "茶叶/普洱", "下关普洱沱茶", 4, "传统沱茶,紧结耐泡,烟香。",
     [("100g×5沱", 128, 560, False), ("100g单沱", 29, 110, False)]),
    (OWN_BRAND, "茶叶/白茶", "福鼎寿眉饼", 5, "三年陈寿眉,枣香药香,可煮可泡。",
     [("100g小方片", 88, 130, False), ("350g饼", 268, 380, True)]),
    ("山茗堂·茶器", "茶具/茶壶", "宜兴原矿朱泥西施壶", 4, "宜兴丁蜀原矿朱泥,全手工,出汤顺畅。",
     [("180ml", 688, 260, True), ("240ml", 788, 320, True)]),
    ("山茗堂·茶器", "茶具/茶壶", "宜兴紫泥石瓢壶", 4, "经典石瓢器型,紫泥透气,适合岩茶普洱。",
     [("200ml", 888, 300, True), ("300ml", 1088, 380, True)]),
    ("山茗堂·茶器", "茶具/杯碗", "德化白瓷盖碗", 9, "德化羊脂白瓷,薄胎不烫手。",
     [("120ml", 58, 180, False), ("150ml", 68, 210, False)]),
    ("山茗堂·茶器", "茶具/杯碗", "景德镇青花缠枝莲盖碗", 5, "景德镇手绘青花,釉面温润。",
     [("130ml", 128, 200, False), ("150ml", 148, 230, False)]),
    ("山茗堂·茶器", "茶具/杯碗", "汝窑天青品茗杯", 7, "开片汝窑,越养越润。",
     [("单只", 48, 90, False), ("4只装礼盒", 168, 520, True)]),
    ("山茗堂·茶器", "茶具/杯碗", "建阳兔毫建盏", 4, "建阳水吉柴烧,兔毫纹理自然。",
     [("束口盏", 268, 260, True), ("敞口盏", 248, 250, True)]),
    ("山茗堂·茶器", "茶具/茶道配件", "耐热玻璃公道杯", 6, "高硼硅玻璃,断水利落。",
     [("300ml", 38, 220, False), ("450ml", 48, 280, False)]),
    ("山茗堂·茶器", "茶具/茶道配件", "按压式飘逸杯", 6, "一键茶水分离,办公室泡茶神器。",
     [("500ml", 68, 420, False), ("750ml", 88, 520, False)]),
    ("山茗堂·茶器", "茶具/茶道配件", "竹制储水茶盘", 3, "楠竹整板,内置储水。",
     [("小号40cm", 198, 2200, False), ("大号60cm", 368, 3800, True)]),
    ("山茗堂·茶器", "茶具/茶道配件", "茶道六君子", 4, "茶夹、茶则、茶针、茶漏、茶匙与筒。",
     [("鸡翅木", 128, 450, False), ("黑檀", 168, 480, True)]),
    ("山茗堂·茶器", "茶具/茶道配件", "纯锡茶叶罐", 3, "锡罐密封防潮,存茶佳品。",
     [("100g装", 228, 350, True), ("250g装", 368, 560, True)]),
    ("山茗堂·茶器", "茶具/茶道配件", "便携旅行茶具套装", 5, "快客杯收纳包,出差露营都方便。",
     [("一壶二杯", 128, 600, False), ("一壶四杯", 158, 800, True)]),
    ("滇南花语", "特产/糕点", "云南玫瑰鲜花饼", 10, "墨红玫瑰花瓣现做馅料,酥皮层层。",
     [("6枚装", 39, 360, False), ("12枚礼盒", 78, 780, True)]),
    ("滇南花语", "特产/糕点", "鲜花饼混合口味礼盒", 6, "玫瑰、茉莉、桂花三种口味。",
     [("10枚装", 68, 620, True), ("20枚装", 128, 1250, True)]),
    ("江南糕坊", "特产/糕点", "杭州定胜糕", 6, "粳米糯米配豆沙,松软香甜。",
     [("8块装", 28, 420, False), ("16块礼盒", 52, 860, True)]),
    ("江南糕坊", "特产/糕点", "糖桂花糕", 5, "满觉陇金桂入糕,清甜不腻。",
     [("200g", 22, 230, False), ("400g", 39, 450, False)]),
    ("江南糕坊", "特产/糕点", "绿豆糕", 6, "去皮绿豆细磨,入口即化。",
     [("6枚装", 26, 300, False), ("12枚礼盒", 48, 620, True)]),
    ("江南糕坊", "特产/糕点", "苏式椒盐月饼", 5, "酥皮椒盐百果馅,传统苏式。",
     [("6枚装", 36, 480, False), ("12枚礼盒", 68, 980, True)]),
    ("江南糕坊", "特产/糕点", "广式莲蓉蛋黄月饼", 6, "白莲蓉双黄,中秋送礼。",
     [("4枚礼盒", 128, 900, True), ("8枚礼盒", 228, 1700, True)]),
    ("江南糕坊", "特产/糕点", "凤梨酥", 6, "土凤梨馅,奶香酥皮。",
     [("6枚装", 42, 300, False), ("12枚礼盒", 78, 620, True)]),
    ("江南糕坊", "特产/糕点", "雪媚娘蛋黄酥", 7, "红豆沙包咸蛋黄,现烤。",
     [("6枚装", 36, 330, False), ("12枚装", 66, 660, False)]),
    ("江南糕坊", "特产/糕点", "宫廷核桃酥", 4, "核桃仁与猪油起酥,酥到掉渣。",
     [("300g", 25, 330, False), ("600g", 45, 650, False)]),
    ("江南糕坊", "特产/糕点", "龙井茶酥", 5, "龙井茶粉入酥,茶香清雅。",
     [("8枚装", 48, 400, False), ("16枚礼盒", 88, 820, True)]),
    ("山野珍", "特产/干货", "若羌灰枣", 7, "新疆若羌,皮薄肉厚,甜而不腻。",
     [("500g", 39, 520, False), ("1kg", 69, 1030, False)]),
    ("山野珍", "特产/干货", "宁夏中宁枸杞", 7, "头茬特级,颗粒饱满。",
     [("250g", 48, 270, False), ("500g礼罐", 88, 650, True)]),
    ("山野珍", "特产/干货", "莆田桂圆干", 8, "带壳龙眼干,肉厚核小。",
     [("250g", 32, 270, False), ("500g", 58, 520, False)]),
    ("山野珍", "特产/干货", "庆元花菇", 5, "浙江庆元椴木花菇,菇香浓郁。",
     [("200g", 68, 230, False), ("400g礼盒", 128, 600, True)]),
    ("山野珍", "特产/干货", "东北秋木耳", 5, "黑龙江东宁秋耳,小碗耳肉厚。",
     [("250g", 36, 270, False), ("500g", 65, 520, False)]),
    ("山野珍", "特产/干货", "湘潭寸三莲", 4, "湘莲去芯,一煮就粉。",
     [("250g", 42, 270, False), ("500g", 78, 520, False)]),
    ("山野珍", "特产/干货", "古田银耳", 4, "福建古田,胶质丰富。",
     [("100g", 28, 130, False), ("250g", 62, 300, False)]),
    ("山野珍", "特产/干货", "临安手剥山核桃", 7, "临安昌化山核桃,奶油味。",
     [("250g", 58, 270, False), ("500g礼罐", 108, 650, True)]),
    ("山野珍", "特产/干货", "天目山笋干", 4, "临安天目山扁尖笋,煲汤鲜美。",
     [("250g", 45, 270, False), ("500g", 85, 520, False)]),
    ("山野珍", "特产/干货", "新会陈皮", 5, "新会茶枝柑大红皮,陈香醇厚。",
     [("5年·100g", 98, 150, False), ("10年·100g", 198, 150, True)]),
    ("山野珍", "特产/干货", "云南牛肝菌干", 3, "野生黄牛肝菌切片,香气浓。",
     [("100g", 78, 130, False), ("250g", 178, 300, True)]),
]

# cost as a share of the price (percent), by top-level category
COST_PERCENT = {"茶叶": 42, "茶具": 48, "特产": 58}

CATEGORY_PREFIX = {
    "绿茶": "LC", "乌龙茶": "WL", "红茶": "HC", "白茶": "BC", "花茶": "HUA", "普洱": "PE",
    "茶壶": "CH", "杯碗": "BW", "茶道配件": "PJ", "糕点": "GD", "干货": "GH",
}


def _nice_yuan(yuan: int) -> int:
    """A shelf price: 38, 68, 198, 1288 …"""
    if yuan < 1000:
        return max(8, -(-yuan // 10) * 10 - 2)
    return round(yuan / 100) * 100 - 12


def _cost_fen(category: str, price_fen: int) -> int:
    percent = COST_PERCENT[category.split("/")[0]]
    return price_fen * percent // 100 // 10 * 10


class _Barcodes:
    def __init__(self) -> None:
        self.next_item: dict[str, int] = {}

    def next(self, brand: str) -> str:
        item = self.next_item.get(brand, 1)
        self.next_item[brand] = item + 1
        body = f"{BRANDS[brand]}{item:05d}"
        return body + ean.calc_check_digit(body)


def _loose_tea(spu_code: str, category: str, per_50g: int, barcodes: _Barcodes) -> tuple[DemoSku, ...]:
    skus = []
    for no, (grams, package, net_g, factor, packaging_g, gift) in enumerate(LOOSE_SPECS, start=1):
        price_fen = _nice_yuan(per_50g * factor // 100 + (40 if gift else 0)) * 100
        skus.append(DemoSku(
            code=f"{spu_code}-{no:02d}", attributes={"规格": grams, "包装": package}, price_fen=price_fen,
            cost_fen=_cost_fen(category, price_fen), barcode=barcodes.next(OWN_BRAND),
            weight_g=net_g + packaging_g, gift=gift,
        ))
    return tuple(skus)


def demo_products() -> list[DemoProduct]:
    """The whole demo catalog in a fixed order (172 SKUs)."""
    barcodes = _Barcodes()
    numbers: dict[str, int] = {}
    products: list[DemoProduct] = []

    def next_code(category: str) -> str:
        prefix = CATEGORY_PREFIX[category.split("/")[-1]]
        numbers[prefix] = numbers.get(prefix, 0) + 1
        return f"SMT-{prefix}{numbers[prefix]:03d}"

    for name, category, per_50g, popularity, description in LOOSE_TEA:
        spu_code = next_code(category)
        products.append(DemoProduct(
            spu_code=spu_code, name=name, brand=OWN_BRAND, category=category, description=description,
            popularity=popularity, skus=_loose_tea(spu_code, category, per_50g, barcodes),
        ))
    for brand, category, name, popularity, description, specs in OTHER:
        spu_code = next_code(category)
        skus = tuple(
            DemoSku(
                code=f"{spu_code}-{no:02d}", attributes={"规格": label}, price_fen=yuan * 100,
                cost_fen=_cost_fen(category, yuan * 100), barcode=barcodes.next(brand), weight_g=grams, gift=gift,
            )
            for no, (label, yuan, grams, gift) in enumerate(specs, start=1)
        )
        products.append(DemoProduct(
            spu_code=spu_code, name=name, brand=brand, category=category, description=description,
            popularity=popularity, skus=skus,
        ))
    return products
