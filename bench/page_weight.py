"""Page weight of the visitor pages: HTML + the CSS and JS each page links, uncompressed.

    python bench/page_weight.py [CHECKOUT ...]

Publishes a copy of the demo tour (synthetic audio, as tests/web/test_web_pages.py does) once
per checkout given (default: this one) and prints, side by side, the heaviest stop page (the
budget of tests/web/test_web_pages.py is 30,000 bytes), the home page and the site plan when
the tour has one. Each checkout is measured in its own Python process (PYTHONPATH), so
`python bench/page_weight.py /work/main .` compares main with this branch in one run.
Nothing is asserted.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

MEASURE = r"""
import json, re, shutil, sys, tempfile
from pathlib import Path
from audioguide.web import create_app
from tests.helpers.web_fixtures import MediaMaker

demo = Path(sys.argv[1])
with tempfile.TemporaryDirectory() as tmp:
    root = Path(tmp) / "demo"
    shutil.copytree(demo / "stops", root / "stops")
    shutil.copy(demo / "tour.yaml", root / "tour.yaml")
    MediaMaker(Path(tmp) / "media").publish(root)
    client = create_app(root, stats_db=Path(tmp) / "s.db", testing=True).test_client()

    def weight(url):
        response = client.get(url)
        if response.status_code != 200:
            return None
        html = response.data
        linked = re.findall(rb'(?:href|src)="(/a/[^"]+\.(?:css|js))"', html)
        return len(html), sum(len(client.get(u.decode()).data) for u in linked)

    tour = client.get("/api/v1/tour").get_json()
    langs = [item["code"] for item in tour["languages"]]
    stops = [(lang, s["id"]) for lang in langs for s in tour["stops"]]
    heaviest = max(stops, key=lambda ls: sum(weight(f"/{ls[0]}/{ls[1]}")))
    out = {"stop (heaviest: %s/%s)" % heaviest: weight("/%s/%s" % heaviest)}
    out["home (%s)" % langs[0]] = weight(f"/{langs[0]}/")
    out["plan (%s)" % langs[0]] = weight(f"/{langs[0]}/plan")
    print(json.dumps(out))
"""


def measure(checkout: Path) -> dict[str, list[int] | None]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(checkout), str(REPO)])}
    done = subprocess.run(
        [sys.executable, "-c", MEASURE, str(REPO)], env=env, cwd=checkout, capture_output=True, text=True
    )
    if done.returncode:
        raise SystemExit(f"{checkout}: {done.stderr}")
    return json.loads(done.stdout)


def main() -> None:
    checkouts = [Path(arg).resolve() for arg in sys.argv[1:]] or [REPO]
    results = {checkout: measure(checkout) for checkout in checkouts}
    print(f"demo tour of {REPO}; bytes uncompressed: HTML + linked CSS/JS = total")
    for checkout, pages in results.items():
        print(f"\n{checkout}")
        for page, sizes in pages.items():
            if sizes is None:
                print(f"  {page:32} (no such page)")
            else:
                html, assets = sizes
                print(f"  {page:32} {html:6,} + {assets:6,} = {html + assets:6,}")


if __name__ == "__main__":
    main()
