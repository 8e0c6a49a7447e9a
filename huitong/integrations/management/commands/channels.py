"""huitong channels add-store | import-json | sync | stores — platform stores from the command line."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from huitong.channels import selectors as channels
from huitong.channels import services as channel_services
from huitong.channels.models import Platform
from huitong.core.actors import Actor
from huitong.core.errors import DomainError
from huitong.core.money import format_yuan
from huitong.integrations import ingest

ACTOR = Actor.system("cli")


class Command(BaseCommand):
    help = "Channel stores: add-store, import-json, sync, stores"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        add = sub.add_parser("add-store", help="create a channel store")
        add.add_argument("code")
        add.add_argument("--platform", required=True, choices=Platform.values)
        add.add_argument("--name")
        for option in ("app-key", "app-secret", "access-token", "shop", "base-url"):
            add.add_argument(f"--{option}", default="")
        imp = sub.add_parser("import-json", help="ingest a saved platform API response or push message")
        imp.add_argument("store")
        imp.add_argument("file")
        imp.add_argument("--json", action="store_true", help="machine-readable output")
        fil = sub.add_parser("import-file", help="ingest a platform's order export spreadsheet (.xlsx/.csv)")
        fil.add_argument("store")
        fil.add_argument("file")
        fil.add_argument("--json", action="store_true", help="machine-readable output")
        fil.add_argument("--workers", type=int, default=1,
                         help="processes ingesting the file's pages at once (PostgreSQL; default 1)")
        sync = sub.add_parser("sync", help="pull the store's changed orders now")
        sync.add_argument("store")
        sub.add_parser("stores", help="list stores with masked credentials")

    def handle(self, *args, action, **options):
        try:
            getattr(self, action.replace("-", "_"))(**options)
        except DomainError as exc:
            raise CommandError(f"{exc.message} {exc.detail or ''}".strip()) from exc

    def add_store(self, *, code, platform, name, **options):
        credentials = {key: options[key] for key in ("app_key", "app_secret", "access_token", "shop", "base_url")
                       if options.get(key)}
        store = channel_services.create_store(code=code, name=name or code, platform=platform, credentials=credentials)
        self.stdout.write(f"store {store.code} ({store.get_platform_display()}) created, id {store.pk}; "
                          f"credentials: {channels.masked_credentials(store) or '-'}")

    def import_json(self, *, store, file, json: bool = False, **options):
        path = Path(file)
        try:
            payload = _json_load(path)
        except (OSError, ValueError) as exc:
            raise CommandError(f"{path}: not a readable JSON file: {exc}") from exc
        outcomes = ingest.ingest_payload(store_id=channels.get_store_by_code(store).pk, payload=payload,
                                         source="json", actor=ACTOR)
        self._report(outcomes, as_json=json)
        if any(o.outcome == "failed" for o in outcomes):
            raise CommandError(f"{sum(o.outcome == 'failed' for o in outcomes)} order(s) failed")

    def import_file(self, *, store, file, json: bool = False, workers: int = 1, **options):
        from huitong.integrations import order_files

        if workers < 1:
            raise CommandError("--workers must be at least 1")
        path = Path(file)
        try:
            content = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"{path}: {exc}") from exc
        target = channels.get_store_by_code(store)
        try:
            with tqdm(desc=f"导入 {path.name}", unit="单", disable=json) as bar:
                outcomes = order_files.import_order_file(store_id=target.pk, file_name=path.name, content=content,
                                                         actor=ACTOR, workers=workers, progress=bar.update)
        except order_files.OrderFileInvalid as exc:
            for row in exc.detail.get("rows", []):
                self.stderr.write(f"第 {row['row']} 行 [{row['field']}]: {row['message']}")
            raise CommandError(f"{path.name}: {exc.message}; nothing was imported") from exc
        self._report(outcomes, as_json=json)

    def sync(self, *, store, **options):
        target = channels.get_store_by_code(store)
        with tqdm(desc=f"拉单 {target.code}", unit="页") as bar:
            def progress(entry):
                bar.update(1)
                bar.set_postfix(new=entry.new, updated=entry.updated, failed=entry.failed)

            entry = ingest.pull_orders(store_id=target.pk, actor=ACTOR, progress=progress)
        self.stdout.write(f"window {entry.window_start:%Y-%m-%d %H:%M:%S} – {entry.window_end:%Y-%m-%d %H:%M:%S}: "
                          f"{entry.pages} pages, new {entry.new}, updated {entry.updated}, "
                          f"unchanged {entry.unchanged}, failed {entry.failed}")
        for error in entry.errors:
            self.stderr.write(f"  {error}")
        if not entry.ok:
            raise CommandError("pull incomplete; the next sync resumes from the last complete window")

    def stores(self, **options):
        for store in channels.list_stores():
            self.stdout.write(f"{store.code}\t{store.platform}\t{store.name}\t{channels.masked_credentials(store)}")

    def _report(self, outcomes, *, as_json):
        if as_json:
            self.stdout.write(json_dumps([o.__dict__ for o in outcomes]))
            return
        for o in outcomes:
            total = format_yuan(o.total_fen) if o.order_number else ""
            self.stdout.write(f"{o.platform_order_id}\t{o.order_number or '-'}\t{o.status or '-'}\t{total}\t{o.outcome}"
                              + (f"\t{o.error}" if o.error else ""))


def _json_load(path: Path):
    return json.loads(path.read_text(encoding="utf-8-sig"))


def json_dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2)
