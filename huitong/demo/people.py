"""Fake but plausible web-mall customers: names, mobile numbers, addresses in real cities.

Pure module (no database), driven by the caller's ``random.Random`` so the demo is reproducible.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林高罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁沈任姚卢姜崔钟谭陆汪范金石廖贾夏韦付方邹熊白孟秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英文华建国志红玉梅晓燕婷雪琳子涵浩宇欣怡思远佳琪俊杰梓萱雨桐一诺嘉怡晨阳天佑诗雨海峰晓东丽萍春华秋月冬梅"
MOBILE_PREFIXES = [
    "130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "155", "156",
    "157", "158", "159", "166", "176", "177", "180", "181", "182", "183", "185", "186", "187", "188",
    "189", "198", "199",
]

# (province, city, districts, weight): where the web mall's buyers live
REGIONS: list[tuple[str, str, list[str], int]] = [
    ("浙江省", "杭州市", ["西湖区", "拱墅区", "上城区", "滨江区", "余杭区", "萧山区"], 16),
    ("浙江省", "宁波市", ["鄞州区", "海曙区", "江北区"], 5),
    ("浙江省", "温州市", ["鹿城区", "瓯海区"], 3),
    ("上海市", "上海市", ["浦东新区", "徐汇区", "静安区", "闵行区", "长宁区", "杨浦区"], 14),
    ("江苏省", "南京市", ["鼓楼区", "玄武区", "建邺区"], 5),
    ("江苏省", "苏州市", ["姑苏区", "吴中区", "工业园区"], 6),
    ("北京市", "北京市", ["朝阳区", "海淀区", "东城区", "西城区", "丰台区"], 9),
    ("广东省", "广州市", ["天河区", "越秀区", "海珠区", "番禺区"], 8),
    ("广东省", "深圳市", ["南山区", "福田区", "宝安区", "龙岗区"], 8),
    ("福建省", "福州市", ["鼓楼区", "仓山区"], 3),
    ("福建省", "厦门市", ["思明区", "湖里区"], 3),
    ("四川省", "成都市", ["锦江区", "武侯区", "高新区"], 4),
    ("湖北省", "武汉市", ["武昌区", "江汉区", "洪山区"], 3),
    ("山东省", "青岛市", ["市南区", "崂山区"], 2),
    ("山东省", "济南市", ["历下区", "市中区"], 2),
    ("安徽省", "合肥市", ["蜀山区", "包河区"], 2),
    ("湖南省", "长沙市", ["岳麓区", "天心区"], 2),
    ("天津市", "天津市", ["和平区", "南开区"], 2),
    ("陕西省", "西安市", ["雁塔区", "碑林区"], 2),
]
STREETS = ["文三路", "学院路", "延安路", "中山路", "人民路", "解放路", "建设路", "南京路", "长江路", "黄河路",
           "滨江大道", "科技路", "和平路", "新华路", "湖滨路", "天目山路", "凤起路", "体育场路", "东风路", "青年路"]
ESTATES = ["金色家园", "阳光花园", "翠苑一区", "锦绣江南", "万科城市花园", "绿城桂花园", "碧桂园", "世纪新城",
           "名仕公寓", "滨江花园", "春江花月", "香樟园", "紫金庭院", "西溪诚园", "保利天悦"]
NICK_WORDS = ["茶友", "爱喝茶的", "tea", "小茶人", "品茗", "清风", "山水", "半盏", "一叶", "闲云"]
REMARKS = ["请用礼盒包装,送人的", "不要放发票和价格单", "周末在家,工作日请放快递柜",
           "麻烦发顺丰", "老顾客了,茶叶请发新鲜的", "请帮忙写张贺卡:中秋快乐", "收货前请电话联系"]


@dataclass(frozen=True)
class Customer:
    nick: str
    name: str
    phone: str
    province: str
    city: str
    district: str
    address: str


def _name(rng: random.Random) -> str:
    given = "".join(rng.choice(GIVEN) for _ in range(rng.choice([1, 2, 2])))
    return rng.choice(SURNAMES) + given


def _phone(rng: random.Random) -> str:
    return rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"


def _nick(rng: random.Random, name: str) -> str:
    word = rng.choice(NICK_WORDS)
    return f"{word}{rng.randrange(100, 9999)}" if rng.random() < 0.7 else f"{name[0]}{word}_{rng.randrange(10, 99)}"


def make_customers(count: int, rng: random.Random) -> list[Customer]:
    regions = rng.choices(REGIONS, weights=[r[3] for r in REGIONS], k=count)
    customers = []
    for province, city, districts, _weight in regions:
        name = _name(rng)
        address = (f"{rng.choice(STREETS)}{rng.randrange(1, 999)}号{rng.choice(ESTATES)}"
                   f"{rng.randrange(1, 30)}幢{rng.randrange(1, 5)}单元{rng.randrange(1, 33)}{rng.randrange(1, 5):02d}室")
        customers.append(Customer(
            nick=_nick(rng, name), name=name, phone=_phone(rng), province=province, city=city,
            district=rng.choice(districts), address=address,
        ))
    return customers


def customer_weights(count: int) -> list[float]:
    """Zipf-like: a few loyal customers order again and again, most once or twice."""
    return [1 / (rank + 5) for rank in range(count)]
