"""Built-in templates: whole order systems a new workspace starts from.

A template is a package file shipped in ``orderloom.builtin_templates``. Importing
one creates the custom roles its workflows name, its warehouses, products
(with their opening stock) and sample customers, stores and publishes its order
types, and makes a channel of each channel preset. Nothing that exists already
is overwritten except order types, as ``on_conflict`` says: a warehouse,
product, customer or channel whose code is taken is kept.
Everything happens in the caller's transaction; on TemplateError the caller
rolls back and nothing was imported.
"""
from __future__ import annotations

import copy
import json
import logging
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from orderloom.designer import exchange
from orderloom.designer.exchange import Conflict, ImportConflict, ImportReport
from orderloom.designer.problems import DefinitionError
from orderloom.designer.versions import VersionConflict
from orderloom.platform import accounts
from orderloom.platform.design import design_context
from orderloom.platform.permissions import BUILTIN_ROLES
from orderloom.runtime import audit
from orderloom.runtime.after_sales import settings as return_settings
from orderloom.runtime.audit import Actor
from orderloom.runtime.channels.hand_entry import MANUAL
from orderloom.runtime.channels.models import add_channel, find_channel
from orderloom.runtime.consolidation import settings as desk_settings
from orderloom.runtime.customers import records as customers
from orderloom.runtime.promotions import rules as promotion_rules
from orderloom.runtime.stock import keeping as stock_keeping
from orderloom.runtime.stock.catalog import Product, Warehouse

log = logging.getLogger(__name__)

PACKAGE = "orderloom.builtin_templates"
# A role a workflow names is a kind of staff: it runs orders, nothing more.
WORKFLOW_ROLE_PERMISSIONS = sorted(BUILTIN_ROLES["staff"][1])


class TemplateError(Exception):
    """A template that cannot be imported; ``problems`` lists every reason."""

    def __init__(self, problems: list[str], *, conflict: bool = False) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems
        # True when what stops it is something of the same key stored already.
        self.conflict = conflict


@dataclass(frozen=True)
class TemplateInfo:
    key: str
    name: dict[str, str]
    description: dict[str, str]
    order_types: tuple[str, ...]
    # What an import brings, for the gallery: counts by kind, and each order type's
    # name with the number of states in its workflow.
    contents: dict[str, int] = field(default_factory=dict)
    type_names: tuple[tuple[dict[str, str], int], ...] = ()


@dataclass
class TemplateReport:
    key: str
    order_types: ImportReport
    roles_created: list[str] = field(default_factory=list)
    roles_kept: list[str] = field(default_factory=list)
    warehouses_created: list[str] = field(default_factory=list)
    warehouses_kept: list[str] = field(default_factory=list)
    products_created: list[str] = field(default_factory=list)
    products_kept: list[str] = field(default_factory=list)
    units_received: int = 0
    customers_created: list[str] = field(default_factory=list)
    customers_kept: list[str] = field(default_factory=list)
    channels_created: list[str] = field(default_factory=list)
    channels_kept: list[str] = field(default_factory=list)
    # The returns' time limit the import set (None: it brings none, or one was set)
    returns_sla_hours: int | None = None

    def as_json(self) -> dict[str, Any]:
        return {"template": self.key, "order_types": self.order_types.as_json(),
                "roles": {"created": self.roles_created, "kept": self.roles_kept},
                "warehouses": {"created": self.warehouses_created,
                               "kept": self.warehouses_kept},
                "products": {"created": self.products_created, "kept": self.products_kept},
                "units_received": self.units_received,
                "customers": {"created": self.customers_created,
                              "kept": self.customers_kept},
                "channels": {"created": self.channels_created, "kept": self.channels_kept},
                "returns_sla_hours": self.returns_sla_hours}

    def lines(self) -> list[str]:
        """What was done, one line per kind of thing, for a person to read."""
        report = self.order_types
        out = [f"created order type {key} (version {report.published.get(key, '-')})"
               for key in report.created if key not in report.renamed.values()]
        out += [f"renamed order type {old} -> {new} (version {report.published.get(new, '-')})"
                for old, new in report.renamed.items()]
        out += [f"replaced order type {key} (version {report.published.get(key, 'unchanged')})"
                for key in report.replaced]
        for what, created, kept in (("roles", self.roles_created, self.roles_kept),
                                    ("warehouses", self.warehouses_created,
                                     self.warehouses_kept),
                                    ("products", self.products_created, self.products_kept),
                                    ("customers", self.customers_created,
                                     self.customers_kept),
                                    ("channels", self.channels_created,
                                     self.channels_kept)):
            if created:
                out.append(f"created {what}: {', '.join(created)}")
            if kept:
                out.append(f"kept existing {what}: {', '.join(kept)}")
        if self.units_received:
            out.append(f"received {self.units_received} units of opening stock")
        if self.returns_sla_hours:
            out.append(f"set the returns' time limit to {self.returns_sla_hours} hours")
        return out


def _files() -> dict[str, Any]:
    folder = resources.files(PACKAGE)
    return {entry.name[:-len(".json")]: entry for entry in folder.iterdir()
            if entry.name.endswith(".json") and entry.is_file()}


def _read(entry: Any) -> dict[str, Any]:
    return json.loads(entry.read_text(encoding="utf-8"))


def available() -> list[TemplateInfo]:
    """Every built-in template, by key."""
    infos = []
    for key, entry in sorted(_files().items()):
        document = _read(entry)
        master = document.get("master_data", {})
        types = document.get("order_types", [])
        infos.append(TemplateInfo(
            key=document.get("key", key), name=document.get("name", {"en": key}),
            description=document.get("description", {}),
            order_types=tuple(t["key"] for t in types),
            contents={"roles": len(document.get("roles", [])),
                      "warehouses": len(master.get("warehouses", [])),
                      "products": len(master.get("products", [])),
                      "customers": len(master.get("customers", [])),
                      "channel presets": len(document.get("channel_presets", [])),
                      "rules": sum(len(t.get("rules", [])) for t in types),
                      "print templates": sum(len(t.get("print_templates", []))
                                             for t in types)},
            type_names=tuple((t.get("name", {"en": t["key"]}),
                              len(t["workflow"].get("states", []))) for t in types)))
    return infos


def load(key: str) -> dict[str, Any]:
    """The package of the template ``key``; TemplateError names the keys there are."""
    files = _files()
    if key not in files:
        known = ", ".join(sorted(files)) or "none"
        raise TemplateError([f"there is no built-in template {key!r}; the templates are: "
                             f"{known}"])
    return _read(files[key])


def import_template(session: Session, actor_name: str, key: str,
                    on_conflict: Conflict = "fail", *, via: str = "cli",
                    publisher: frozenset[str] | None = None) -> TemplateReport:
    """Import the template ``key`` into the workspace in ``session`` (never commits).
    Raises TemplateError with every problem; the caller then rolls back. ``publisher``:
    the importing person's permissions, which the template's actions may not exceed
    (None from the command line)."""
    document = load(key)
    actor = Actor(None, actor_name, via)
    master = document.get("master_data", {})
    roles_created, roles_kept = add_package_roles(session, actor, document.get("roles", []))
    warehouses_created, warehouses_kept = _warehouses(session, master.get("warehouses", []))
    products_created, products_kept = _products(session, master.get("products", []))
    customers_created, customers_kept = _customers(session, actor, master.get("customers", []))
    _promotions(session, actor, master.get("promotions", []))
    try:
        imported = exchange.import_package(session, actor_name, document,
                                           design_context(session, publisher), on_conflict)
    except ImportConflict as error:
        raise TemplateError([str(p) for p in error.problems], conflict=True) from None
    except DefinitionError as error:
        raise TemplateError([str(p) for p in error.problems]) from None
    except VersionConflict as error:
        raise TemplateError([str(error)], conflict=True) from None
    report = TemplateReport(key=key, order_types=imported,
                            roles_created=roles_created, roles_kept=roles_kept,
                            warehouses_created=warehouses_created,
                            warehouses_kept=warehouses_kept,
                            products_created=products_created, products_kept=products_kept,
                            customers_created=customers_created,
                            customers_kept=customers_kept)
    report.returns_sla_hours = _returns_time_limit(session, actor,
                                                   document.get("after_sales") or {})
    report.channels_created, report.channels_kept = _channels(
        session, actor, document.get("channel_presets", []), imported.renamed)
    created = set(products_created)
    for item in master.get("products", []):
        if item["sku"] not in created:
            continue
        for code, quantity in sorted(item.get("stock", {}).items()):
            if quantity > 0:
                try:
                    stock_keeping.receive(session, actor_name, item["sku"], code, quantity,
                                          reference=f"template {key}")
                except stock_keeping.StockError as error:
                    raise TemplateError([f"/master_data/products {item['sku']}: {error}"]
                                        ) from None
                report.units_received += quantity
    _merge_split(session, actor, document.get("merge_split"))
    audit.record(session, actor, "template.imported", "template", key, **report.as_json())
    log.debug("template %s imported by %s", key, actor_name)
    return report


def _merge_split(session: Session, actor: Actor, chosen: dict[str, Any] | None) -> None:
    """The template's merging and splitting (docs/order-desk.md), unless the workspace
    has set its own: a second template, or staff's settings, are not overwritten."""
    if not chosen or desk_settings.is_set(session):
        return
    desk_settings.store(session, actor,
                        desk_settings.checked(chosen, desk_settings.current(session)))


def add_package_roles(session: Session, actor: Actor, roles: list[dict[str, Any]]
                      ) -> tuple[list[str], list[str]]:
    """Create the roles a package lists that the workspace lacks, as staff that run
    orders; answers the names created and those kept as they were."""
    created, kept = [], []
    for role in roles:
        if accounts.find_role(session, role["name"]) is not None:
            kept.append(role["name"])
            continue
        accounts.create_role(session, actor, role["name"], role.get("description", ""),
                             WORKFLOW_ROLE_PERMISSIONS)
        created.append(role["name"])
    return created, kept


def _returns_time_limit(session: Session, actor: Actor, after_sales: dict[str, Any]
                        ) -> int | None:
    """The template's time limit for returns, unless the workspace set its own."""
    hours = after_sales.get("sla_hours")
    if hours is None or return_settings.chosen(session):
        return None
    return_settings.change(session, actor, hours)
    return hours


def _warehouses(session: Session, warehouses: list[dict[str, Any]]
                ) -> tuple[list[str], list[str]]:
    existing = set(session.scalars(select(Warehouse.code)))
    created, kept = [], []
    for item in warehouses:
        if item["code"] in existing:
            kept.append(item["code"])
            continue
        session.add(Warehouse(code=item["code"], name=item["name"],
                              address=item.get("address", {}),
                              regions=item.get("regions", []),
                              priority=item.get("priority", 100)))
        created.append(item["code"])
    session.flush()
    return created, kept


def _products(session: Session, products: list[dict[str, Any]]
              ) -> tuple[list[str], list[str]]:
    existing = set(session.scalars(select(Product.sku)))
    created, kept = [], []
    for item in products:
        if item["sku"] in existing:
            kept.append(item["sku"])
            continue
        attributes = dict(item.get("attributes", {}))
        if "price" in item:
            attributes["price"] = item["price"]
        session.add(Product(sku=item["sku"], name=item["name"], barcode=item.get("barcode"),
                            weight_grams=item.get("weight_grams"), attributes=attributes))
        created.append(item["sku"])
    session.flush()
    return created, kept


def _promotions(session: Session, actor: Actor, listed: list[dict[str, Any]]) -> None:
    """The template's promotions, as its business would run them; one whose code the
    workspace has already is kept as it is."""
    for index, body in enumerate(listed):
        if promotion_rules.find(session, body.get("code", "")) is not None:
            continue
        try:
            terms = promotion_rules.checked(session, body, {MANUAL})
        except promotion_rules.PromotionError as error:
            raise TemplateError([f"/master_data/promotions/{index}{error.pointer}: "
                                 f"{error.message}"]) from None
        row = promotion_rules.store(session, terms, active=bool(body.get("active")))
        audit.record(session, actor, "promotion.created", "promotion", row.code,
                     **promotion_rules.as_json(row))
    session.flush()


def _channels(session: Session, actor: Actor, presets: list[dict[str, Any]],
              renamed: dict[str, str]) -> tuple[list[str], list[str]]:
    """Each channel preset as a channel of its key, for the order type the import
    stored (renamed or not); a key taken already keeps the stored channel. A webhook
    channel's signing secret is made here and shown to nobody: its shop can sign
    once an administrator takes a new one (POST /channels/<key>/secret)."""
    created, kept = [], []
    for preset in presets:
        if find_channel(session, preset["key"]) is not None:
            kept.append(preset["key"])
            continue
        add_channel(session, actor, key=preset["key"],
                    name=preset["key"].replace("_", " ").title(), kind=preset["kind"],
                    order_type_key=renamed.get(preset["order_type"], preset["order_type"]),
                    mapping=copy.deepcopy(preset["mapping"]), source="template")
        created.append(preset["key"])
    return created, kept


def _customers(session: Session, actor: Actor, listed: list[dict[str, Any]]
               ) -> tuple[list[str], list[str]]:
    """The template's sample customers; a code taken already keeps the stored customer."""
    existing = set(session.scalars(select(customers.Customer.code)))
    created, kept = [], []
    for i, item in enumerate(listed):
        where = f"/master_data/customers/{i}"
        try:
            code = customers.clean_code(item.get("code"), f"{where}/code")
            if code in existing:
                kept.append(code)
                continue
            attributes = {k: v for k, v in item.items()
                          if k not in ("code", "name", "email", "phone", "tags")}
            customers.create(
                session, actor, code=code,
                name=customers.clean_name(item.get("name"), f"{where}/name"),
                email=customers.clean_email(item.get("email"), f"{where}/email"),
                phone=customers.clean_phone(item.get("phone"), f"{where}/phone"),
                tags=customers.clean_tags(item.get("tags", []), f"{where}/tags"),
                attributes=attributes, source="template")
        except customers.CustomerError as error:
            raise TemplateError([f"{error.pointer}: {error.message}"]) from None
        existing.add(code)
        created.append(code)
    return created, kept
