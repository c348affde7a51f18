"""Photo bytes a visitor downloads, the stop page's weight, and the build's photo stage.

    python bench/photos.py [--against /work/main]

A tiny tour whose stop has a 4032 x 3024 JPEG as a phone camera writes it (quality 92; a
synthetic scene: gradients, shapes and sensor-like noise, since no real photo ships with the
repository). For this checkout and, with --against, another checkout of the repository (each
in its own process, same tour), prints:
- the photo bytes a phone fetches: what the page's <img>/srcset picks at 320 px x2, 390 px x3
  and a 672 px wide desktop column x1 (Chromium's rule: the narrowest candidate at least
  slot width x density), and what the offline tour downloads;
- the stop page's HTML + CSS + JS (the 30 KB budget of tests/web/test_web_pages.py);
- this checkout only: the build's photo stage, first run and second run (nothing to do).
Nothing is asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SCREENS = {"320 px x2": (320, 2), "390 px x3": (390, 3), "desktop 672 px x1": (672, 1)}


def camera_photo(path: Path) -> None:
    from PIL import Image, ImageDraw, ImageFilter

    width, height = 4032, 3024
    sky = Image.linear_gradient("L").resize((width, height))
    image = Image.merge("RGB", [sky.point(lambda v: 90 + v // 3), sky.point(lambda v: 120 + v // 4), sky])
    draw = ImageDraw.Draw(image)
    for i in range(40):  # buildings, a fence, a path: edges and flat areas as in a real scene
        x = (i * 997) % width
        draw.rectangle(
            (x, height // 2 + (i * 61) % 600, x + 180 + (i * 37) % 400, height), fill=(60 + i, 55, 50)
        )
    for x in range(0, width, 48):
        draw.line((x, height * 3 // 4, x + 20, height), fill=(30, 30, 30), width=6)
    noise = Image.effect_noise((width, height), 12).filter(ImageFilter.GaussianBlur(0.6))
    image = Image.blend(image, Image.merge("RGB", [noise] * 3), 0.08)
    image.save(path, "JPEG", quality=92)


def make_tour(root: Path) -> None:
    sys.path.insert(0, str(REPO))
    from tests.helpers.tours import write_tour
    from tests.helpers.web_fixtures import MediaMaker, decorate_stop

    write_tour(root, languages=("en",))
    camera_photo(root / "stops" / "gate" / "photo.jpg")
    decorate_stop(root, "gate", "image: photo.jpg\nimage_alt: {en: The gate}\n")
    MediaMaker(root.parent / "media").publish(root)


def measure(root: str) -> dict:
    """Run inside the checkout being measured (its audioguide on sys.path)."""
    from audioguide.web import create_app

    result: dict = {}
    try:
        from tests.helpers.web_fixtures import publish_images

        started = time.perf_counter()
        publish_images(Path(root))
        result["build first"] = time.perf_counter() - started
        started = time.perf_counter()
        publish_images(Path(root))
        result["build second"] = time.perf_counter() - started
    except ImportError:
        pass  # a checkout without the photo stage serves the photo as it is
    client = create_app(Path(root), stats_db=Path(root) / "s.db", testing=True).test_client()
    page = client.get("/en/gate").get_data(as_text=True)
    weight = len(page.encode())
    for url in re.findall(r'(?:href|src)="(/a/[^"]+\.(?:css|js))"', page):
        weight += len(client.get(url).data)
    result["page"] = weight
    img = re.search(r'<img class="photo" src="([^"]+)"', page)
    srcset = re.search(r'srcset="([^"]+)"', page)
    candidates = []
    if srcset:
        for item in srcset.group(1).split(","):
            url, width = item.split()
            candidates.append((int(width[:-1]), url))
    for name, (css, density) in SCREENS.items():
        needed = css * density
        wide = [c for c in candidates if c[0] >= needed]
        url = (wide[0] if wide else candidates[-1])[1] if candidates else img.group(1)  # type: ignore[union-attr]
        result[name] = len(client.get(url).data)
    files = client.get("/offline/en.json").get_json()["files"]
    result["offline"] = sum(f["bytes"] for f in files if f["url"].startswith("/img/"))
    return result


def run_in(checkout: Path, root: Path) -> dict:
    code = f"import json, sys; sys.path.insert(0, {str(REPO / 'bench')!r}); from photos import measure; "
    code += f"print(json.dumps(measure({str(root)!r})))"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(checkout), str(REPO)])}
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=checkout, capture_output=True, text=True)
    if out.returncode:
        raise SystemExit(out.stderr)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--against", type=Path, help="another checkout, e.g. /work/main")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temp:
        checkouts = ([("against", args.against)] if args.against else []) + [("this", REPO)]
        results = {}
        for name, checkout in checkouts:
            root = Path(temp) / name / "tour"
            make_tour(root)
            source = (root / "stops" / "gate" / "photo.jpg").stat().st_size  # the noise is random
            results[name] = {"source": source, **run_in(checkout, root)}
        rows = [
            "320 px x2",
            "390 px x3",
            "desktop 672 px x1",
            "offline",
            "page",
            "build first",
            "build second",
        ]
        print(f"{'':28}" + "".join(f"{name:>16}" for name in results))
        for row in rows:
            label = {
                "source": "4032x3024 JPEG given",
                "offline": "offline tour (photo bytes)",
                "page": "stop page HTML+CSS+JS",
            }.get(row, row)
            cells = []
            for result in results.values():
                value = result.get(row)
                cells.append("-" if value is None else f"{value:.2f} s" if "build" in row else f"{value:,}")
            print(f"{label:28}" + "".join(f"{cell:>16}" for cell in cells))


if __name__ == "__main__":
    main()
