"""A realistic, deterministic demo shop: 小二旗舰店.

``python -m bot seed-demo`` fills an empty CRM with the catalogue from
``catalog.yml``, a handful of featured buyers whose orders are fixed (the README
tells what to try with each) and a crowd of generated buyers and orders in
every status, with logistics traces. Generation uses a fixed random seed; dates
are laid out relative to ``as_of`` (default: now) so parcels are "in transit"
whenever the demo is run, while order numbers, names and items stay the same.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import yaml
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.aftersales.stages import FINAL, PATHS
from bot.crm.demo.history import add_service_history
from bot.crm.models import (
    Address,
    Category,
    Customer,
    LogisticsEvent,
    Order,
    OrderItem,
    OrderStatus,
    Product,
    ProductVariant,
    ReturnKind,
    ReturnRequest,
    ReturnStage,
    ReturnStatus,
    Shipment,
)

CATALOG_PATH = Path(__file__).with_name("catalog.yml")
SEED = 20261125
WAREHOUSE = ("浙江省", "杭州市", "余杭区")

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超霞平刚桂英华玉萍红娥玲芬燕彬鹏辉斌宇浩凯秀兰婷雪琳晨欣怡子涵梓轩雨桐佳琪思远一鸣浩然诗雨"
NICK_PARTS_A = ["爱吃鱼的", "不吃香菜的", "快乐的", "安静的", "早睡早起的", "会飞的", "追风的", "佛系", "熬夜的", "小小"]
NICK_PARTS_B = ["猫", "小熊", "橘子", "胖虎", "兔子", "少年", "阿姨", "仙女", "咸鱼", "豆豆", "宝宝", "大王"]
SOURCES = ["淘宝搜索", "直播间", "老客推荐", "小红书种草", "聚划算", "店铺首页", "抖音广告"]
PAYMENT_METHODS = ["支付宝", "花呗", "信用卡", "支付宝", "微信支付"]
REGIONS: List[Tuple[str, str, List[str]]] = [
    ("北京市", "北京市", ["朝阳区", "海淀区", "丰台区", "东城区"]),
    ("上海市", "上海市", ["浦东新区", "徐汇区", "静安区", "闵行区"]),
    ("广东省", "广州市", ["天河区", "越秀区", "番禺区"]),
    ("广东省", "深圳市", ["南山区", "福田区", "宝安区"]),
    ("浙江省", "杭州市", ["西湖区", "滨江区", "萧山区"]),
    ("江苏省", "南京市", ["鼓楼区", "玄武区", "江宁区"]),
    ("江苏省", "苏州市", ["姑苏区", "工业园区"]),
    ("四川省", "成都市", ["武侯区", "锦江区", "高新区"]),
    ("湖北省", "武汉市", ["洪山区", "江汉区", "武昌区"]),
    ("陕西省", "西安市", ["雁塔区", "碑林区"]),
    ("山东省", "济南市", ["历下区", "市中区"]),
    ("湖南省", "长沙市", ["岳麓区", "芙蓉区"]),
    ("福建省", "厦门市", ["思明区", "湖里区"]),
    ("河南省", "郑州市", ["金水区", "二七区"]),
    ("辽宁省", "沈阳市", ["和平区", "沈河区"]),
    ("黑龙江省", "哈尔滨市", ["南岗区", "道里区"]),
    ("新疆维吾尔自治区", "乌鲁木齐市", ["天山区", "沙依巴克区"]),
]
STREETS = [
    "建国路",
    "人民路",
    "解放路",
    "中山路",
    "长江路",
    "学院路",
    "文化路",
    "和平街",
    "新华街",
    "科技园南路",
    "滨河大道",
    "望京街",
]
COMPOUNDS = ["阳光花园", "金色家园", "翠湖小区", "幸福里", "锦绣苑", "万科城", "碧桂园", "世纪公寓", "东方大厦"]
CARRIERS = ["顺丰速运", "中通快递", "圆通速递", "韵达快递", "京东物流"]
HUBS = ["杭州转运中心", "上海转运中心", "南京转运中心", "武汉转运中心", "广州转运中心", "郑州转运中心", "成都转运中心"]
FAR_PROVINCES = {"新疆维吾尔自治区", "黑龙江省", "辽宁省", "四川省", "陕西省"}


@dataclass(frozen=True)
class FeaturedOrder:
    order_no: str
    status: OrderStatus
    sku: str
    variant: int  # index into the product's variants
    quantity: int
    age_hours: float  # how long ago it was placed, relative to as_of
    freight_insurance: bool = False
    more_lines: Tuple[Tuple[str, int, int], ...] = ()  # further (sku, variant, quantity) lines
    delivered_hours_ago: Optional[float] = None  # pins 签收 exactly, for after-sales windows


@dataclass(frozen=True)
class FeaturedBuyer:
    """Buyers whose data never changes, for the README's walkthrough and the tests."""

    platform_uid: str
    nickname: str
    real_name: str
    phone: str
    orders: Tuple[FeaturedOrder, ...]


S = OrderStatus
FEATURED_BUYERS: Tuple[FeaturedBuyer, ...] = (
    FeaturedBuyer(
        "tb_xiaoyu",
        "小雨不带伞",
        "林小雨",
        "13800000001",
        (
            FeaturedOrder("4128503961730215", S.SHIPPED, "CL001", 3, 1, 50, True),
            FeaturedOrder("4128503961731106", S.AWAITING_SHIPMENT, "SH002", 2, 1, 20),
            FeaturedOrder("4128503961732287", S.DELIVERED, "CO001", 0, 1, 120),
            FeaturedOrder("4128503961733398", S.COMPLETED, "CL003", 4, 1, 24 * 40),
        ),
    ),
    FeaturedBuyer(
        "tb_wangjun",
        "军哥爱数码",
        "王军",
        "13800000002",
        (
            FeaturedOrder("5230917846201337", S.PENDING_PAYMENT, "EL005", 0, 1, 2),
            FeaturedOrder("5230917846202448", S.AWAITING_SHIPMENT, "EL006", 1, 1, 80),
            FeaturedOrder("5230917846203559", S.COMPLETED, "EL003", 0, 1, 24 * 60),
        ),
    ),
    FeaturedBuyer(
        "tb_chenmei",
        "美美今天也很美",
        "陈美",
        "13800000003",
        (
            FeaturedOrder("6302718459301124", S.SHIPPED, "CL001", 1, 1, 30),
            FeaturedOrder("6302718459302235", S.AWAITING_SHIPMENT, "CL002", 5, 1, 10),
            FeaturedOrder("6302718459303346", S.COMPLETED, "CO004", 1, 1, 24 * 25),
        ),
    ),
    FeaturedBuyer(
        "tb_zhaolei",
        "磊落青年",
        "赵磊",
        "13800000004",
        (
            FeaturedOrder("7415029386401457", S.CANCELLED, "EL001", 0, 1, 24 * 3),
            FeaturedOrder("7415029386402568", S.DELIVERED, "SH008", 2, 1, 24 * 4, True),
            FeaturedOrder("7415029386403679", S.COMPLETED, "FD002", 0, 1, 24 * 90),
        ),
    ),
    FeaturedBuyer(
        "tb_zhouting",
        "婷婷玉立",
        "周婷",
        "13800000005",
        (
            FeaturedOrder("8526130497501568", S.SHIPPED, "EL011", 0, 1, 60),
            FeaturedOrder("8526130497502679", S.COMPLETED, "CO005", 0, 1, 24 * 15),
        ),
    ),
    FeaturedBuyer(
        "tb_sunli",
        "丽丽爱购物",
        "孙丽",
        "13800000006",
        (
            # after-sales walkthrough: two T-shirts and canvas shoes signed for 30 hours ago, with 运费险
            FeaturedOrder("9637241508601779", S.DELIVERED, "CL003", 2, 2, 80, True, (("SH001", 3, 1),), delivered_hours_ago=30),
            # a hoodie signed for 10 days ago: past the 7-day no-reason window, inside the 15-day quality window
            FeaturedOrder("9637241508602881", S.DELIVERED, "CL004", 0, 1, 24 * 13, delivered_hours_ago=24 * 10),
            # nuts signed for 50 hours ago: food is never a no-reason return; past the 48-hour damage window
            FeaturedOrder("9637241508603992", S.DELIVERED, "FD001", 0, 2, 24 * 4, delivered_hours_ago=50),
        ),
    ),
)


def load_catalog() -> dict:
    with CATALOG_PATH.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


class DemoShopBuilder:
    """Builds the demo shop into an empty database in one transaction."""

    def __init__(self, session: Session, as_of: datetime, customers: int = 220, orders: int = 1000):
        self.session = session
        self.as_of = as_of.replace(microsecond=0)
        self.customer_target = customers
        self.order_target = orders
        self.rng = random.Random(SEED)
        self.products: Dict[str, Product] = {}
        self.used_order_nos: set = set()
        self.used_tracking: set = set()

    # -- entry point -----------------------------------------------------------------

    def build(self) -> Dict[str, int]:
        if self.session.execute(select(func.count(Customer.id))).scalar_one():
            raise RuntimeError("数据库里已经有顾客数据，seed-demo 只能在空库上运行（可先 reset-db）")
        self._add_catalogue()
        for featured in FEATURED_BUYERS:
            self.used_order_nos.update(o.order_no for o in featured.orders)
        count = 0
        for featured in FEATURED_BUYERS:
            customer = self._add_customer(featured.platform_uid, featured.nickname, featured.real_name, featured.phone)
            for spec in featured.orders:
                self._add_featured_order(customer, spec)
                count += 1
        crowd = [self._add_generated_customer(i) for i in range(self.customer_target - len(FEATURED_BUYERS))]
        statuses = list(OrderStatus)
        for index in range(self.order_target - count):
            customer = self.rng.choice(crowd)
            # every status appears; the rest follows from the order's age
            forced = statuses[index] if index < len(statuses) else None
            self._add_generated_order(customer, forced)
        self.session.flush()
        returns = self._add_return_history()
        complaints = add_service_history(self.session, crowd, self.as_of, self.rng)
        self.session.flush()
        return {
            "customers": self.customer_target,
            "products": len(self.products),
            "orders": self.order_target,
            "return_requests": returns,
            "complaints": complaints,
        }

    # -- after-sales history -------------------------------------------------------------

    def _add_return_history(self) -> int:
        """Past and open after-sales cases on about one delivered order in twenty, in every stage.

        Featured buyers get none except 林小雨's T-shirt, returned and refunded long ago,
        so the README walkthrough and the tests start from a known state.
        """
        featured_uids = {f.platform_uid for f in FEATURED_BUYERS}
        orders = self.session.execute(
            select(Order)
            .join(Customer, Customer.id == Order.customer_id)
            .where(Order.delivered_at.is_not(None), Customer.platform_uid.not_in(featured_uids))
            .order_by(Order.id)
        ).scalars()
        sequences: Dict[str, int] = {}
        count = 0
        story = [
            (ReturnKind.RETURN_REFUND, "尺码偏大，不想要了", "签收后7天内，支持7天无理由退货；退货运费由买家承担", "buyer"),
            (ReturnKind.EXCHANGE, "想换大一码", "签收后7天内可以换尺码或颜色；退货运费由买家承担", "buyer"),
            (
                ReturnKind.RETURN_REFUND,
                "收到有破洞，质量问题",
                "质量问题在签收后15天内可以退货或换货，退货运费由店铺承担（可先垫付，我们报销）",
                "shop",
            ),
            (ReturnKind.RESHIP, "少发了一件", "发错或漏发是店铺的责任，为您补发或按差额退款；退货运费由店铺承担", None),
            (
                ReturnKind.REFUND_ONLY,
                "外箱压坏，商品破损",
                "签收后48小时内反馈的运输破损，店铺为您补发或退款；退货运费由店铺承担",
                None,
            ),
        ]
        xiaoyu_tee = self.session.execute(select(Order).where(Order.order_no == "4128503961733398")).scalar_one()
        candidates = [(xiaoyu_tee, story[0], ReturnStatus.REFUNDED)]
        for order in orders:
            if self.rng.random() < 0.05:
                outcome = self.rng.choice(list(ReturnStatus))
                product = order.items[0].product
                fitting = [
                    s
                    for s in story
                    if (product.no_reason_return or s[0] not in (ReturnKind.EXCHANGE,) and "不想要" not in s[1])
                    and (s[0] != ReturnKind.EXCHANGE or len(product.variants) > 1)
                ]
                candidates.append((order, self.rng.choice(fitting), outcome))
        for order, (kind, reason, rule, payer), outcome in candidates:
            if outcome == ReturnStatus.COMPLETED and kind == ReturnKind.RETURN_REFUND:
                outcome = ReturnStatus.REFUNDED
            if outcome == ReturnStatus.REFUNDED and kind in (ReturnKind.EXCHANGE, ReturnKind.RESHIP):
                outcome = ReturnStatus.COMPLETED
            count += self._add_return(order, kind, reason, rule, payer, outcome, sequences)
        return count

    def _add_return(self, order, kind, reason, rule, payer, outcome, sequences) -> int:  # type: ignore[no-untyped-def]
        item = order.items[0]
        opened = order.delivered_at + timedelta(hours=self.rng.uniform(2, 100))
        if opened >= self.as_of:
            return 0
        path = list(PATHS[kind])
        if outcome in path:
            walk = path[: path.index(outcome) + 1]
        else:  # withdrawn or refused somewhere along the way
            walk = path[: self.rng.randint(1, 2)] + [outcome]
        day = f"RMA{opened:%y%m%d}"
        sequences[day] = sequences.get(day, 0) + 1
        final = walk[-1] in FINAL
        request = ReturnRequest(
            rma_no=f"{day}{sequences[day]:04d}",
            idempotency_key=f"item:{item.id}:case:1",
            customer_id=order.customer_id,
            order_id=order.id,
            order_item_id=item.id,
            kind=kind.value,
            status=walk[-1].value,
            quantity=1,
            reason=reason,
            rule_cited=rule,
            return_shipping_payer=payer,
            refund_amount=item.unit_price if kind in (ReturnKind.RETURN_REFUND, ReturnKind.REFUND_ONLY) else None,
            evidence="已发照片" if payer == "shop" or payer is None else None,
            created_at=opened,
            updated_at=opened,
        )
        moment = opened
        notes = {
            ReturnStatus.PENDING: "买家提交申请",
            ReturnStatus.APPROVED: "审核通过",
            ReturnStatus.RECEIVED: "仓库已签收退货",
            ReturnStatus.REFUNDED: "已原路退款",
            ReturnStatus.COMPLETED: "新商品已发出",
            ReturnStatus.REJECTED: "商品已使用，影响二次销售",
            ReturnStatus.CANCELLED: "买家撤销申请",
        }
        for status in walk:
            request.stages.append(ReturnStage(status=status.value, note=notes[status], actor="seed", created_at=moment))
            request.updated_at = moment
            moment = min(moment + timedelta(hours=self.rng.uniform(3, 40)), self.as_of - timedelta(minutes=5))
        if final:
            request.idempotency_key = f"item:{item.id}:case:1:closed"
        self.session.add(request)
        return 1

    # -- catalogue ---------------------------------------------------------------------

    def _add_catalogue(self) -> None:
        catalog = load_catalog()
        categories = {key: Category(value) for key, value in catalog["categories"].items()}
        for entry in catalog["products"]:
            product = Product(
                sku=entry["sku"],
                name=entry["name"],
                aliases=list(entry.get("aliases", [])),
                category=categories[entry["category"]].value,
                price=Decimal(str(entry["price"])),
                no_reason_return=bool(entry.get("no_reason_return", True)),
                no_reason_note=entry.get("no_reason_note"),
                warranty_days=int(entry.get("warranty_days", 0)),
                description=entry.get("description"),
            )
            sizes = entry.get("sizes") or [""]
            colors = entry.get("colors") or [""]
            for color in colors:
                for size in sizes:
                    suffix = "-".join(p for p in (str(color), str(size)) if p) or "STD"
                    product.variants.append(
                        ProductVariant(
                            sku=f"{entry['sku']}-{suffix}",
                            size=str(size),
                            color=str(color),
                            stock=self.rng.choice([0, 3, 8, 15, 30, 60, 120]),
                        )
                    )
            self.session.add(product)
            self.products[product.sku] = product
        self.session.flush()

    # -- customers ---------------------------------------------------------------------

    def _add_customer(self, uid: str, nickname: str, real_name: str, phone: str) -> Customer:
        rng = self.rng
        customer = Customer(
            platform_uid=uid,
            nickname=nickname,
            real_name=real_name,
            phone=phone,
            email=f"{uid}@example.com" if rng.random() < 0.6 else None,
            birthday=date(rng.randint(1965, 2005), rng.randint(1, 12), rng.randint(1, 28)),
            gender=rng.choice(["女", "女", "男"]),
            source=rng.choice(SOURCES),
            tier="普通",
            created_at=self.as_of - timedelta(days=rng.randint(200, 900)),
        )
        province, city, districts = rng.choice(REGIONS)
        customer.addresses.append(
            Address(
                recipient=real_name,
                phone=phone,
                province=province,
                city=city,
                district=rng.choice(districts),
                detail=f"{rng.choice(STREETS)}{rng.randint(1, 300)}号{rng.choice(COMPOUNDS)}{rng.randint(1, 20)}栋{rng.randint(101, 2802)}室",
                is_default=True,
            )
        )
        self.session.add(customer)
        return customer

    def _add_generated_customer(self, index: int) -> Customer:
        rng = self.rng
        name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice([1, 2])))
        nickname = f"{rng.choice(NICK_PARTS_A)}{rng.choice(NICK_PARTS_B)}{rng.randint(1, 999)}"
        phone = f"1{rng.choice('3456789')}{rng.randint(0, 999999999):09d}"
        return self._add_customer(f"tb_u{index + 1:05d}", nickname, name, phone)

    # -- orders ------------------------------------------------------------------------

    def _new_order_no(self) -> str:
        while True:
            number = f"{self.rng.randint(1, 9)}{self.rng.randint(0, 10**15 - 1):015d}"
            if number not in self.used_order_nos:
                self.used_order_nos.add(number)
                return number

    def _add_featured_order(self, customer: Customer, spec: FeaturedOrder) -> None:
        lines = []
        for sku, variant_index, quantity in ((spec.sku, spec.variant, spec.quantity), *spec.more_lines):
            product = self.products[sku]
            lines.append((product, product.variants[variant_index % len(product.variants)], quantity))
        created = self.as_of - timedelta(hours=spec.age_hours)
        order = self._add_order(customer, spec.order_no, spec.status, created, lines, spec.freight_insurance)
        if spec.delivered_hours_ago is not None and order.delivered_at is not None:
            _shift_order(order, self.as_of - timedelta(hours=spec.delivered_hours_ago) - order.delivered_at)

    def _add_generated_order(self, customer: Customer, forced: Optional[OrderStatus]) -> None:
        rng = self.rng
        age_hours = rng.choice([rng.uniform(0.2, 30), rng.uniform(24, 24 * 8), rng.uniform(24 * 8, 24 * 180)])
        if forced is not None:
            age_hours = {S.PENDING_PAYMENT: 3, S.AWAITING_SHIPMENT: 20, S.SHIPPED: 60, S.DELIVERED: 130}.get(forced, age_hours)
        created = self.as_of - timedelta(hours=age_hours)
        status = forced or self._status_for_age(age_hours)
        lines = []
        for product in rng.sample(list(self.products.values()), rng.choice([1, 1, 1, 2, 2, 3])):
            variant = rng.choice(product.variants)
            lines.append((product, variant, rng.choice([1, 1, 1, 2, 3])))
        self._add_order(customer, self._new_order_no(), status, created, lines, rng.random() < 0.35)

    def _status_for_age(self, hours: float) -> OrderStatus:
        roll = self.rng.random()
        if roll < 0.07:
            return S.CANCELLED
        if hours < 1:
            return S.PENDING_PAYMENT if roll < 0.5 else S.AWAITING_SHIPMENT
        if hours < 24:
            return S.AWAITING_SHIPMENT if roll < 0.6 else S.SHIPPED
        if hours < 24 * 4:
            return S.SHIPPED if roll < 0.7 else S.DELIVERED
        if hours < 24 * 10:
            return S.DELIVERED
        return S.COMPLETED

    def _add_order(
        self,
        customer: Customer,
        order_no: str,
        status: OrderStatus,
        created: datetime,
        lines: Sequence[Tuple[Product, ProductVariant, int]],
        freight_insurance: bool,
    ) -> Order:
        rng = self.rng
        address = customer.addresses[0]
        subtotal = sum((p.price * q for p, _, q in lines), Decimal("0"))
        shipping = Decimal("0") if subtotal >= 99 else Decimal("8.00")
        order = Order(
            order_no=order_no,
            customer=customer,
            status=status.value,
            total_amount=subtotal + shipping,
            shipping_fee=shipping,
            freight_insurance=freight_insurance,
            recipient=address.recipient,
            recipient_phone=address.phone,
            address=address.full_text(),
            created_at=created,
        )
        for product, variant, quantity in lines:
            order.items.append(
                OrderItem(
                    product=product,
                    variant=variant,
                    product_name=product.name,
                    variant_label=variant.label(),
                    unit_price=product.price,
                    quantity=quantity,
                )
            )
        if status != S.PENDING_PAYMENT and not (status == S.CANCELLED and rng.random() < 0.4):
            order.paid_at = created + timedelta(minutes=rng.randint(1, 30))
            order.payment_method = rng.choice(PAYMENT_METHODS)
        if status == S.CANCELLED:
            order.cancelled_at = created + timedelta(hours=rng.uniform(0.5, 20))
            order.cancel_reason = rng.choice(["拍错了", "不想要了", "重复下单", "超时未付款", "地址填错重新下单"])
        if status in (S.SHIPPED, S.DELIVERED, S.COMPLETED):
            self._ship(order, address.province, address.city, address.district)
        if status == S.COMPLETED and order.delivered_at is not None:
            order.completed_at = order.delivered_at + timedelta(days=rng.choice([1, 3, 7, 10]))
        self.session.add(order)
        return order

    # -- logistics ---------------------------------------------------------------------

    def _tracking_no(self, carrier: str) -> str:
        rng = self.rng
        while True:
            number = {
                "顺丰速运": lambda: f"SF{rng.randint(0, 10**13 - 1):013d}",
                "中通快递": lambda: f"7{rng.randint(0, 10**13 - 1):013d}",
                "圆通速递": lambda: f"YT{rng.randint(0, 10**13 - 1):013d}",
                "韵达快递": lambda: f"43{rng.randint(0, 10**11 - 1):011d}",
                "京东物流": lambda: f"JDV{rng.randint(0, 10**12 - 1):012d}",
            }[carrier]()
            if number not in self.used_tracking:
                self.used_tracking.add(number)
                return number

    def _ship(self, order: Order, province: str, city: str, district: str) -> None:
        rng = self.rng
        carrier = rng.choice(CARRIERS)
        paid = order.paid_at or order.created_at
        shipped = min(paid + timedelta(hours=rng.uniform(3, 30)), self.as_of - timedelta(hours=1))
        if order.status == S.SHIPPED.value:
            # an in-transit parcel left at least a few hours ago but has not arrived
            shipped = min(shipped, self.as_of - timedelta(hours=6))
        transit_days = 4 if province in FAR_PROVINCES else 2
        shipment = Shipment(
            carrier=carrier,
            tracking_no=self._tracking_no(carrier),
            shipped_at=shipped,
            estimated_delivery=(shipped + timedelta(days=transit_days)).date(),
        )
        order.shipped_at = shipped
        hubs = rng.sample(HUBS, 2)
        courier = f"{rng.choice(SURNAMES)}师傅（1{rng.choice('3589')}{rng.randint(0, 10**9 - 1):09d}）"
        plan = [
            (
                timedelta(0),
                f"{WAREHOUSE[1]}{WAREHOUSE[2]}",
                "揽收",
                f"【{WAREHOUSE[1]}】{carrier}已揽收，包裹从小二旗舰店仓库发出",
            ),
            (timedelta(hours=5), hubs[0], "运输", f"快件已到达【{hubs[0]}】"),
            (timedelta(hours=9), hubs[0], "运输", f"快件已从【{hubs[0]}】发出，下一站【{hubs[1]}】"),
            (timedelta(hours=20), hubs[1], "运输", f"快件已到达【{hubs[1]}】"),
            (timedelta(hours=26), city, "运输", f"快件已到达【{city}{district}营业部】"),
            (timedelta(hours=30), city, "派送", f"【{city}{district}】快递员{courier}正在派送，请保持电话畅通"),
        ]
        if transit_days > 2:
            plan = [(offset * 2, *rest) for offset, *rest in plan]  # type: ignore[misc]
        delivered = order.status in (S.DELIVERED.value, S.COMPLETED.value)
        for offset, location, stage, text in plan:
            moment = shipped + offset
            if not delivered and moment >= self.as_of:
                break
            shipment.events.append(LogisticsEvent(occurred_at=moment, location=location, stage=stage, description=text))
        if delivered:
            signed = shipped + plan[-1][0] + timedelta(hours=rng.uniform(1, 5))
            if order.status == S.DELIVERED.value:
                signed = min(signed, self.as_of - timedelta(hours=2))
            shipment.delivered_at = signed
            order.delivered_at = signed
            where = rng.choice(["本人签收", "家门口", "快递柜", "小区驿站"])
            shipment.events.append(
                LogisticsEvent(
                    occurred_at=signed, location=city, stage="签收", description=f"快件已签收，签收人：{where}。感谢使用{carrier}"
                )
            )
        order.shipments.append(shipment)


def _shift_order(order: Order, delta: timedelta) -> None:
    """Move every timestamp of an order (and its parcel) by ``delta``, keeping their spacing."""
    for name in ("created_at", "paid_at", "shipped_at", "delivered_at", "completed_at", "cancelled_at"):
        if getattr(order, name) is not None:
            setattr(order, name, getattr(order, name) + delta)
    for shipment in order.shipments:
        shipment.shipped_at = shipment.shipped_at + delta
        if shipment.delivered_at is not None:
            shipment.delivered_at = shipment.delivered_at + delta
        shipment.estimated_delivery = (datetime.combine(shipment.estimated_delivery, datetime.min.time()) + delta).date()
        for event in shipment.events:
            event.occurred_at = event.occurred_at + delta


def seed_demo(session: Session, as_of: Optional[datetime] = None, customers: int = 220, orders: int = 1000) -> Dict[str, int]:
    """Fill an empty CRM with the demo shop; returns what was created."""
    return DemoShopBuilder(session, as_of or datetime.now(), customers, orders).build()
