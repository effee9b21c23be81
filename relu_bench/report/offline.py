"""asv's pages without third-party hosts: the index.html `asv publish` writes loads jQuery, Flot, Bootstrap & co.
from CDNs, so without internet it stays on "Can not determine continental origin of swallow". After every publish
(relu_bench/asv_plugin.py) the index loads pinned copies instead, copied into html_dir/vendor/.

The copies, in vendor/ beside this file (one folder per npm package and version, with its license), are the npm
registry's files of the versions asv 0.6.6 asks for; the CDN serves its own minified builds of Flot, stupidtable
(1.0.1, which npm lacks: 1.1.3 here) and md5, so their integrity attributes, which name the CDN's bytes, are dropped.
"""

import re
import shutil
from pathlib import Path

VENDOR = Path(__file__).resolve().parents[1] / "vendor"
# The file name a CDN address in asv's index.html ends with -> its copy under VENDOR.
COPIES = {
    "jquery-3.3.1.min.js": "jquery-3.3.1/jquery.min.js",
    "jquery.flot.min.js": "flot-0.8.3/jquery.flot.js",
    "jquery.flot.time.min.js": "flot-0.8.3/jquery.flot.time.js",
    "jquery.flot.selection.min.js": "flot-0.8.3/jquery.flot.selection.js",
    "jquery.flot.categories.min.js": "flot-0.8.3/jquery.flot.categories.js",
    "jquery.flot.orderBars.js": "flot-orderbars-1.0.0/jquery.flot.orderBars.js",
    "stupidtable.min.js": "stupid-table-plugin-1.1.3/stupidtable.min.js",
    "md5.min.js": "blueimp-md5-2.19.0/md5.min.js",
    "bootstrap.min.js": "bootstrap-3.1.1/bootstrap.min.js",
    "bootstrap.min.css": "bootstrap-3.1.1/bootstrap.min.css",
}
# A script or stylesheet loaded from another host.
REMOTE = re.compile(r'<(?:script|link)\b[^>]*?\s(?:src|href)="(https?://[^"]+)"[^>]*>')
INTEGRITY = re.compile(r'\s(?:integrity|crossorigin|referrerpolicy)="[^"]*"')


def localize(html_dir):
    """Point html_dir/index.html's remote scripts and styles at copies in html_dir/vendor/. A remote file without a
    copy here (a newer asv's) is a ValueError naming it: the page would need that host again."""
    index = Path(html_dir, "index.html")

    def local(match):
        url = match.group(1)
        name = url.rsplit("/", 1)[-1]
        if name not in COPIES:
            raise ValueError(f"{index} loads {url}, of which relu_bench/report/offline.py has no copy")
        target = Path(html_dir, "vendor", COPIES[name])
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(VENDOR / COPIES[name], target)
        return INTEGRITY.sub("", match.group(0)).replace(url, f"vendor/{COPIES[name]}")

    index.write_text(REMOTE.sub(local, index.read_text()))
