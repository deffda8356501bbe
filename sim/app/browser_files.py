"""The browser files solara's page loads from a CDN, kept where solara's server looks first.

Solara serves its page's JavaScript (the Vuetify app, RequireJS, Font Awesome, the grid layout
SolaraViz uses and the Vega libraries that draw the charts) through a proxy at /_solara/cdn/,
which fetches each file from a public CDN on first use and keeps it in a cache folder. A machine
without that CDN (a classroom behind a firewall, CI) gets a blank page. `ensure` fills the cache
from the npm registry with npm's own client (`npm pack`), once; with the files present, the
app needs no network at all.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tarfile
import tempfile
from collections.abc import Callable
from pathlib import Path

# The folder solara's page asks for under /_solara/cdn/ -> the npm package that fills it. The
# folders are those of solara 1.x's Vue 2 page (ipyvuetify < 2; tests/app/test_browser_files.py
# checks them against the installed solara); "vega@5" etc. are ranges solara resolves at the CDN,
# pinned here to the versions tested.
NPM_PACKAGES = {
    "@widgetti/solara-vuetify-app@10.1.1": "@widgetti/solara-vuetify-app@10.1.1",
    "requirejs@2.3.6": "requirejs@2.3.6",
    "font-awesome@4.5.0": "font-awesome@4.5.0",
    "@widgetti/vue-grid-layout@2.3.13-alpha.2": "@widgetti/vue-grid-layout@2.3.13-alpha.2",
    "vega@5": "vega@5.33.1",
    "vega-lite@5": "vega-lite@5.23.0",
    "vega-embed@6": "vega-embed@6.29.0",
}


def cache_folder() -> Path:
    """Solara's CDN proxy cache (inside the virtual environment by default)."""
    from solara.server import settings

    return Path(settings.assets.proxy_cache_dir)


def missing(cache: Path) -> list[str]:
    return [folder for folder in NPM_PACKAGES if not (cache / folder / "package.json").is_file()]


def fetch(folders: list[str], cache: Path, npm: str = "npm") -> None:
    """`npm pack` each package and unpack it into its folder of `cache`."""
    folder_of = {NPM_PACKAGES[folder]: folder for folder in folders}
    with tempfile.TemporaryDirectory() as scratch:
        packed = subprocess.run(
            [npm, "pack", "--json", *folder_of], cwd=scratch, check=True, capture_output=True, text=True
        )
        for tarball in json.loads(packed.stdout):
            folder = folder_of[f"{tarball['name']}@{tarball['version']}"]
            unpacked = Path(scratch) / folder.replace("/", "_")
            with tarfile.open(Path(scratch) / tarball["filename"]) as archive:
                archive.extractall(unpacked, filter="data")
            target = cache / folder
            if target.exists():
                shutil.rmtree(target)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(unpacked / "package", target)


def ensure(say: Callable[[str], None], cache: Path | None = None) -> list[str]:
    """Fetch whatever is missing; return what is still missing (then solara tries its CDN)."""
    cache = cache or cache_folder()
    absent = missing(cache)
    if not absent:
        return []
    npm = shutil.which("npm")
    if npm is None:
        say(
            f"note: {len(absent)} browser file set(s) are not in {cache} and npm is not installed: the page "
            "will load them from solara's CDN, which needs internet access (or install npm and start again)"
        )
        return absent
    say(f"Fetching the browser files solara's page needs from the npm registry, once: {', '.join(absent)}")
    try:
        fetch(absent, cache, npm)
    except (subprocess.CalledProcessError, OSError, KeyError, ValueError) as error:
        detail = getattr(error, "stderr", "") or error
        say(f"note: npm could not fetch them ({str(detail).strip()[:300]}); the page will try solara's CDN")
    return missing(cache)
