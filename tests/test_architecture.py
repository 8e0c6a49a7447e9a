"""Foreign keys point down the same layer order that import-linter enforces for imports."""

import tomllib
from pathlib import Path

from django.apps import apps


def _layers() -> dict[str, tuple[int, int]]:
    """app label → (layer index from the top, sibling index within the layer)."""
    config = tomllib.loads((Path(__file__).resolve().parent.parent / "pyproject.toml").read_text())
    contract = next(c for c in config["tool"]["importlinter"]["contracts"] if c["type"] == "layers")
    ranks = {}
    for depth, layer in enumerate(contract["layers"]):
        for sibling, module in enumerate(part.strip() for part in layer.split("|")):
            ranks[module.rsplit(".", 1)[1]] = (depth, sibling)
    return ranks


def test_foreign_keys_point_down_the_layers():
    ranks = _layers()
    wrong = []
    for model in apps.get_models():
        source = model._meta.app_label
        if source not in ranks:
            continue
        for field in model._meta.get_fields():
            if not (field.is_relation and field.concrete and field.related_model):
                continue
            target = field.related_model._meta.app_label
            if getattr(field, "swappable_setting", None) == "AUTH_USER_MODEL":
                continue  # the swappable user model: Django's own indirection, referenced by setting name
            if target == source or target not in ranks:
                continue
            (s_depth, _), (t_depth, _) = ranks[source], ranks[target]
            if t_depth <= s_depth:  # same layer (siblings) or upwards
                wrong.append(f"{model._meta.label}.{field.name} → {field.related_model._meta.label}")
    assert wrong == []


def test_every_huitong_app_is_in_a_layer():
    ranks = _layers()
    ours = {c.label for c in apps.get_app_configs() if c.name.startswith("huitong.")}
    assert ours - set(ranks) == set()


def test_no_model_overrides_save_or_listens_to_save_signals():
    """core.sql and core.bulkinsert write rows without calling save() or sending signals (docs/architecture.md,
    "Hot paths"): that is only equivalent while no Huitong model has a save() of its own or a receiver. (The
    staff User keeps Django's auth save(); it is never written through them.)"""
    from django.db.models import Model, signals

    ours = [m for m in apps.get_models() if m.__module__.startswith("huitong.")]
    overriding = [m.__name__ for m in ours for method in (m.save, m.delete)
                  if method is not getattr(Model, method.__name__) and method.__module__.startswith("huitong.")]
    listened = [m.__name__ for m in ours for signal in (signals.pre_save, signals.post_save)
                if signal.has_listeners(m)]
    assert overriding == [] and listened == []
