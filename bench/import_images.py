"""Benchmark: what storing pictures adds to an import, over real HTTP on 127.0.0.1.

    .venv/bin/python bench/import_images.py [--repeat N] [--pictures K]

Uses its own database ``bench_images`` on the embedded PostgreSQL and a throwaway MEDIA_ROOT.
A local server serves a story with K photos (2400×1600 JPEG with EXIF, gradients and grain) and the
same story without them, under distinct URLs per repetition (new pictures each time, so every
picture is fetched, checked, re-encoded in three widths and stored). Prints the median import
time of each and the cost per picture; then one story whose pictures are all already stored
(reused by address: no fetch, no encode).
"""

from __future__ import annotations

import argparse
import http.server
import io
import statistics
import tempfile
import threading
import time
from pathlib import Path

from _server import django_for_import  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def setup_django(media: str) -> None:
    django_for_import("bench_images", MEDIA_ROOT=media)
    from newsroom.models import Article, Outlet, SourceImage

    Article.objects.all().delete()
    Outlet.objects.all().delete()
    SourceImage.objects.all().delete()


def photo(seed: int) -> bytes:
    from PIL import Image

    # Photo-like: smooth gradients with grain (pure noise is the worst case: ~2× slower to encode).
    base = Image.merge(
        "RGB",
        [Image.linear_gradient("L").rotate(angle).resize((2400, 1600)) for angle in (0, 90 + seed, 45)],
    )
    image = Image.blend(base, Image.effect_noise((2400, 1600), 40 + seed % 20).convert("RGB"), 0.15)
    exif = Image.Exif()
    exif[0x010F] = "BenchCam"
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=80, exif=exif)
    return buffer.getvalue()


def story(pictures: list[str]) -> bytes:
    figures = "".join(
        f'<figure><img src="{p}" alt="Фото {i}"><figcaption>Подпись {i}</figcaption></figure>'
        f"<p>Абзац после фотографии номер {i}, в котором рассказывается о событиях на площади.</p>"
        for i, p in enumerate(pictures)
    )
    return f"""<!doctype html><html lang="ru"><head><meta charset="utf-8"><title>Площадь</title></head>
<body><article><h1>Люди вышли на площадь</h1>
<p>В воскресенье в центре города сотни людей вышли на площадь, чтобы выразить свою позицию мирно.</p>
{figures}<p>Акция завершилась вечером, когда участники разошлись по домам, договорившись встретиться.</p>
</article></body></html>""".encode()


FILES: dict[str, tuple[str, bytes]] = {}


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass

    def do_GET(self) -> None:  # noqa: N802
        content_type, body = FILES.get(self.path, ("text/plain", b""))
        self.send_response(200 if self.path in FILES else 404)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--pictures", type=int, default=3)
    args = parser.parse_args()
    setup_django(tempfile.mkdtemp(prefix="bench-media-"))
    from newsroom.sources import importing

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    origin = f"http://127.0.0.1:{httpd.server_address[1]}"
    photos = [photo(i) for i in range(args.repeat * args.pictures)]
    plain, pictured = [], []
    for r in range(args.repeat):
        paths = [f"/p/{r}/{k}.jpg" for k in range(args.pictures)]
        for k, path in enumerate(paths):
            FILES[path] = ("image/jpeg", photos[r * args.pictures + k])
        FILES[f"/plain/{r}"] = ("text/html; charset=utf-8", story([]))
        FILES[f"/pictured/{r}"] = ("text/html; charset=utf-8", story(paths))
        for kind, times in (("plain", plain), ("pictured", pictured)):
            start = time.perf_counter()
            result = importing.article_import(url=f"{origin}/{kind}/{r}", by=None)
            times.append(time.perf_counter() - start)
            assert result.created and not result.image_problems, result.image_problems
    FILES["/again"] = ("text/html; charset=utf-8", story([f"/p/0/{k}.jpg" for k in range(args.pictures)]))
    start = time.perf_counter()
    importing.article_import(url=f"{origin}/again", by=None)
    reused = time.perf_counter() - start
    size = statistics.mean(len(p) for p in photos) / 1e6
    a, b = statistics.median(plain), statistics.median(pictured)
    print(f"story without pictures: median {a * 1000:.0f} ms ({args.repeat} imports)")
    print(f"story with {args.pictures} photos of {size:.2f} MB: median {b * 1000:.0f} ms")
    print(f"per picture (fetch, check, 3 WebP widths, store): {(b - a) / args.pictures * 1000:.0f} ms")
    print(f"story whose {args.pictures} pictures are already stored: {reused * 1000:.0f} ms")
    httpd.shutdown()


if __name__ == "__main__":
    main()
