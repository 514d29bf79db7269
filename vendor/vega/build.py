"""Rebuild template.html: DVC's plots page with Vega inlined, so it draws offline.

`dvc plots show` and `dvc plots diff` write a page that loads Vega, Vega-Lite and
Vega-Embed from cdn.jsdelivr.net; without internet that page is blank. This
script downloads the same versions that DVC's renderer asks for from the npm
registry, checks each tarball against the registry's sha512 integrity, and
writes a template (`.dvc/config`: plots.html_template) with the three
libraries inlined. Run it after upgrading dvc-render:

    python vendor/vega/build.py
"""

import base64
import hashlib
import io
import json
import re
import tarfile
import urllib.request
from pathlib import Path

from dvc_render.vega import VegaRenderer

REGISTRY = "https://registry.npmjs.org"
HERE = Path(__file__).parent
LIBRARY_FILES = {
    "vega": "package/build/vega.min.js",
    "vega-lite": "package/build/vega-lite.min.js",
    "vega-embed": "package/build/vega-embed.min.js",
}
SOURCE_MAP_COMMENT = re.compile(r"^//# sourceMappingURL=.*$", re.MULTILINE)

PAGE = """<!DOCTYPE html>
<html>
<head>
    {{refresh_tag}}
    <title>DVC Plot</title>
    <!-- {credits}: BSD-3-Clause, University of Washington Interactive
         Data Lab; see vendor/vega/LICENSE. Inlined by vendor/vega/build.py. -->
{scripts}
    <style>
        table {{
            border-spacing: 15px;
        }}
    </style>
</head>
<body>
    {{plot_divs}}
</body>
</html>
"""


def dvc_library_versions():
    """The {package: version} that dvc-render's own page loads from the CDN."""
    return dict(re.findall(r"npm/([a-z-]+)@([\d.]+)", VegaRenderer.SCRIPTS))


def fetch_library(package, version):
    """(minified source, LICENSE text) of one npm package, integrity-checked."""
    with urllib.request.urlopen(f"{REGISTRY}/{package}/{version}") as response:
        dist = json.load(response)["dist"]
    with urllib.request.urlopen(dist["tarball"]) as response:
        tarball = response.read()
    algorithm, expected = dist["integrity"].split("-", 1)
    actual = base64.b64encode(hashlib.new(algorithm, tarball).digest()).decode()
    if actual != expected:
        raise ValueError(f"{package}@{version}: tarball does not match its integrity hash")
    with tarfile.open(fileobj=io.BytesIO(tarball)) as archive:
        source = archive.extractfile(LIBRARY_FILES[package]).read().decode("utf-8")
        license_text = archive.extractfile("package/LICENSE").read().decode("utf-8")
    return SOURCE_MAP_COMMENT.sub("", source).strip(), license_text


def main():
    versions = dvc_library_versions()
    scripts, licenses = [], []
    for package, version in versions.items():
        source, license_text = fetch_library(package, version)
        if "</script" in source or "{plot_divs}" in source:
            raise ValueError(f"{package}@{version} cannot be inlined as it is")
        scripts.append(f'    <script data-library="{package}@{version}">\n{source}\n    </script>')
        licenses.append(f"{package} {version}\n\n{license_text.strip()}\n")
    (HERE / "LICENSE").write_text("\n\n".join(licenses), encoding="utf-8")
    credits = ", ".join(f"{package} {version}" for package, version in versions.items())
    page = PAGE.format(credits=credits, scripts="\n".join(scripts))
    (HERE / "template.html").write_text(page, encoding="utf-8")
    print(f"wrote {HERE / 'template.html'} with {credits}")


if __name__ == "__main__":
    main()
