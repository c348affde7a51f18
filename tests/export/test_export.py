"""audioguide export: every URL of the live site is in the export with the same bytes, except the
documented differences; a re-export rewrites only what changed; dangerous folders are refused."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from audioguide.export import ExportDone, ExportError, ExportOptions, export_site
from audioguide.export.hosts import MARKER
from audioguide.export.site import SiteFreezer
from audioguide.web import create_app
from audioguide.web.security import SECURITY_HEADERS
from tests.export.conftest import BASE_URL
from tests.helpers.web_fixtures import published_file

# Routes of the live visitor site whose every URL is a file of the export with the same body.
SAME = (
    "/<lang>/",
    "/<lang>/<stop_id>",  # by id; an alias is a redirect, below
    "/<lang>/plan",  # the site plan: 'gate' has a location
    "/<lang>/manifest.webmanifest",
    "/offline/<lang>.json",
    "/sw.js",
    "/media/<digest>/<path:name>",
    "/img/<digest>/<stop_id>/<name>",
    "/a/<digest>/<name>",
    "/api/v1/<lang>/tour.json",
    "/api/v1/<lang>/stops/<stop_id>.json",  # by id and by alias
)
# The documented differences (docs/scaling.md, "The live site and the export"): a static file
# cannot read a cookie, a header or a query string, nor count a scan.
DIFFERENCES = {
    "/": "a page whose script picks the language (remembered, else navigator.languages) and goes"
    " to /<lang>/; live: a redirect negotiated from the cookie and Accept-Language",
    "/s/<stop_id>": "a page whose script picks the language and goes to /<lang>/<id>, sending the scan"
    " beacon if --stats-url is set; without JS a list of the languages; live: the stop page itself,"
    " counted, in the negotiated language",
    "/go": "a page whose script finds ?n= in the offline list; live: looked up by the server",
    "/<lang>/<alias>": "a 301 in _redirects and nginx.conf, not a file",
    "/api/v1/tour": "the query form (?lang=) is live only; the export has /api/v1/<lang>/tour.json",
    "/api/v1/stops/<stop_id>": "the query form is live only; the export has /api/v1/<lang>/stops/<id>.json",
    "/api/v1/openapi.json": "describes only the path forms, with the export's address as server",
}


@pytest.fixture
def live(web_tour: Path, tmp_path: Path):
    return create_app(web_tour, stats_db=tmp_path / "live-stats.sqlite3", testing=True, with_studio=False)


def _expand(rule: str, live) -> list[str]:
    """Every URL of one route: x languages x stops and aliases x published files."""
    from audioguide.web.state import EXTENSION

    site_state = live.extensions[EXTENSION]
    snap = site_state.site.current()
    tour = snap.tour
    if rule.startswith("/media/") or rule.startswith("/img/"):
        return [url for url in snap.media if url.startswith(rule[:4])]
    if rule.startswith("/a/"):
        return list(site_state.assets.urls.values())
    urls = [rule]
    for name, values in (("<lang>", tour.languages), ("<stop_id>", [s.id for s in tour.stops])):
        urls = [url.replace(name, value) for url in urls for value in values] if name in rule else urls
    if rule in ("/api/v1/<lang>/stops/<stop_id>.json", "/s/<stop_id>"):
        aliases = [(alias, stop.id) for stop in tour.stops for alias in stop.aliases]
        extra = [rule.replace("<stop_id>", alias) for alias, _ in aliases]
        urls += (
            [url.replace("<lang>", lang) for url in extra for lang in tour.languages]
            if "<lang>" in rule
            else extra
        )
    return urls


def test_every_live_url_is_exported_or_a_documented_difference(live, export_dir: Path) -> None:
    rules = {rule.rule for rule in live.url_map.iter_rules() if "GET" in rule.methods}
    rules.discard("/studio")  # not registered here: staff pages are never exported
    unknown = rules - set(SAME) - set(DIFFERENCES)
    assert not unknown, f"a new route: export it or document the difference in DIFFERENCES: {unknown}"

    client = live.test_client()
    to_file = SiteFreezer(live).urlpath_to_filepath
    compared = 0
    for rule in SAME:
        urls = _expand(rule, live)
        assert urls, rule
        for url in urls:
            answer = client.get(url, base_url=BASE_URL + "/")
            assert answer.status_code == 200, url
            exported = export_dir / to_file(url)
            assert exported.read_bytes() == answer.data, url
            compared += 1
    assert compared >= 40

    # The differences, each as documented.
    picker = (export_dir / "s/entrance.html").read_text()  # an old id's QR code
    assert 'data-target="/{lang}/gate"' in picker and 'data-scan="gate"' in picker
    assert all(f'href="/{lang}/gate"' in picker for lang in ("en", "ru", "kk"))  # without JS
    live_scan = client.get("/s/gate", headers={"Cookie": ""}).get_data(as_text=True)
    assert re.search(r'<link rel="canonical" href="/(en|ru|kk)/gate">', live_scan)
    assert 'data-target="/{lang}/"' in (export_dir / "index.html").read_text()
    assert 'data-go="/offline/{lang}.json"' in (export_dir / "go.html").read_text()
    redirects = (export_dir / "_redirects").read_text()
    nginx = (export_dir / "nginx.conf").read_text()
    for lang in ("en", "ru", "kk"):
        assert client.get(f"/{lang}/entrance").headers["Location"].endswith(f"/{lang}/gate")
        assert f"/{lang}/entrance /{lang}/gate 301" in redirects
        assert f"location = /{lang}/entrance {{ return 301 /{lang}/gate; }}" in nginx
    assert not (export_dir / "api/v1/tour").exists() and not (export_dir / "api/v1/tour.html").exists()
    document = json.loads((export_dir / "api/v1/openapi.json").read_text())
    assert set(document["paths"]) == {
        "/api/v1/{lang}/tour.json",
        "/api/v1/{lang}/stops/{id}.json",
        "/api/v1/openapi.json",
    }
    assert document["servers"] == [{"url": BASE_URL}]
    live_document = client.get("/api/v1/openapi.json").get_json()
    assert set(document["paths"]) < set(live_document["paths"])  # live: both forms
    # The 404 page a static host answers for an unknown address.
    assert (export_dir / "404.html").read_bytes() == client.get("/nowhere/at/all").data


def test_documents_link_in_their_own_form(export_dir: Path) -> None:
    tour = json.loads((export_dir / "api/v1/ru/tour.json").read_text())
    gate = tour["stops"][0]
    assert gate["next"]["url"] == f"{BASE_URL}/api/v1/ru/stops/wall.json"
    assert gate["audio_url"].startswith(f"{BASE_URL}/media/")
    assert (export_dir / gate["audio_url"].removeprefix(BASE_URL + "/")).is_file()


def _mtimes(root: Path) -> dict[str, int]:
    return {p.relative_to(root).as_posix(): p.stat().st_mtime_ns for p in root.rglob("*") if p.is_file()}


def test_reexport_rewrites_only_what_changed_and_deletes_what_is_gone(
    web_tour: Path, export_dir: Path
) -> None:
    before = _mtimes(export_dir)
    inode = (export_dir / "en/gate.html").stat().st_ino
    events = list(export_site(ExportOptions(web_tour, export_dir, base_url=BASE_URL)))
    done = events[-1]
    assert isinstance(done, ExportDone)
    assert done.written == 0 and done.removed == ()
    assert _mtimes(export_dir) == before  # rsync and `aws s3 sync` see nothing to upload

    # One narration edited, one stop removed.
    narration = web_tour / "stops" / "gate" / "en.md"
    narration.write_text(narration.read_text(encoding="utf-8").replace("The gate", "The old gate"), "utf-8")
    shutil.rmtree(web_tour / "stops" / "wall")
    done = list(export_site(ExportOptions(web_tour, export_dir, base_url=BASE_URL)))[-1]
    after = _mtimes(export_dir)
    assert not [name for name in after if "wall" in name]
    assert "en/wall.html" in done.removed and "s/wall.html" in done.removed
    assert any(name.endswith("/en/wall.mp3") for name in done.removed)
    assert not list(export_dir.glob("media/*/*/wall.*")) and not list(export_dir.rglob(".audioguide-tmp-*"))
    changed = {name for name in after if after[name] != before.get(name)}
    assert "en/gate.html" in changed and "ru/gate.html" in changed  # the neighbour link is gone
    # Hashed files keep their bytes and their mtimes.
    assert not [name for name in changed if name.startswith(("media/", "a/", "img/"))]
    assert len(changed) == done.written
    # Written by a rename (a reader sees the old file or the new one): a new inode.
    assert (export_dir / "en/gate.html").stat().st_ino != inode
    assert not [p for p in export_dir.rglob("*") if p.is_dir() and not any(p.iterdir())]  # no empty folders


def test_refuses_a_folder_it_could_damage(web_tour: Path, tmp_path: Path) -> None:
    def export(destination: Path) -> None:
        list(export_site(ExportOptions(web_tour, destination, base_url=BASE_URL)))

    for destination, reason in [
        (web_tour, "holds the project"),
        (web_tour.parent, "holds the project"),
        (web_tour / "stops" / "site", "inside the tour"),
    ]:
        with pytest.raises(ExportError, match=reason):
            export(destination)
    other = tmp_path / "other"
    (other / "notes").mkdir(parents=True)
    (other / "tour.yaml").write_text("title: x\n")
    with pytest.raises(ExportError, match=r"tour\.yaml"):
        export(other)
    (other / "tour.yaml").unlink()
    with pytest.raises(ExportError, match="not an earlier export"):
        export(other)  # someone's folder: never cleaned
    assert (other / "notes").is_dir()
    empty = tmp_path / "empty"
    empty.mkdir()
    export(empty)
    assert (empty / MARKER).exists() and (empty / "en" / "index.html").exists()


def test_a_changed_file_at_the_old_hash_stops_the_export(web_tour: Path, tmp_path: Path) -> None:
    mp3 = published_file(web_tour, "gate", "en")
    mp3.write_bytes(mp3.read_bytes()[:-100])  # damaged since the build
    # The app refuses to send bytes its hash does not name (404), and the export stops.
    with pytest.raises(ExportError, match="404"):
        list(export_site(ExportOptions(web_tour, tmp_path / "site", base_url=BASE_URL)))


def test_path_prefix(web_tour: Path, tmp_path: Path) -> None:
    destination = tmp_path / "www" / "guide"
    list(export_site(ExportOptions(web_tour, destination, base_url="https://example.org/guide/")))
    page = (destination / "en" / "gate.html").read_text()
    paths = re.findall(r'(?:href|src|action|data-[a-z-]+)="(/[^"]*)"', page)
    assert paths and all(path.startswith("/guide/") for path in paths), paths
    picker = (destination / "s" / "gate.html").read_text()
    assert 'data-target="/guide/{lang}/gate"' in picker
    offline = json.loads((destination / "offline" / "en.json").read_text())
    assert all(item["url"].startswith("/guide/") for item in offline["files"])
    manifest = json.loads((destination / "en" / "manifest.webmanifest").read_text())
    assert manifest["scope"] == "/guide/" and manifest["start_url"] == "/guide/en/"
    assert manifest["icons"][0]["src"].startswith("/guide/a/")
    stop = json.loads((destination / "api/v1/en/stops/gate.json").read_text())
    assert stop["page_url"] == "https://example.org/guide/en/gate"
    assert stop["audio_url"].startswith("https://example.org/guide/media/")
    assert "/guide/en/entrance /guide/en/gate 301" in (destination / "_redirects").read_text()
    assert "error_page 404 /guide/404.html;" in (destination / "nginx.conf").read_text()


def test_host_files_carry_the_live_headers(web_tour: Path, tmp_path: Path, live) -> None:
    destination = tmp_path / "site"
    list(
        export_site(
            ExportOptions(
                web_tour, destination, base_url=BASE_URL, stats_url="https://stats.example.net/api/v1/scans"
            )
        )
    )
    headers = (destination / "_headers").read_text()
    nginx = (destination / "nginx.conf").read_text()
    answer = live.test_client().get("/en/gate")
    for name, value in SECURITY_HEADERS:
        assert answer.headers[name] == value  # the live server sends the same table
        if name == "Content-Security-Policy":
            value = value.replace("connect-src 'self'", "connect-src 'self' https://stats.example.net")
        assert f"  {name}: {value}\n" in headers
        assert f'add_header {name} "{value}" always;' in nginx
    # One Cache-Control per URL: hosts join the values of several matching rules.
    rules = re.findall(r"^(/\S*)\n((?:  .*\n)+)", headers, re.M)
    with_cache = [path for path, block in rules if "Cache-Control" in block]
    assert "/media/:hash/*" in with_cache and "/en/*" in with_cache and "/*" not in with_cache
    picker = (destination / "s" / "gate.html").read_text()
    assert 'data-stats="https://stats.example.net/api/v1/scans"' in picker


def test_stats_url_from_tour_yaml(web_tour: Path, tmp_path: Path) -> None:
    tour_yaml = web_tour / "tour.yaml"
    tour_yaml.write_text(
        tour_yaml.read_text(encoding="utf-8") + "stats_url: https://live.example.org/api/v1/scans\n"
    )
    destination = tmp_path / "site"
    list(export_site(ExportOptions(web_tour, destination)))  # base_url from tour.yaml too
    assert (
        'data-stats="https://live.example.org/api/v1/scans"' in (destination / "s" / "gate.html").read_text()
    )
    assert "connect-src 'self' https://live.example.org;" in (destination / "_headers").read_text()


def test_cli(web_tour: Path, tmp_path: Path, runner) -> None:
    from audioguide.cli import cli

    destination = tmp_path / "site"
    args = ["export", "--project", str(web_tour), str(destination), "--base-url", BASE_URL]
    result = runner.invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert re.search(r"Exported \d+ files .* (\d+) written, 0 unchanged, 0 removed", result.output)
    result = runner.invoke(cli, args)
    assert re.search(r"0 written, \d+ unchanged, 0 removed", result.output), result.output
    result = runner.invoke(cli, ["export", "--project", str(web_tour), str(web_tour)])
    assert result.exit_code != 0 and "holds the project" in result.output


def _netlify_rule(path: str) -> re.Pattern[str]:
    """How Netlify matches a `_headers` path (netlify/build, headers-parser/src/for_regexp.ts)."""

    def part(text: str) -> str:
        if text.startswith(":"):
            return "([^/]+)"
        if text == "*":
            return "?(.*)"
        return text.replace("*", "(.*)") if "*" in text else re.escape(text)

    pattern = "/".join(part(text.rstrip()) for text in path.split("/") if text.rstrip())
    return re.compile(f"^/{pattern}/?$", re.I)


def _cloudflare_rule(path: str) -> re.Pattern[str]:
    """How Cloudflare Pages matches one (workers-sdk, asset-server/rulesEngine.ts)."""
    pattern = "(?P<splat>.*)".join(re.escape(text) for text in path.split("*"))
    pattern = re.sub(r":([A-Za-z]\w*)", r"(?P<\1>[^/]+)", pattern)
    return re.compile(f"^{pattern}$")


def test_headers_file_stays_small_and_types_every_file(export_dir: Path) -> None:
    """Content types by pattern, not file by file: Cloudflare Pages reads at most 100 rules."""
    rules = re.findall(r"^(/\S*)\n((?:  .*\n)+)", (export_dir / "_headers").read_text(), re.M)
    languages = [folder.name for folder in export_dir.iterdir() if (folder / "manifest.webmanifest").exists()]
    assert len(rules) == 13 + len(languages) <= 100  # docs/scaling.md: whatever the number of stops
    assert not any(re.search(r"[0-9a-f]{16}|gate|wall", path) for path, _ in rules)  # no file listed
    typed = [
        (path, kind) for path, block in rules for kind in re.findall(r"^  Content-Type: (.*)$", block, re.M)
    ]
    files = [f for f in export_dir.rglob("*") if f.is_file()]
    for host in (_netlify_rule, _cloudflare_rule):
        for file in files:
            url = "/" + file.relative_to(export_dir).as_posix()
            kinds = [kind for path, kind in typed if host(path).match(url)]
            if file.suffix == ".vtt":
                assert kinds == ["text/vtt; charset=utf-8"], (host.__name__, url)
            elif file.suffix == ".webmanifest":
                assert kinds == ["application/manifest+json"], (host.__name__, url)
            else:
                assert kinds == [], (host.__name__, url)
            cache = [path for path, block in rules if "Cache-Control" in block and host(path).match(url)]
            assert len(cache) <= 1, (host.__name__, url, cache)
    assert any(f.suffix == ".vtt" for f in files) and any(f.suffix == ".webmanifest" for f in files)


def test_nginx_config_for_the_live_server_refuses_what_nginx_would_misread(tmp_path: Path) -> None:
    from audioguide.errors import AudioguideError
    from audioguide.export.proxy import live_nginx_config

    assert "root /srv/guide/audio;" in live_nginx_config(Path("/srv/guide/audio"), "http://127.0.0.1:8000")
    assert 'root "/srv/my guide/audio";' in live_nginx_config(
        Path("/srv/my guide/audio"), "http://127.0.0.1:8000"
    )
    for folder in ("/srv/a;b/audio", "/srv/$document_root/audio", "/srv/a}b/audio"):
        with pytest.raises(AudioguideError):
            live_nginx_config(Path(folder), "http://127.0.0.1:8000")
    with pytest.raises(AudioguideError):
        live_nginx_config(Path("/srv/guide/audio"), "http://127.0.0.1:8000", "/_audio; internal")
    # An internal location at a site address would hide it: /en (a language), /media, /a.
    for prefix in ("/en", "/media", "/a", "/"):
        with pytest.raises(AudioguideError, match="starts with /_"):
            live_nginx_config(Path("/srv/guide/audio"), "http://127.0.0.1:8000", prefix)
