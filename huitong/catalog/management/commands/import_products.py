from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from huitong.catalog import services
from huitong.catalog.errors import ImportFileInvalid
from huitong.core.actors import Actor
from huitong.core.errors import DomainError

_STAGES = {"validate": "校验", "write": "写入"}


class Command(BaseCommand):
    help = "Import products and SKUs from an .xlsx or .csv file: huitong import_products FILE"

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--no-progress", action="store_true", help="do not show a progress bar")

    def handle(self, *args, file: Path, no_progress: bool, **options):
        try:
            content = file.read_bytes()
        except OSError as exc:
            raise CommandError(f"无法读取 {file}: {exc}") from exc
        bars: dict[str, tqdm] = {}

        def progress(stage: str, done: int, total: int) -> None:
            bar = bars.get(stage)
            if bar is None:
                self._close(bars)  # one bar at a time: validation ends before writing starts
                bar = bars[stage] = tqdm(
                    total=total,
                    desc=_STAGES.get(stage, stage),
                    unit="行",
                    disable=no_progress,
                    file=self.stderr._out,
                )
            bar.update(done - bar.n)

        try:
            result = services.import_products(
                file_name=file.name, content=content, actor=Actor.system("import_products"), progress=progress
            )
        except ImportFileInvalid as exc:
            self._close(bars)
            for row in exc.rows:
                self.stderr.write(f"第 {row['row']} 行 [{row['field']}]: {row['message']}")
            raise CommandError(f"{exc.message}({exc.detail['error_count']} 处错误)") from exc
        except DomainError as exc:
            self._close(bars)
            raise CommandError(f"{exc.message}: {exc.detail}") from exc
        self._close(bars)
        self.stdout.write(
            f"新建商品 {result.created_products},更新商品 {result.updated_products},"
            f"新建 SKU {result.created_skus},更新 SKU {result.updated_skus}"
        )

    @staticmethod
    def _close(bars) -> None:
        for bar in bars.values():
            bar.close()
