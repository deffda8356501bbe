"""The page's browser files: which ones solara asks for, and unpacking npm's tarballs for it."""

from __future__ import annotations

import json
import re
import stat
import sys
from pathlib import Path

import solara
import solara.server.settings

from sim.app import browser_files

SOLARA = Path(solara.__file__).parent
CDN_PATH = re.compile(r"(?:\{\{cdn\}\}|getCdn\(\)\})/((?:@[\w.-]+/)?[\w.-]+@[\w.-]+)/")


def requested_by_the_page() -> set[str]:
    """Folders the installed solara's Vue 2 page and the widgets the app shows load from its CDN."""
    template = (SOLARA / "server" / "templates" / "solara.html.j2").read_text()
    vue2_page = "\n".join(line for line in template.splitlines() if "vuetify3-app" not in line)
    widgets = [(SOLARA / "widgets" / "vue" / name).read_text() for name in ("gridlayout.vue", "vegalite.vue")]
    folders = {match for text in (vue2_page, *widgets) for match in CDN_PATH.findall(text)}
    fontawesome = solara.server.settings.assets.fontawesome_path.strip("/").split("/")[0]
    return folders | {fontawesome}


def test_every_file_the_page_asks_for_is_provided() -> None:
    asked = requested_by_the_page()
    assert {"requirejs@2.3.6", "vega@5", "@widgetti/vue-grid-layout@2.3.13-alpha.2"} <= asked
    assert asked <= set(browser_files.NPM_PACKAGES)


def test_missing_lists_folders_without_a_package(tmp_path: Path) -> None:
    present = tmp_path / "requirejs@2.3.6"
    present.mkdir()
    (present / "package.json").write_text("{}")
    assert browser_files.missing(tmp_path) == [f for f in browser_files.NPM_PACKAGES if f != "requirejs@2.3.6"]


def fake_npm(folder: Path) -> Path:
    """An `npm` that packs a tarball holding package/package.json for each spec, as npm does."""
    script = folder / "npm"
    script.write_text(
        f"#!{sys.executable}\n"
        "import io, json, sys, tarfile\n"
        "out = []\n"
        "for spec in sys.argv[3:]:\n"
        "    name, version = spec.rsplit('@', 1)\n"
        "    filename = name.lstrip('@').replace('/', '-') + '-' + version + '.tgz'\n"
        "    data = json.dumps({'name': name, 'version': version}).encode()\n"
        "    with tarfile.open(filename, 'w:gz') as tar:\n"
        "        info = tarfile.TarInfo('package/package.json'); info.size = len(data)\n"
        "        tar.addfile(info, io.BytesIO(data))\n"
        "    out.append({'name': name, 'version': version, 'filename': filename})\n"
        "print(json.dumps(out))\n"
    )
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return script


def test_fetch_unpacks_each_package_into_the_folder_solara_asks_for(tmp_path: Path) -> None:
    cache = tmp_path / "cdn"
    folders = ["vega@5", "@widgetti/vue-grid-layout@2.3.13-alpha.2"]
    browser_files.fetch(folders, cache, npm=str(fake_npm(tmp_path)))
    assert json.loads((cache / "vega@5" / "package.json").read_text())["version"] == "5.33.1"
    assert (cache / "@widgetti" / "vue-grid-layout@2.3.13-alpha.2" / "package.json").is_file()
    assert set(browser_files.missing(cache)) == set(browser_files.NPM_PACKAGES) - set(folders)


def test_ensure_says_what_it_fetches_and_then_does_nothing(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("PATH", f"{tmp_path}:{Path(sys.executable).parent}")
    fake_npm(tmp_path)
    said: list[str] = []
    assert browser_files.ensure(said.append, cache=tmp_path / "cdn") == []
    assert len(said) == 1 and "npm registry" in said[0]
    assert browser_files.ensure(said.append, cache=tmp_path / "cdn") == [] and len(said) == 1


def test_without_npm_ensure_explains_and_leaves_the_cdn_to_solara(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    said: list[str] = []
    assert browser_files.ensure(said.append, cache=tmp_path / "cdn") == list(browser_files.NPM_PACKAGES)
    assert "npm is not installed" in said[0]
