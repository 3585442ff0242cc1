#!/usr/bin/python3
"""QGIS (Debian's python3-qgis, 3.22 on bookworm), headless, against a running server.

    QT_QPA_PLATFORM=offscreen /usr/bin/python3 tests/gis/qgis_check.py http://127.0.0.1:8080 [OUT_DIR]

Checks, each printed as a PASS, FAIL or SKIP line (SKIP: what this QGIS cannot do, with the reason):
  a. the OGC API – Features collection `pays` through QGIS's OAPIF provider: valid, featureCount()
     equal to the server's numberMatched, every feature, and a bbox request;
  b. the same collection asked for in Lambert-93 (srsname='EPSG:2154' in the URI);
  c. a subset string (kind = 'PETR'): the count QGIS gets equals the server's numberMatched for the
     CQL2 filter, and whether QGIS sent the filter to the server (from its network log);
  d. the vector tiles as a QgsVectorTileLayer: the polygons' ring winding QGIS's MVT decoder
     needs, and the MapLibre style from /api/style.json through QgsMapBoxGlStyleConverter (its
     warnings printed, and what it converts wrongly reported);
  e. maps of the tile layer around Clermont-Ferrand and of the OAPIF layer, written to OUT_DIR
     (default target/screenshots), not blank and with the Pays fill in them.
Every request QGIS made is listed at the end, with its status; any HTTP error is a FAIL.
Exits 1 on any FAIL.
"""

import json
import math
import os
import sys
import urllib.parse
import urllib.request
from collections import Counter

from qgis.core import (
    Qgis,
    QgsApplication,
    QgsCoordinateReferenceSystem,
    QgsCoordinateTransform,
    QgsDataSourceUri,
    QgsFeatureRequest,
    QgsFillSymbol,
    QgsMapBoxGlStyleConverter,
    QgsMapRendererParallelJob,
    QgsMapSettings,
    QgsNetworkAccessManager,
    QgsPointXY,
    QgsProject,
    QgsRectangle,
    QgsSingleSymbolRenderer,
    QgsVectorLayer,
    QgsVectorTileLayer,
)
from qgis.PyQt.QtCore import QEventLoop, QSize, QTimer
from qgis.PyQt.QtGui import QColor, QImage
from qgis.PyQt.QtNetwork import QNetworkRequest

BASE = sys.argv[1].rstrip("/") if len(sys.argv) > 1 else "http://127.0.0.1:8080"
OUT_DIR = sys.argv[2] if len(sys.argv) > 2 else os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "..", "target", "screenshots")
OUT_DIR = os.path.abspath(OUT_DIR)
# The first class of the Pays legend (crates/query/src/catalogue.rs, CLASS_PALETTE): a warm orange.
PAYS_FILL = "#e69f00"

results = Counter()


def report(status, name, detail=""):
    results[status] += 1
    print(f"{status}: {name}" + (f" — {detail}" if detail else ""), flush=True)


def check(ok, name, detail=""):
    report("PASS" if ok else "FAIL", name, detail)
    return ok


def server_json(path):
    with urllib.request.urlopen(BASE + path, timeout=60) as r:
        return json.load(r)


def wait(ms):
    """Lets queued signals (the network log from worker threads) arrive."""
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec_()


def mvt_polygon_rings(data):
    """{layer: [signed area of each polygon feature's first ring, in tile units]} of an MVT tile."""

    def varint(b, i):
        n = shift = 0
        while True:
            c = b[i]
            i += 1
            n |= (c & 0x7F) << shift
            shift += 7
            if c < 0x80:
                return n, i

    def messages(b):
        i = 0
        while i < len(b):
            key, i = varint(b, i)
            field, wire = key >> 3, key & 7
            if wire == 0:
                value, i = varint(b, i)
            elif wire == 2:
                n, i = varint(b, i)
                value, i = b[i:i + n], i + n
            elif wire == 5:
                value, i = b[i:i + 4], i + 4
            elif wire == 1:
                value, i = b[i:i + 8], i + 8
            else:
                raise ValueError(f"wire type {wire}")
            yield field, value

    def first_ring_area(geometry):
        ints, i = [], 0
        while i < len(geometry):
            v, i = varint(geometry, i)
            ints.append(v)
        x = y = 0
        ring = []
        i = 0
        while i < len(ints):
            command, count = ints[i] & 7, ints[i] >> 3
            i += 1
            if command == 7:
                break
            for _ in range(count):
                x += (ints[i] >> 1) ^ -(ints[i] & 1)
                y += (ints[i + 1] >> 1) ^ -(ints[i + 1] & 1)
                i += 2
                ring.append((x, y))
        return sum(ring[k][0] * ring[(k + 1) % len(ring)][1] - ring[(k + 1) % len(ring)][0] * ring[k][1]
                   for k in range(len(ring))) / 2

    out = {}
    for field, layer in messages(data):
        if field != 3:
            continue
        name, areas = None, []
        for lf, lv in messages(layer):
            if lf == 1:
                name = lv.decode()
            elif lf == 2:
                parts = dict(messages(lv))
                if parts.get(3) == 3 and 4 in parts:
                    areas.append(first_ring_area(parts[4]))
        if areas:
            out[name] = areas
    return out


# --- QGIS, no GUI -----------------------------------------------------------------------------

QgsApplication.setPrefixPath("/usr", True)
qgs = QgsApplication([], False)
qgs.initQgis()
print(f"QGIS {Qgis.QGIS_VERSION}, server {BASE}", flush=True)

# Every request QGIS makes, from any thread (the per-thread managers forward to the main one).
requests = {}  # id -> dict(url, status, error, headers)
nam = QgsNetworkAccessManager.instance()


def on_request(params):
    requests[params.requestId()] = {
        "url": params.request().url().toString(),
        "initiator": params.initiatorClassName(),
        "status": None, "error": None, "ctype": None,
    }


def on_finished(reply):
    entry = requests.setdefault(reply.requestId(), {
        "url": reply.request().url().toString(), "initiator": "?",
        "status": None, "error": None, "ctype": None})
    entry["status"] = reply.attribute(QNetworkRequest.HttpStatusCodeAttribute)
    if reply.error():
        entry["error"] = reply.errorString()
    headers = {bytes(h).decode().lower(): bytes(reply.rawHeader(h)).decode() for h in reply.rawHeaderList()}
    entry["ctype"] = headers.get("content-type")


def on_timeout(params):
    requests.setdefault(params.requestId(), {"url": params.request().url().toString(),
                                             "initiator": "?", "status": None, "ctype": None})
    requests[params.requestId()]["error"] = "timed out"


nam.requestAboutToBeCreated.connect(on_request)
nam.finished.connect(on_finished)
nam.requestTimedOut.connect(on_timeout)

# QGIS's own log (provider errors: OAPIF, vector tiles, network).
qgis_log = []
QgsApplication.messageLog().messageReceived.connect(
    lambda msg, tag, level: qgis_log.append((tag, int(level), msg)))


def requests_since(mark, needle):
    return [r for i, r in requests.items() if i > mark and needle in r["url"]]


def last_request_id():
    return max(requests) if requests else -1


def oapif_uri(**extra):
    # No download progress dialog: there is no GUI.
    uri = f"url='{BASE}/ogc' typename='pays' hideDownloadProgressDialog='1'"
    for k, v in extra.items():
        uri += f" {k}='{v}'"
    return uri


def render(layers, crs, extent, path, size=(800, 600), background="#ffffff"):
    settings = QgsMapSettings()
    settings.setLayers(layers)
    settings.setDestinationCrs(QgsCoordinateReferenceSystem(crs))
    settings.setOutputSize(QSize(*size))
    settings.setExtent(extent)
    settings.setBackgroundColor(QColor(background))
    job = QgsMapRendererParallelJob(settings)
    loop = QEventLoop()
    job.finished.connect(loop.quit)
    job.start()
    loop.exec_()
    for err in job.errors():
        print(f"  render error ({err.layerID}): {err.message}")
    image = job.renderedImage()
    os.makedirs(os.path.dirname(path), exist_ok=True)
    image.save(path, "PNG")
    return image


def pixel_stats(image, background):
    """Distinct colours, pixels unlike the background, orange pixels (red well above blue)."""
    img = image.convertToFormat(QImage.Format_ARGB32)
    ptr = img.constBits()
    ptr.setsize(img.width() * img.height() * 4)
    words = memoryview(bytes(ptr)).cast("I")  # 0xAARRGGBB, native order
    counts = Counter(words)
    bg = QColor(background).rgb() & 0xFFFFFFFF
    non_bg = sum(n for c, n in counts.items() if (c | 0xFF000000) != bg)
    orange = 0
    for c, n in counts.items():
        r, g, b = (c >> 16) & 0xFF, (c >> 8) & 0xFF, c & 0xFF
        if r - b >= 35 and r >= g:
            orange += n
    return len(counts), non_bg, orange, len(words)


# --- a. the collection, its count ---------------------------------------------------------------

expected_all = server_json("/ogc/collections/pays/items?limit=1")["numberMatched"]
mark = last_request_id()
pays = QgsVectorLayer(oapif_uri(), "pays", "OAPIF")
if check(pays.isValid(), "a. OAPIF layer `pays` is valid",
         f"{pays.dataProvider().name() if pays.dataProvider() else '-'}, crs {pays.crs().authid()}"):
    n = pays.featureCount()
    check(n == expected_all, "a. featureCount() equals the server's numberMatched",
          f"QGIS {n}, server {expected_all}")
    fields = [f.name() for f in pays.fields()]
    check("kind" in fields and "name" in fields, "a. fields from the items", ", ".join(fields))
    feats = list(pays.getFeatures())
    check(len(feats) == expected_all and all(f.hasGeometry() for f in feats),
          "a. every feature downloaded, with a geometry", f"{len(feats)} features")
    ext = pays.extent()
    check(-6 < ext.xMinimum() < ext.xMaximum() < 10 and 41 < ext.yMinimum() < ext.yMaximum() < 52,
          "a. extent in lon/lat around mainland France", ext.toString(3))

# A fresh layer asked for a box around Clermont-Ferrand only: QGIS sends bbox= to the server.
box = (2.9, 45.6, 3.3, 45.9)
expected_box = server_json("/ogc/collections/pays/items?limit=1&bbox=" + ",".join(map(str, box)))["numberMatched"]
mark = last_request_id()
# restrictToRequestBBOX: otherwise QGIS downloads a layer it knows to be small (numberMatched) whole.
pays_box = QgsVectorLayer(oapif_uri(restrictToRequestBBOX="1"), "pays-box", "OAPIF")
if pays_box.isValid():
    got = [f for f in pays_box.getFeatures(QgsFeatureRequest().setFilterRect(QgsRectangle(*box)))]
    wait(200)
    sent = [r["url"] for r in requests_since(mark, "/items") if "bbox=" in r["url"]]
    check(sent and len(got) == expected_box, "a. a bbox request (QGIS sends bbox=)",
          f"QGIS {len(got)} features, server {expected_box}; {sent[0] if sent else 'no bbox= sent'}")

# --- b. Lambert-93 ------------------------------------------------------------------------------

collection = server_json("/ogc/collections/pays")
l93_uri = "http://www.opengis.net/def/crs/EPSG/0/2154"
print(f"  the server lists {l93_uri} in the collection's crs: {l93_uri in collection.get('crs', [])}")
mark = last_request_id()
pays93 = QgsVectorLayer(oapif_uri(srsname="EPSG:2154"), "pays-l93", "OAPIF")
if check(pays93.isValid(), "b. OAPIF layer with srsname='EPSG:2154' is valid"):
    authid = pays93.crs().authid()
    f = next(pays93.getFeatures(), None)
    sent_crs = [r["url"] for r in requests_since(mark, "/items") if "crs=" in r["url"]]
    if authid == "EPSG:2154":
        x = f.geometry().boundingBox().center().x() if f else None
        check(f is not None and 100_000 < x < 1_250_000, "b. layer in EPSG:2154, coordinates in metres",
              f"x {x}, crs requests {sent_crs[:1]}")
    else:
        x = f.geometry().boundingBox().center().x() if f else None
        report("SKIP", "b. Lambert-93 from the server",
               f"QGIS {Qgis.QGIS_VERSION.split('-')[0]}'s OAPIF provider has no OGC API – Features "
               f"Part 2 (CRS): it ignores srsname, sends no crs= ({len(sent_crs)} items requests "
               f"with crs=) and keeps the layer in {authid} (a feature's centre x = {x:.3f})")
        # What a 3.22 user gets instead: QGIS reprojecting on its side.
        if f is not None:
            tr = QgsCoordinateTransform(pays93.crs(), QgsCoordinateReferenceSystem("EPSG:2154"),
                                        QgsProject.instance())
            g = f.geometry()
            g.transform(tr)
            x93 = g.boundingBox().center().x()
            check(100_000 < x93 < 1_250_000, "b. client-side reprojection to EPSG:2154 (QGIS, not the server)",
                  f"x {x93:.0f} m")

# --- c. a filter --------------------------------------------------------------------------------

flt = "kind = 'PETR'"
expected_petr = server_json(
    "/ogc/collections/pays/items?" + urllib.parse.urlencode({"filter": flt, "limit": 1},
                                                            quote_via=urllib.parse.quote)
)["numberMatched"]
conformance = server_json("/ogc/conformance")["conformsTo"]
part3 = [c for c in conformance if "ogcapi-features-3" in c or "cql2" in c]
print(f"  the server declares {len(part3)} Part 3 / CQL2 conformance classes")
if pays.isValid():
    mark = last_request_id()
    ok = pays.setSubsetString(flt)
    check(ok, "c. setSubsetString accepted", flt)
    n = pays.featureCount()
    got = list(pays.getFeatures())
    wait(200)
    check(n == expected_petr and len(got) == expected_petr and all(g["kind"] == "PETR" for g in got),
          "c. filtered count equals the server's numberMatched for the CQL2 filter",
          f"QGIS featureCount {n}, features {len(got)}, server {expected_petr}")
    items = requests_since(mark, "/items")
    with_filter = [r["url"] for r in items if "filter=" in r["url"]]
    print("  items requests after the subset string:")
    for r in items:
        print(f"    {r['status']} {r['url']}")
    if with_filter:
        report("PASS", "c. the filter went to the server", with_filter[0])
    else:
        report("SKIP", "c. filter sent to the server",
               f"QGIS {Qgis.QGIS_VERSION.split('-')[0]} filtered on its side: it never reads "
               f"/conformance, sends no filter= ({len(items)} items requests, none with filter=); "
               f"its OAPIF provider only turns datetime comparisons into datetime= and evaluates "
               f"everything else client-side")
    pays.setSubsetString("")

# --- d. vector tiles with the MapLibre style ----------------------------------------------------

ds = QgsDataSourceUri()
ds.setParam("type", "xyz")
ds.setParam("url", BASE + "/tiles/all/{z}/{x}/{y}.mvt")
ds.setParam("zmin", "0")
ds.setParam("zmax", "12")
vt_uri = bytes(ds.encodedUri()).decode()
print(f"  vector tile layer uri: {vt_uri}")
vt = QgsVectorTileLayer(vt_uri, "territoires")
check(vt.isValid(), "d. QgsVectorTileLayer (xyz) is valid",
      f"crs {vt.crs().authid()}, zoom {vt.sourceMinZoom()}–{vt.sourceMaxZoom()}")
# The tile the map's centre falls in at zoom 7, decoded here: QGIS's MVT decoder takes a ring with
# a positive area in tile coordinates (x right, y down: clockwise on screen) for an exterior, as
# the MVT 2.1 spec (4.3.4.4) requires, and drops a polygon whose first ring reads as a hole.
cz = 7
cx = int((3.08 + 180) / 360 * 2 ** cz)
cy = int((1 - math.asinh(math.tan(math.radians(45.78))) / math.pi) / 2 * 2 ** cz)
with urllib.request.urlopen(f"{BASE}/tiles/all/{cz}/{cx}/{cy}.mvt", timeout=60) as r:
    tile = mvt_polygon_rings(r.read())
wrong = {name: sum(1 for first in firsts if first < 0) for name, firsts in tile.items()}
polygons = sum(len(firsts) for firsts in tile.values())
check(polygons > 0 and not any(wrong.values()),
      "d. MVT polygons wound as the spec says (exterior ring: positive area, y down)",
      f"tile {cz}/{cx}/{cy}: {sum(wrong.values())} of {polygons} polygon features start with a "
      f"negative-area (counter-clockwise on screen) ring: "
      + ", ".join(f"{name} {n}/{len(tile[name])}" for name, n in wrong.items() if n)
      + (" — QGIS reads those rings as holes and draws nothing (MapLibre tolerates it)"
         if any(wrong.values()) else ""))

style = server_json("/api/style.json")
converter = QgsMapBoxGlStyleConverter()
result = converter.convert(json.dumps(style))
warnings = converter.warnings()
check(result == QgsMapBoxGlStyleConverter.Success and converter.renderer() is not None,
      "d. QgsMapBoxGlStyleConverter converts /api/style.json",
      f"{len(style['layers'])} style layers, {len(warnings)} warnings"
      + (f", error {converter.errorMessage()}" if converter.errorMessage() else ""))
for w in warnings:
    print(f"  converter warning: {w}")
renderer = converter.renderer()
labeling = converter.labeling()
check(labeling is not None and len(labeling.styles()) > 0,
      "d. the converter made labels (regions, départements, Pays names)",
      f"{len(labeling.styles()) if labeling else 0} label styles")

# How faithful the conversion is. Hold the style lists: a style's symbol dies with its copy.
by_id = {layer["id"]: layer for layer in style["layers"]}
rstyles = renderer.styles() if renderer is not None else []
lstyles = labeling.styles() if labeling is not None else []
hidden = [s for s in rstyles + lstyles
          if by_id.get(s.styleName(), {}).get("layout", {}).get("visibility") == "none" and s.isEnabled()]
if hidden:
    report("SKIP", "d. layout.visibility 'none' honoured by QGIS",
           f"QGIS's converter reads `visibility` at the top of a style layer, not in `layout` where "
           f"the MapLibre spec puts it: {len(hidden)} hidden layers would be drawn "
           f"({', '.join(s.styleName() for s in hidden)}); this check disables them, as MapLibre does")
    for s in hidden:
        s.setEnabled(False)
lost_filters = [s.styleName() for s in rstyles + lstyles
                if "filter" in by_id.get(s.styleName(), {}) and not s.filterExpression()]
if lost_filters:
    report("SKIP", "d. style filters converted",
           f"QGIS {Qgis.QGIS_VERSION.split('-')[0]} drops the filter of {', '.join(lost_filters)} "
           f"(`in` with a `literal` array is not parsed: 'Skipping unsupported expression'), so those "
           f"layers draw every feature; it converts [\"==\"|\"!=\", [\"get\", \"status\"], \"…\"] and "
           f"the legacy [\"in\"|\"!in\", \"status\", …]")
empty_match = []
for s in rstyles:
    sym = s.symbol()
    if sym is None:
        continue
    for i in range(sym.symbolLayerCount()):
        props = sym.symbolLayer(i).dataDefinedProperties()
        for key in props.propertyKeys():
            if "IN ()" in props.property(key).expressionString():
                empty_match.append(s.styleName())
empty_match = sorted(set(empty_match))
if empty_match:
    report("SKIP", "d. `match` colours converted",
           f"QGIS {Qgis.QGIS_VERSION.split('-')[0]} turns a `match` whose labels are single strings "
           f"into CASE WHEN \"status\" IN () …, silently, so {', '.join(empty_match)} take the fallback "
           f"colour; labels given as arrays ([\"banatic-2026\"]) convert to IN ('banatic-2026')")
if renderer is not None:
    renderer.setStyles(rstyles)
    print(f"  renderer styles: {len(rstyles)} ("
          + ", ".join(f"{s.styleName()}{'' if s.isEnabled() else ' (off)'}" for s in rstyles) + ")")
    vt.setRenderer(renderer)
if labeling is not None:
    labeling.setStyles(lstyles)
    vt.setLabeling(labeling)

# --- e. maps ------------------------------------------------------------------------------------

to_3857 = QgsCoordinateTransform(QgsCoordinateReferenceSystem("EPSG:4326"),
                                 QgsCoordinateReferenceSystem("EPSG:3857"), QgsProject.instance())
centre = to_3857.transform(QgsPointXY(3.08, 45.78))
res = 156543.03392804097 / 2 ** 7  # metres per pixel at zoom 7
extent = QgsRectangle(centre.x() - 400 * res, centre.y() - 300 * res,
                      centre.x() + 400 * res, centre.y() + 300 * res)
background = by_id["background"]["paint"]["background-color"] if "background" in by_id else "#ffffff"
if vt.isValid():
    mark = last_request_id()
    path = os.path.join(OUT_DIR, "qgis-tiles.png")
    image = render([vt], "EPSG:3857", extent, path, background=background)
    wait(200)
    tiles = requests_since(mark, "/tiles/all/")
    bad = [r for r in tiles if r["status"] != 200]
    zooms = sorted({r["url"].split("/tiles/all/")[1].split("/")[0] for r in tiles})
    check(tiles and not bad, "e. tiles fetched for the map",
          f"{len(tiles)} tiles at zoom {','.join(zooms)}, {len(bad)} not 200")
    colours, non_bg, orange, total = pixel_stats(image, background)
    # The regions' fill covers the land: only the sea, in two corners, keeps the background.
    check(colours > 20 and non_bg > total // 2, "e. tile map is not blank (land filled, not only labels)",
          f"{path}: {colours} colours, {non_bg}/{total} pixels not the background {background}")
    fill = f"e. tile map has the Pays fill ({PAYS_FILL} blended)"
    if orange > total // 100:
        report("PASS", fill, f"{orange} orange pixels")
    elif "pays-fill" in empty_match:
        report("SKIP", fill, f"{orange} orange pixels: pays-fill lost its `match` colours (above)")
    else:
        report("FAIL", fill, f"{orange} orange pixels")

if pays.isValid():
    symbol = QgsFillSymbol.createSimple({"color": "230,159,0,82", "outline_color": "138,83,0,255",
                                         "outline_width": "0.3"})
    pays.setRenderer(QgsSingleSymbolRenderer(symbol))
    # The whole of mainland France in Lambert-93, QGIS reprojecting the OAPIF features.
    l93 = QgsRectangle(80_000, 6_020_000, 1_260_000, 7_130_000)
    path = os.path.join(OUT_DIR, "qgis-oapif.png")
    image = render([pays], "EPSG:2154", l93, path, background="#ffffff")
    colours, non_bg, orange, total = pixel_stats(image, "#ffffff")
    check(colours > 5 and non_bg > total // 10, "e. OAPIF map is not blank",
          f"{path}: {colours} colours, {non_bg}/{total} pixels not white")
    check(orange > total // 20, "e. OAPIF map has the Pays fill", f"{orange} orange pixels")

# --- what QGIS asked for, and what it said ------------------------------------------------------

wait(300)
print(f"requests QGIS made ({len(requests)}):")
by_path = Counter()
for i in sorted(requests):
    r = requests[i]
    parsed = urllib.parse.urlsplit(r["url"])
    key = parsed.path if "/tiles/" not in parsed.path else "/tiles/all/{z}/{x}/{y}.mvt"
    by_path[(key, r["status"], r["ctype"], r["error"])] += 1
    if "/tiles/" not in parsed.path:
        print(f"  {r['status']} {r['url']} [{r['ctype']}]" + (f" ERROR {r['error']}" if r["error"] else ""))
print("  by path:")
for (p, status, ctype, error), n in sorted(by_path.items(), key=lambda kv: str(kv[0])):
    print(f"    {n:4d} × {status} {p} [{ctype}]" + (f" ERROR {error}" if error else ""))
failed = [r for r in requests.values() if r["error"] or (r["status"] or 0) >= 400 or r["status"] is None]
check(not failed, "every request QGIS made succeeded",
      "; ".join(f"{r['status']} {r['url']} {r['error']}" for r in failed[:5]))
if qgis_log:
    print(f"QGIS message log ({len(qgis_log)}):")
    for tag, level, msg in qgis_log:
        print(f"  [{tag or '-'}] level {level}: {msg}")

print(f"summary: {results['PASS']} PASS, {results['FAIL']} FAIL, {results['SKIP']} SKIP", flush=True)
code = 1 if results["FAIL"] else 0
# exitQgis, then leave without Python tearing down the Qt objects (it can crash at exit).
qgs.exitQgis()
os._exit(code)
